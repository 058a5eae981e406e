"""Every user-visible string has an Italian translation that keeps its placeholders."""

import re
import string

import pytest

from bot.i18n import N_, _catalog, gettext, negotiate, number, translator
from bot.i18n.__main__ import extract

PLACEHOLDER = re.compile(r"\{[a-z_0-9]*(?::[^}]*)?\}")
HTML_TAG = re.compile(r"</?[a-z-]+")


def _messages() -> list[str]:
    return sorted({str(message.id) for message in extract() if message.id})


def test_source_has_messages() -> None:
    assert len(_messages()) > 20


@pytest.mark.parametrize("message", _messages())
def test_message_is_translated_to_italian(message: str) -> None:
    assert message in _catalog("it"), f"no Italian translation: {message!r}"
    italian = gettext("it", message)
    assert sorted(PLACEHOLDER.findall(italian)) == sorted(PLACEHOLDER.findall(message))
    assert sorted(HTML_TAG.findall(italian)) == sorted(HTML_TAG.findall(message))
    # str.format must not fail on the translation.
    fields = [name for _, name, _, _ in string.Formatter().parse(italian) if name]
    italian.format(**dict.fromkeys(fields, 0))


def test_negotiation_follows_the_telegram_client() -> None:
    assert negotiate("it-IT") == "it"
    assert negotiate("it") == "it"
    assert negotiate("de") == "en"
    assert negotiate(None) == "en"


def test_numbers_follow_the_language() -> None:
    assert number(7.9, "it") == "7,9"
    assert number(1234.5, "en") == "1,234.5"
    assert translator("en")(N_("What I can do")) == "What I can do"
    assert translator("it")("What I can do") == "Cosa posso fare"
