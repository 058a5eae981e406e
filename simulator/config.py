"""Simulator settings, read from the environment and `.env` so one file serves bot and simulator.

Credentials: DIGIWATT_CLIENT_ID / DIGIWATT_CLIENT_SECRET (defaults demo / demo-secret); wall clock:
BOT_TIMEZONE (default Europe/Rome); faults: SIMULATOR_LATENCY (seconds), SIMULATOR_ERROR_RATE
(0..1), SIMULATOR_BURST_429 (the next N requests), SIMULATOR_RETRY_AFTER (seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def utc_now() -> datetime:
    return datetime.now(UTC)


class SimulatorConfig(BaseSettings):
    """Everything the simulator can be told; construct it with keyword arguments in tests."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    client_id: str = Field(default="demo", min_length=1, validation_alias="DIGIWATT_CLIENT_ID")
    client_secret: SecretStr = Field(
        default=SecretStr("demo-secret"),
        validation_alias="DIGIWATT_CLIENT_SECRET",
    )
    token_lifetime: int = Field(
        default=36000,
        gt=0,
        description="Seconds a bearer token lives; the docs' sample says 36000.",
        validation_alias="SIMULATOR_TOKEN_LIFETIME",
    )
    timezone: str = Field(default="Europe/Rome", validation_alias="BOT_TIMEZONE")

    latency: float = Field(default=0.0, ge=0, le=60, validation_alias="SIMULATOR_LATENCY")
    error_rate: float = Field(default=0.0, ge=0, le=1, validation_alias="SIMULATOR_ERROR_RATE")
    burst_429: int = Field(default=0, ge=0, validation_alias="SIMULATOR_BURST_429")
    retry_after: int = Field(default=1, ge=0, le=3600, validation_alias="SIMULATOR_RETRY_AFTER")
    fault_seed: int = Field(
        default=0,
        description="Seed of the error-rate dice, so resilience runs repeat.",
        validation_alias="SIMULATOR_FAULT_SEED",
    )
    control_enabled: bool = Field(
        default=True,
        description="Serve the /_simulator/* control endpoints (outside the API contract).",
        validation_alias="SIMULATOR_CONTROL_ENABLED",
    )

    # Tests fix "now" with this; it must return an aware datetime. Never read from the environment.
    clock: Callable[[], datetime] = Field(default=utc_now, exclude=True, validation_alias="clock")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
