"""Engines, sessions and the one-transaction-per-update helper, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import PoolResetState, StaticPool

# How long a SQLite writer waits for another one before "database is locked": a bot's
# transactions last milliseconds, so seconds of waiting only happen under a real overload.
SQLITE_BUSY_TIMEOUT_S = 15.0

# Execution option read by the SQLite "begin" hook: read-only transactions need no write lock.
_READ_ONLY = "digiwatt_read_only"


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for `DATABASE_URL`: aiosqlite (WAL, foreign keys on) or asyncpg."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    engine = _create_async_engine(parsed, **kwargs)
    if parsed.get_driver_name() == "asyncpg":
        # Not pool_pre_ping: with asyncpg it costs three round trips (BEGIN, a ping, ROLLBACK)
        # per checkout, half of a short transaction's CPU (benchmarks/throughput.py). asyncpg
        # sees the server close a connection (a restart, an idle timeout) without asking, so a
        # pooled connection known to be closed is replaced here instead; one that dies while in
        # use fails that transaction, and SQLAlchemy then refreshes the whole pool.
        event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _sqlite_engine(url: URL, **kwargs: Any) -> AsyncEngine:
    busy_timeout = float(kwargs.pop("sqlite_busy_timeout", SQLITE_BUSY_TIMEOUT_S))
    if url.database in (None, "", ":memory:"):
        # One shared connection, or every new connection would see a different empty database.
        kwargs.setdefault("poolclass", StaticPool)
    # The pool's default reset (a ROLLBACK on every check-in) costs a trip to aiosqlite's
    # thread even after a COMMIT, about a tenth of a short transaction's CPU: `_on_reset` below
    # rolls back only a connection still inside a transaction.
    kwargs.setdefault("pool_reset_on_return", None)
    engine = _create_async_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling starts transactions late (only before writes),
        # so a count-then-insert would not be atomic: take control and BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL mode, much faster
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # With isolation_level None, sqlite3's in_transaction is exactly "BEGIN not yet ended".
        # Not asyncio-safe: a connection being garbage collected, which the default skips too.
        if state.asyncio_safe and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout instead of
        # one failing with SQLITE_BUSY when it upgrades a stale read snapshot to a write.
        # Read-only: no BEGIN at all, so each statement runs in a transaction of its own; SQLite
        # reads a lone statement atomically. An explicit BEGIN cost three trips to aiosqlite's
        # thread, over a third of a one-row read's CPU (benchmarks/throughput.py), and the
        # readers here read one row, or figures (/stats) that may come from two instants.
        if not connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reload outside a transaction)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession], *, read_only: bool = False
) -> AsyncIterator[AsyncSession]:
    """One session and one transaction: commit at the end, roll back on any error.

    `read_only=True`: no BEGIN, each statement on its own snapshot, on both engines (keep reads
    that must agree in one statement). SQLite readers then run beside a writer; on PostgreSQL
    a one-statement read is one round trip instead of three (BEGIN, the read, COMMIT).
    Keep network calls outside: on SQLite a writing transaction holds the database's write lock.
    """
    async with sessionmaker() as session, session.begin():
        if read_only:
            # Must come first: the options apply to the connection before BEGIN is sent.
            await session.connection(execution_options=_read_only_options(session))
        yield session


def _read_only_options(session: AsyncSession) -> dict[str, Any]:
    assert session.bind is not None
    if session.bind.dialect.name == "postgresql":
        # asyncpg then sends no BEGIN or COMMIT; the pool puts the level back at check-in,
        # without a round trip (SQLAlchemy's asyncpg adapter keeps it on the client).
        return {_READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}
    return {_READ_ONLY: True}
