"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.migrate import alembic_config, head_revision, upgrade
from storage.models import Base

TABLES = {table.name for table in Base.metadata.sorted_tables}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


HEAD = head_revision()


def _downgrade_to_base(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_models_and_migrations_agree(empty_db_url: str) -> None:
    assert await upgrade(empty_db_url) == HEAD
    engine = create_engine(empty_db_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES | {"alembic_version"}
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_upgrade_is_idempotent_and_downgrade_removes_everything(empty_db_url: str) -> None:
    assert await upgrade(empty_db_url) == HEAD
    assert await upgrade(empty_db_url) == HEAD
    engine = create_engine(empty_db_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to_base)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == {"alembic_version"}
    finally:
        await engine.dispose()
    assert await upgrade(empty_db_url) == HEAD


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine: AsyncEngine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000
    finally:
        await engine.dispose()


def _cli(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    # Nothing but DATABASE_URL: no bot token, no Digiwatt credentials, no .env, no alembic.ini.
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--log-level", "WARNING", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_db_upgrade_command_needs_only_the_database_url(
    empty_db_url: str, tmp_path: Path
) -> None:
    done = _cli(tmp_path, empty_db_url)
    assert done.returncode == 0, done.stderr
    assert f"is at revision {HEAD}" in done.stdout
    engine = create_engine(empty_db_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) >= TABLES
    finally:
        await engine.dispose()


def test_db_upgrade_command_explains_a_bad_url_in_one_line(tmp_path: Path) -> None:
    done = _cli(tmp_path, "mysql://root@localhost/db")
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0
    assert "DATABASE_URL is invalid" in done.stderr


async def test_upgrading_an_existing_database_keeps_its_rows(empty_db_url: str) -> None:
    assert await upgrade(empty_db_url, "0001") == "0001"
    engine = create_engine(empty_db_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO chats (id, time_zone, blocked, created_at, updated_at) VALUES (7, 'Europe/Rome', false, '2026-01-01', '2026-01-01')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO accounts (account_number, created_at) VALUES ('ACC-7', '2026-01-01')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO account_links (chat_id, account_number, pod, linked_at) VALUES (7, 'ACC-7', 'IT001E00123456', '2026-01-01')"
                )
            )
        assert await upgrade(empty_db_url) == HEAD
        async with engine.connect() as connection:
            links = (
                await connection.execute(text("SELECT chat_id, account_number FROM account_links"))
            ).all()
            client = (await connection.execute(text("SELECT client_language FROM chats"))).all()
        assert links == [(7, "ACC-7")]
        assert client == [(None,)]
    finally:
        await engine.dispose()
