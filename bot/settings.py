"""Settings read from the environment and `.env`; a bad one stops start-up with one clear line."""

from __future__ import annotations

import re
from datetime import tzinfo
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"

# What to tell an operator for each setting that can be missing or wrong.
_HINTS = {
    "TELEGRAM_BOT_TOKEN": "the token @BotFather gave you, e.g. 123456:ABC-DEF...",
    "TELEGRAM_API_URL": "the root of the Bot API server, e.g. https://api.telegram.org",
    "DIGIWATT_API_URL": "the root of the Digiwatt API, e.g. https://api.digiwatt.example",
    "DIGIWATT_CLIENT_ID": "the OAuth2 client id your energy company received",
    "DIGIWATT_CLIENT_SECRET": "the OAuth2 client secret that goes with DIGIWATT_CLIENT_ID",
    "DIGIWATT_COMPANY_CODE": "your energy company's code at Digiwatt",
    "DATABASE_URL": "e.g. sqlite+aiosqlite:///digiwatt-bot.db or postgresql+asyncpg://user@host/db",
    "BOT_TIMEZONE": "an IANA time zone such as Europe/Rome",
    "LINK_SECRET": "a random string of at least 32 characters: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
    "LINK_SECRET_PREVIOUS": "comma-separated former LINK_SECRET values, each of at least 32 characters",
    "LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "LOG_FORMAT": "text or json",
    "WEBHOOK_URL": "the public HTTPS URL Telegram posts updates to, e.g. https://bot.example.com/telegram",
    "WEBHOOK_PATH": "the path the proxy forwards to, e.g. /telegram",
    "WEBHOOK_SECRET": "1-256 characters among A-Z a-z 0-9 _ -: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
}

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SettingsError(SystemExit):
    """Start-up stops with one line naming the setting; SystemExit keeps the traceback away."""


class Settings(BaseSettings):
    """Everything an operator configures; field names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr
    telegram_api_url: AnyHttpUrl = AnyHttpUrl(DEFAULT_TELEGRAM_API_URL)
    # Spares `link-url` a getMe call when set; None means ask Telegram.
    bot_username: str | None = None

    digiwatt_api_url: AnyHttpUrl
    digiwatt_client_id: str = Field(min_length=1)
    digiwatt_client_secret: SecretStr
    digiwatt_company_code: str = Field(min_length=1)

    database_url: str = "sqlite+aiosqlite:///digiwatt-bot.db"
    bot_timezone: str = "Europe/Rome"
    link_secret: SecretStr
    # Secrets of links already handed out, still accepted while LINK_SECRET is rotated
    # (comma-separated); new links are always signed with LINK_SECRET.
    link_secret_previous: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)

    # --- running in production (bot/service.py, bot/server.py, bot/logging_setup.py) ---
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Webhook mode (`digiwatt-bot run --webhook`): Telegram POSTs updates to WEBHOOK_URL, which
    # the HTTPS proxy forwards to WEBHOOK_LISTEN:WEBHOOK_PORT + WEBHOOK_PATH.
    webhook_url: AnyHttpUrl | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = "/telegram"
    webhook_secret: SecretStr | None = None
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Polling mode: serve /healthz and /metrics on this port (on WEBHOOK_LISTEN); unset: no server.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Several bot processes on one PostgreSQL: re-read conversation state before each update,
    # write it after, and serialise each chat's updates across processes.
    multi_replica: bool = False

    manual_link_enabled: bool = True
    max_chats_per_account: int = Field(default=3, ge=1, le=100)
    admin_chat_ids: list[int] = Field(default_factory=list)

    # Telegram allows about 30 messages per second overall; stay under it.
    telegram_global_rate: float = Field(default=25, gt=0, le=1000)
    telegram_max_retries: int = Field(default=3, ge=0, le=10)
    # Alert messages per second, all chats together (ALERTS_RATE); Telegram allows about 30.
    alerts_rate: float = Field(default=25, gt=0, le=1000)
    # Updates of different chats processed at once; small keeps CPU per update low.
    concurrent_updates: int = Field(default=8, ge=1, le=256)
    chart_workers: int = Field(default=2, ge=1, le=32)
    # Energy prices per tariff band in EUR/kWh, all taxes in, for the savings advice: defaults are
    # typical Italian free-market offers of 2025; set the energy company's own prices.
    price_f1_eur_kwh: float = Field(default=0.30, gt=0, le=10)
    price_f2_eur_kwh: float = Field(default=0.27, gt=0, le=10)
    price_f3_eur_kwh: float = Field(default=0.23, gt=0, le=10)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        bot_id, sep, rest = value.get_secret_value().partition(":")
        if not (sep and bot_id.isdigit() and rest):
            raise ValueError("expected the form <digits>:<secret>")
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("link_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("link_secret_previous", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("link_secret_previous")
    @classmethod
    def _previous_long_enough(cls, value: list[SecretStr]) -> list[SecretStr]:
        if any(len(secret.get_secret_value()) < 32 for secret in value):
            raise ValueError("each secret must be at least 32 characters long")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR")
        return value.upper()

    @field_validator("webhook_url")
    @classmethod
    def _public_https(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        # Telegram only delivers to HTTPS; plain HTTP is for a local Bot API server or tests.
        if value is not None and value.scheme != "https" and value.host not in _LOCAL_HOSTS:
            raise ValueError("must be an https:// URL (http:// only for localhost)")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/") or value.rstrip("/") in {"", "/healthz", "/metrics"}:
            raise ValueError("must start with / and differ from /healthz and /metrics")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("1-256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def link_secrets(self) -> list[SecretStr]:
        """LINK_SECRET first, then the previous ones: what verify_token accepts."""
        return [self.link_secret, *self.link_secret_previous]

    @cached_property
    def timezone(self) -> tzinfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def telegram_base_url(self) -> str:
        return f"{str(self.telegram_api_url).rstrip('/')}/bot"

    @property
    def telegram_base_file_url(self) -> str:
        return f"{str(self.telegram_api_url).rstrip('/')}/file/bot"


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad setting and how to fix it."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    hint = _HINTS.get(name, "see .env.example")
    if first["type"] == "missing":
        return f"Configuration error: {name} is not set. Set it in the environment or in .env ({hint})."
    return f"Configuration error: {name} is invalid ({first['msg']}). Expected {hint}."


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or stop start-up with one line that names what is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None
