"""A PostgreSQL restart must not cost users an error: pooled connections the server closed are
replaced at checkout (storage.db, which does without pool_pre_ping's round trips)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import transaction
from storage.repositories import chats
from tests.fixtures.database import terminate_other_connections


async def test_connections_closed_by_the_server_are_replaced_without_an_error(
    db_kind: str,
    db_url: str,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    if db_kind != "postgresql":
        pytest.skip("SQLite has no server to restart")

    # Several pooled connections, as a busy bot has.
    async def touch(chat_id: int) -> None:
        async with transaction(sessionmaker) as session:
            await chats.upsert(session, chat_id, chat_id, time_zone="Europe/Rome")

    await asyncio.gather(*(touch(chat_id) for chat_id in range(1, 5)))
    assert engine.pool.checkedin() >= 2  # type: ignore[attr-defined]

    assert await terminate_other_connections(db_url) >= 2
    await asyncio.sleep(0.2)  # the loop reads the servers' goodbyes

    # Every pooled connection is dead; every transaction still succeeds.
    for chat_id in range(1, 5):
        async with transaction(sessionmaker, read_only=True) as session:
            assert (await chats.get(session, chat_id)) is not None
    await asyncio.gather(*(touch(chat_id) for chat_id in range(5, 9)))
