"""Storage benchmark: "who is due an alert this minute" and claiming deliveries, at scale.

For 1,000, 10,000 and 100,000 chats with subscriptions (spread over 20 time zones, one in ten
at the popular 08:00 Europe/Rome) it times, on SQLite and on PostgreSQL when reachable:
- the due query for an ordinary minute and for 08:00 in Rome (a tenth of everyone due at once);
- claiming up to 10,000 deliveries in one go, then marking them sent;
and counts the database round trips of each (SQLAlchemy's before_cursor_execute), which must
stay the same whatever the number of subscribers. Prints a table of medians.

    .venv/bin/python benchmarks/storage.py [--sizes 1000,10000,100000] [--runs 7] [--pg URL]

PostgreSQL: --pg, else BENCH_DATABASE_URL or TEST_DATABASE_URL, else the local server
(postgresql+asyncpg://postgres@127.0.0.1:5432/postgres); a throwaway database is created there
and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import create_engine, make_sessionmaker, transaction
from storage.migrate import upgrade
from storage.models import AlertSubscription, Chat
from storage.repositories import deliveries, subscriptions

ZONES = [
    "Europe/Rome", "Europe/London", "Europe/Berlin", "Europe/Madrid", "Europe/Athens",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo", "Asia/Shanghai", "Asia/Dubai",
    "Asia/Kathmandu", "Australia/Sydney", "Australia/Adelaide", "Pacific/Auckland",
    "Africa/Cairo", "America/St_Johns",
]  # fmt: skip
DAY = datetime(2025, 6, 2, tzinfo=UTC)
ROME_8AM = DAY + timedelta(hours=6)  # 08:00 CEST
MAX_CLAIMS = 10_000
MINUTE = timedelta(minutes=1)


class RoundTrips:
    """Counts statements sent to the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


@dataclass
class Figures:
    engine: str
    subscribers: int
    minute_ms: float
    minute_rows: int
    minute_trips: int
    burst_ms: float
    burst_rows: int
    burst_trips: int
    claims: int
    claim_ms: float
    claim_trips: int
    sent_ms: float
    sent_trips: int


async def populate(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    rng = random.Random(n)
    now = datetime.now(UTC)
    chats, subs = [], []
    for chat_id in range(1, n + 1):
        if chat_id % 10 == 0:
            zone, daily = "Europe/Rome", "08:00"
        else:
            zone = rng.choice(ZONES)
            minute = rng.randrange(24 * 60)
            daily = f"{minute // 60:02d}:{minute % 60:02d}"
        chats.append(
            {
                "id": chat_id,
                "user_id": chat_id,
                "time_zone": zone,
                "blocked": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        subs.append({
            "chat_id": chat_id, "enabled": True, "daily_time": daily, "time_zone": zone,
            "weekly_recap": False, "created_at": now, "updated_at": now,
        })  # fmt: skip
    async with transaction(sessions) as session:
        for start in range(0, n, 5_000):
            await session.execute(Chat.__table__.insert(), chats[start : start + 5_000])
            await session.execute(AlertSubscription.__table__.insert(), subs[start : start + 5_000])
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("ANALYZE"))


async def timed(
    trips: RoundTrips, runs: int, action: Callable[[int], Awaitable[int]]
) -> tuple[float, int, int]:
    """Median milliseconds, rows of the last run and round trips per run (the same every run)."""
    times, counts, rows = [], set(), 0
    for run in range(runs):
        before, started = trips.count, time.perf_counter()
        rows = await action(run)
        times.append((time.perf_counter() - started) * 1000)
        counts.add(trips.count - before)
    assert len(counts) == 1, f"round trips varied between runs: {counts}"
    return statistics.median(times), rows, counts.pop()


async def measure(kind: str, url: str, n: int, runs: int) -> Figures:
    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        await populate(sessions, n)
        trips = RoundTrips(engine)

        async def due(end: datetime) -> int:
            # The dispatcher's transaction: BEGIN and the query (what a run costs).
            async with transaction(sessions, read_only=True) as session:
                return len(await subscriptions.due_daily(session, end - MINUTE, end))

        # Warm up caches (statement compilation, zone offsets) as a running bot would have.
        await due(DAY + timedelta(hours=3, minutes=17))
        minute = await timed(
            trips, runs, lambda run: due(DAY + timedelta(hours=3, minutes=17 + run))
        )
        burst = await timed(trips, runs, lambda run: due(ROME_8AM))

        claims = min(n, MAX_CLAIMS)
        ids = list(range(1, claims + 1))

        async def claim(run: int) -> int:
            async with transaction(sessions) as session:
                return len(await deliveries.claim(session, [(i, f"bench:{run}") for i in ids]))

        async def sent(run: int) -> int:
            async with transaction(sessions) as session:
                return await deliveries.mark_sent(session, [(i, f"bench:{run}") for i in ids])

        claimed = await timed(trips, runs, claim)
        marked = await timed(trips, runs, sent)
        assert claimed[1] == claims and marked[1] == claims
        return Figures(
            kind, n, *minute, *burst, claims, claimed[0], claimed[2], marked[0], marked[2]
        )
    finally:
        await engine.dispose()


async def _admin(url: str, sql: str) -> None:
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def pg_server(explicit: str | None) -> str | None:
    url = explicit or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    url = url or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    try:
        await asyncio.wait_for(_admin(url, "SELECT 1"), timeout=5)
    except (OSError, TimeoutError, Exception) as error:  # any failure means: not reachable
        print(
            f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)}: {error.__class__.__name__}; skipped"
        )
        return None
    return url


