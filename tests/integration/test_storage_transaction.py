"""storage.db.transaction on both engines: reads without BEGIN, writes still all or nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, make_sessionmaker, transaction
from storage.repositories import chats

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def one_connection(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine with a single pooled connection: every transaction reuses the one before's."""
    created = create_engine(db_url, pool_size=1, max_overflow=0)
    try:
        yield created
    finally:
        await created.dispose()


def _transaction_commands(engine: AsyncEngine) -> list[str]:
    """BEGIN, COMMIT and ROLLBACK as PostgreSQL receives them from now on (asyncpg's query log:
    it records the commands it sends as plain queries, which these are)."""
    seen: list[str] = []

    @event.listens_for(engine.sync_engine, "checkout")
    def _log(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if "query_log" not in record.info:  # once per connection
            log = dbapi_connection.driver_connection.add_query_logger
            log(lambda query: seen.append(query.query.strip().upper()))
            record.info["query_log"] = True

    return seen


async def test_a_read_only_read_on_postgresql_sends_no_begin_or_commit(
    db_kind: str, one_connection: AsyncEngine
) -> None:
    if db_kind != "postgresql":
        pytest.skip("asyncpg's query log")
    sessions = make_sessionmaker(one_connection)
    seen = _transaction_commands(one_connection)
    async with transaction(sessions) as session:
        await chats.upsert(session, 7, 70)
    assert seen == ["BEGIN;", "COMMIT;"]  # a writer's transaction, as the log shows it
    seen.clear()
    async with transaction(sessions, read_only=True) as session:
        row = await chats.get(session, 7)
    assert row is not None and row.user_id == 70
    assert seen == []  # one round trip: the read alone


async def test_a_failed_write_after_a_read_only_read_leaves_nothing_behind(
    one_connection: AsyncEngine,
) -> None:
    # The read hands its connection back without a transaction; the next writer on that same
    # connection must be in one again, or a failure halfway would keep half of its writes.
    sessions = make_sessionmaker(one_connection)
    async with transaction(sessions, read_only=True) as session:
        assert await chats.get(session, 8) is None

    async def write_then_fail() -> None:
        async with transaction(sessions) as session:
            await chats.upsert(session, 8, 80)
            await session.flush()  # the INSERT has reached the database
            raise RuntimeError("halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        await write_then_fail()
    async with transaction(sessions, read_only=True) as session:
        assert await chats.get(session, 8) is None
    async with transaction(sessions) as session:
        await chats.upsert(session, 8, 81)
    async with transaction(sessions, read_only=True) as session:
        row = await chats.get(session, 8)
    assert row is not None and row.user_id == 81
