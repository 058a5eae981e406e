"""Log lines: JSON when asked, and no secret survives, wherever it hides in a record."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.logging_setup import REDACTED, JsonFormatter, Redactor, TextFormatter, configure_logging

BOT_TOKEN = "7012345678:AAHk-very-secret-telegram-token-0123456789"
CLIENT_SECRET = "digiwatt client/secret&with=odd chars"
LINK_SECRET = "link-secret-link-secret-link-secret-42"


@pytest.fixture
def redactor() -> Redactor:
    redactor = Redactor()
    redactor.add(SecretStr(CLIENT_SECRET), LINK_SECRET, None, "")
    return redactor


def emit(formatter: logging.Formatter, message: str, *args: object, exc: bool = False) -> str:
    logger = logging.getLogger("test.logging")
    record = logger.makeRecord("test.logging", logging.ERROR, __file__, 1, message, args, None)
    if exc:
        try:
            raise RuntimeError(f"failed with {LINK_SECRET} and {BOT_TOKEN}")
        except RuntimeError:
            record.exc_info = sys.exc_info()
    return formatter.format(record)


@pytest.mark.parametrize(
    "leak",
    [
        f"POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage",
        f"form client_id=demo&client_secret={CLIENT_SECRET}",
        "client_secret=digiwatt%20client%2Fsecret%26with%3Dodd%20chars",  # URL-encoded
        "Authorization: Bearer eyJhbGciOi.abc-def_ghi",
        '{"access_token": "tok-123456", "token_type": "bearer"}',
        f"link secret is {LINK_SECRET}",
    ],
)
def test_secrets_are_redacted_in_text_lines(redactor: Redactor, leak: str) -> None:
    line = emit(TextFormatter(redactor), "request: %s", leak)
    assert REDACTED in line
    for secret in (
        BOT_TOKEN,
        CLIENT_SECRET,
        LINK_SECRET,
        "eyJhbGciOi",
        "tok-123456",
        "digiwatt%20client",
    ):
        assert secret not in line


def test_json_lines_are_one_object_each_with_the_exception_redacted(redactor: Redactor) -> None:
    line = emit(JsonFormatter(redactor), "chat %s: %s", 42, f"secret {LINK_SECRET}", exc=True)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "test.logging"
    assert entry["message"] == f"chat 42: secret {REDACTED}"
    assert "RuntimeError" in entry["exception"]
    assert LINK_SECRET not in line and BOT_TOKEN not in line


def test_extras_are_logged_and_redacted(redactor: Redactor) -> None:
    formatter = JsonFormatter(redactor)
    record = logging.makeLogRecord(
        {"msg": "hello", "levelno": 20, "levelname": "INFO", "chat_id": 7, "note": LINK_SECRET}
    )
    entry = json.loads(formatter.format(record))
    assert entry["chat_id"] == 7
    assert entry["note"] == REDACTED


def test_ordinary_text_is_left_alone(redactor: Redactor) -> None:
    text = "chat 123456: answered /consumption in 12 ms (tokens cached: 1)"
    assert redactor(text) == text


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "telegram", "sqlalchemy")}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    logging.captureWarnings(False)


def test_configure_reads_the_environment_and_holds_chatty_loggers_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path, root_restored: None
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:short")
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging()
    logging.getLogger("bot.test").debug("token %s", "123:short")
    logging.getLogger("httpx").info("GET https://api.telegram.org/bot123:short/getMe")
    logging.getLogger("telegram.Bot").debug("Calling sendMessage with text 12.3 kWh")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert json.loads(lines[0])["message"] == f"token {REDACTED}"
    assert logging.getLogger("httpx").level == logging.WARNING
