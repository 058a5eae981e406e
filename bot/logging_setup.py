"""Logging of a bot process: plain text or one JSON object per line, secrets redacted everywhere.

Every line goes through one `Redactor`, after the message, its arguments and any exception text
are put together, so a secret is caught wherever it hides: the bot token (also inside Bot API
URLs), LINK_SECRET and its predecessors, the Digiwatt client secret, WEBHOOK_SECRET, and any
bearer token or OAuth field. Chat ids may be logged; consumption values are never logged by our
code, and the third-party loggers that would print message texts or SQL parameters (python-
telegram-bot's and SQLAlchemy's DEBUG output) are held at a floor whatever LOG_LEVEL says.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url

from bot.settings import Settings, SettingsError, describe_error

REDACTED = "[REDACTED]"

# Loggers that print secrets or personal data below these levels, whatever LOG_LEVEL is.
LOGGER_FLOORS = {
    "httpx": logging.WARNING,  # request URLs carry the bot token
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,  # DEBUG: every update and every Bot API call with message texts
    "sqlalchemy": logging.WARNING,  # INFO/DEBUG: SQL parameters, i.e. stored chat data
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    "apscheduler": logging.WARNING,  # INFO: a line per job run, every minute
    "uvicorn.access": logging.WARNING,  # request lines; the webhook path is no one's business
    "matplotlib": logging.WARNING,
    "PIL": logging.WARNING,
    "multipart": logging.WARNING,
}

# A Telegram bot token anywhere, e.g. inside https://api.telegram.org/bot<token>/sendMessage.
_BOT_TOKEN = re.compile(r"(?<![0-9])[0-9]{5,16}:[A-Za-z0-9_-]{30,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
# OAuth and webhook fields written as key=value or "key": "value".
_FIELDS = re.compile(
    r"""(?i)((?:access_token|refresh_token|client_secret|secret_token|password)["']?\s*[:=]\s*["']?)"""
    r"""[^"'\s&,;}]+"""
)
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
# ("color_message" is uvicorn's copy of the message with terminal colours.)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class Redactor:
    """Replaces known secrets and anything shaped like a token with [REDACTED]."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, *secrets: str | SecretStr | None) -> None:
        """Remember more secrets (as written, and URL-encoded as in a form body)."""
        for secret in secrets:
            value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
            if value and len(value) >= 4:  # shorter ones would blank out ordinary words
                self._secrets.update({value, quote(value, safe="")})
        if self._secrets:
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest first: no partials
            self._pattern = re.compile("|".join(map(re.escape, ordered)))

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        text = _BOT_TOKEN.sub(REDACTED, text)
        text = _BEARER.sub(r"\1" + REDACTED, text)
        return _FIELDS.sub(r"\1" + REDACTED, text)


REDACTOR = Redactor()


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, redacted."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, pid, exception, extras; redacted."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = self.redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = self.redact(self.formatStack(record.stack_info))
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = self._plain(value)
        return json.dumps(entry, ensure_ascii=False, default=lambda o: self.redact(str(o)))

    def _plain(self, value: object) -> object:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, bool | int | float) or value is None:
            return value
        return self.redact(str(value))


class _LoggingEnv(BaseSettings):
    """What logging needs from the environment and .env, read before (and without) Settings."""

    model_config = Settings.model_config
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Plain strings: a malformed secret must still be redacted, and Settings reports it.
    telegram_bot_token: str | None = None
    link_secret: str | None = None
    link_secret_previous: str | None = None
    digiwatt_client_secret: str | None = None
    webhook_secret: str | None = None


def configure_logging(level: str | None = None, log_format: str | None = None) -> Redactor:
    """Send every log line to stderr, formatted and redacted; `level` overrides LOG_LEVEL."""
    try:
        env = _LoggingEnv()
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None
    previous = (env.link_secret_previous or "").split(",")
    REDACTOR.add(
        env.telegram_bot_token,
        env.link_secret,
        env.digiwatt_client_secret,
        env.webhook_secret,
        *(s.strip() for s in previous),
    )
    chosen = (log_format or env.log_format).lower()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or env.log_level).upper())
    logging.captureWarnings(True)  # warnings become log lines too (JSON when LOG_FORMAT=json)
    apply_floors()
    return REDACTOR


def apply_floors(floors: dict[str, int] = LOGGER_FLOORS) -> None:
    """Raise the chatty third-party loggers to their floor (never lower a stricter level)."""
    for name, floor in floors.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < floor:
            logger.setLevel(floor)


def redact_settings(settings: Settings, extra: Iterable[str | SecretStr] = ()) -> None:
    """Add the secrets of `settings` (which may come from elsewhere than the environment)."""
    REDACTOR.add(
        settings.telegram_bot_token,
        settings.digiwatt_client_secret,
        settings.webhook_secret,
        make_url(settings.database_url).password,
        *settings.link_secrets,
        *extra,
    )
