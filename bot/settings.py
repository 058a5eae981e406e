"""Settings read from the environment and `.env`; a bad one stops start-up with one clear line."""

from __future__ import annotations

from datetime import tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
}


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

    manual_link_enabled: bool = True
    max_chats_per_account: int = Field(default=3, ge=1, le=100)
    admin_chat_ids: list[int] = Field(default_factory=list)

    # Telegram allows about 30 messages per second overall; stay under it.
    telegram_global_rate: float = Field(default=25, gt=0, le=1000)
    telegram_max_retries: int = Field(default=3, ge=0, le=10)
    # Updates of different chats processed at once; small keeps CPU per update low.
    concurrent_updates: int = Field(default=8, ge=1, le=256)
    chart_workers: int = Field(default=2, ge=1, le=32)

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