async def explain(url: str) -> list[str]:
    """The due query's plan at the largest size: it must use the (time_zone, daily_time) index."""
    engine = create_engine(url)
    captured: list[tuple[str, Any]] = []
    try:
        sessions = make_sessionmaker(engine)

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
            if statement.lstrip().startswith("SELECT") and "daily_time" in statement:
                captured.append((statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        async with transaction(sessions, read_only=True) as session:
            await subscriptions.due_daily(session, ROME_8AM - MINUTE, ROME_8AM)
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        statement, parameters = captured[0]
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        async with engine.connect() as connection:
            raw = await connection.exec_driver_sql(prefix + statement, parameters)
            return [" | ".join(str(c) for c in row) for row in raw.all()]
    finally:
        await engine.dispose()


def print_table(rows: list[Figures]) -> None:
    header = (
        f"{'engine':<11}{'subscribers':>12} | {'due/minute ms':>13}{'rows':>6}{'trips':>6} | "
        f"{'08:00 Rome ms':>13}{'rows':>7}{'trips':>6} | {'claims':>7}{'claim ms':>10}{'trips':>6} | "
        f"{'mark sent ms':>12}{'trips':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.engine:<11}{r.subscribers:>12,} | {r.minute_ms:>13.1f}{r.minute_rows:>6}{r.minute_trips:>6} | "
            f"{r.burst_ms:>13.1f}{r.burst_rows:>7}{r.burst_trips:>6} | {r.claims:>7,}{r.claim_ms:>10.1f}{r.claim_trips:>6} | "
            f"{r.sent_ms:>12.1f}{r.sent_trips:>6}"
        )


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL (asyncpg)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    results: list[Figures] = []
    plans: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            url = f"sqlite+aiosqlite:///{Path(folder) / f'bench-{n}.db'}"
            results.append(await measure("sqlite", url, n, args.runs))
            if n == max(sizes):
                plans["sqlite"] = await explain(url)

    server = await pg_server(args.pg)
    if server is not None:
        base = make_url(server)
        for n in sizes:
            name = f"digiwatt_bench_{os.getpid()}_{n}"
            url = base.set(database=name).render_as_string(hide_password=False)
            await _admin(server, f'CREATE DATABASE "{name}"')
            try:
                results.append(await measure("postgresql", url, n, args.runs))
                if n == max(sizes):
                    plans["postgresql"] = await explain(url)
            finally:
                await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(
        f"\nMedians of {args.runs} runs; trips = database round trips per call (BEGIN included).\n"
    )
    print_table(results)
    for kind in sorted({r.engine for r in results}):
        trips = {
            (r.minute_trips, r.burst_trips, r.claim_trips, r.sent_trips)
            for r in results
            if r.engine == kind
        }
        verdict = "the same at every size" if len(trips) == 1 else f"VARY with size: {trips}"
        print(f"{kind}: round trips {verdict}")
    for kind, lines in plans.items():
        print(f"\nDue query plan on {kind} at {max(sizes):,} subscribers:")
        for line in lines:
            print("  " + (line if len(line) <= 160 else line[:157] + "..."))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
