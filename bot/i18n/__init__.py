"""Translations: English source strings, gettext catalogs (Babel `.po`) per language.

Mark strings with `_("...")` (or `N_("...")` where the text is defined before the language is
known) so that `python -m bot.i18n extract` finds them. The `.po` files are read at import with
Babel, so there is no compiled `.mo` to keep in step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("it", "en")
DOMAIN = "messages"

Translator = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def negotiate(language_code: str | None) -> str:
    """Pick the bot's language from a Telegram client's `language_code` (e.g. "it-IT")."""
    if language_code:
        primary = language_code.replace("_", "-").split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


@cache
def _catalog(language: str) -> dict[str, str]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def gettext(language: str, message: str) -> str:
    """`message` in `language`, or the English source when it has no translation."""
    if language == DEFAULT_LANGUAGE:
        return message
    return _catalog(language).get(message, message)


def translator(language: str) -> Translator:
    """A `_` bound to one language."""
    return lambda message: gettext(language, message)


def number(value: float, language: str, digits: int = 1) -> str:
    """A number as people in `language` write it: 7,9 in Italian and 7.9 in English."""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=language)


def percent(fraction: float, language: str) -> str:
    """0.12 -> '12%' (and '12 %' where the locale says so)."""
    return format_percent(fraction, locale=language)
