"""Apply the Alembic migrations shipped in this package: no alembic.ini needed.

`upgrade(url)` is safe to call from several processes at once (each bot process does it at
start-up): on PostgreSQL they queue on an advisory lock, on SQLite on the write lock, and the
ones that come second find nothing left to do.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.settings import Settings, SettingsError, describe_error
from storage.db import create_engine, is_postgresql

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key shared by every process migrating this database ("dgwt").
_LOCK_KEY = 0x64677774


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration built in code, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration: what `upgrade` brings a database to."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _upgrade(connection: Connection, revision: str) -> str | None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    return MigrationContext.configure(connection).get_current_revision()


# SQLite can refuse a second process with "database is locked" at once, without waiting on
# the busy timeout (e.g. while the first one is switching a new file to WAL): try again.
_SQLITE_LOCKED_ATTEMPTS = 10


async def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the database at `url` to `revision`; returns the revision it is now at."""
    for attempt in range(1, _SQLITE_LOCKED_ATTEMPTS + 1):
        try:
            return await _upgrade_once(url, revision)
        except OperationalError as error:
            if (
                is_postgresql(url)
                or "locked" not in str(error)
                or attempt == _SQLITE_LOCKED_ATTEMPTS
            ):
                raise
            await asyncio.sleep(0.1 * attempt)
    raise AssertionError("unreachable")


async def _upgrade_once(url: str, revision: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            # One transaction around the version check and every migration (Alembic sees it
            # and leaves it to us): on SQLite it is BEGIN IMMEDIATE, so a second process waits
            # for the write lock before reading the version.
            await connection.begin()
            if is_postgresql(url):
                # Held until commit: a second process waits here, then finds the work done.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
                )
            current = await connection.run_sync(_upgrade, revision)
            await connection.commit()
        return current
    finally:
        await engine.dispose()


class _DatabaseOnly(BaseSettings):
    """DATABASE_URL alone, read like Settings does: `db upgrade` needs no bot token."""

    model_config = Settings.model_config
    database_url: str = Settings.model_fields["database_url"].default

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return Settings._async_driver(value)  # type: ignore[operator]


def database_url() -> str:
    try:
        return _DatabaseOnly().database_url
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None


def upgrade_cli(revision: str = "head") -> int:
    """`digiwatt-bot db upgrade [REVISION]`."""
    url = database_url()
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        current = asyncio.run(upgrade(url, revision))
    except (OSError, SQLAlchemyError) as error:
        print(f"Database upgrade failed for {shown}: {error}", file=sys.stderr)
        return 1
    print(f"Database {shown} is at revision {current or 'base'}.")
    return 0
