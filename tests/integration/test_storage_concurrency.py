"""Real OS processes racing on one database: a delivery is won once, the link limit holds.

Each process opens its own engine, waits at a barrier, then does its work inside a transaction
that it keeps open a moment longer, so the others collide with it rather than run after it.
Runs on SQLite (file) and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, make_sessionmaker, transaction
from storage.migrate import head_revision, upgrade
from storage.repositories import chats, deliveries, links

Sessions = async_sessionmaker[AsyncSession]
HOLD_S = 0.5  # how long each transaction stays open after its work
KEY = "daily:2025-06-02"


async def _claim(sessions: Sessions, pairs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    async with transaction(sessions) as session:
        won = await deliveries.claim(session, pairs)
        await asyncio.sleep(HOLD_S)
    return won


async def _link(sessions: Sessions, chat_id: int, limit: int) -> str:
    try:
        async with transaction(sessions) as session:
            await links.link(
                session, chat_id, "ACC-SHARED", "IT001E12345678", max_chats_per_account=limit
            )
            await asyncio.sleep(HOLD_S)
    except links.LinkLimitReached:
        return "limit"
    return "linked"


async def _migrate(url: str) -> str | None:
    return await upgrade(url)


def _worker(url: str, barrier: Any, results: Any, job: str, args: tuple[Any, ...]) -> None:
    """Entry point of each child process."""

    async def main() -> object:
        if job == "migrate":
            barrier.wait(timeout=60)
            return await _migrate(url)
        engine = create_engine(url)
        try:
            sessions = make_sessionmaker(engine)
            barrier.wait(timeout=60)
            if job == "claim":
                return await _claim(sessions, *args)
            return await _link(sessions, *args)
        finally:
            await engine.dispose()

    try:
        results.put(("ok", asyncio.run(main())))
    except BaseException as error:  # reported to the test, which fails with it
        results.put(("error", repr(error)))


def race(url: str, jobs: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
    """Start one process per job, let them go at once, return their results."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(jobs))
    results = context.Queue()
    processes = [
        context.Process(target=_worker, args=(url, barrier, results, job, args))
        for job, args in jobs
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    results.close()
    results.join_thread()
    errors = [detail for status, detail in outcomes if status != "ok"]
    assert not errors, errors
    return [detail for _, detail in outcomes]


async def setup_chats(sessions: Sessions, ids: range) -> None:
    async with transaction(sessions) as session:
        for chat_id in ids:
            await chats.upsert(session, chat_id, chat_id)


async def test_two_processes_claiming_the_same_deliveries_win_each_once(
    db_url: str, sessionmaker: Sessions
) -> None:
    await setup_chats(sessionmaker, range(1, 201))
    pairs = [(chat_id, KEY) for chat_id in range(1, 201)]
    # Same set, opposite orders: still no deadlock and no double win.
    first, second = await asyncio.to_thread(
        race, db_url, [("claim", (pairs,)), ("claim", (list(reversed(pairs)),))]
    )
    won = [tuple(pair) for pair in first + second]
    assert sorted(won) == sorted(pairs)  # every delivery won exactly once
    async with transaction(sessionmaker, read_only=True) as session:
        assert (await deliveries.counts_since(session, _epoch()))["claimed"] == 200


async def test_the_link_limit_holds_when_chats_link_at_the_same_moment(
    db_url: str, sessionmaker: Sessions
) -> None:
    await setup_chats(sessionmaker, range(1, 5))
    outcomes = await asyncio.to_thread(
        race, db_url, [("link", (chat_id, 2)) for chat_id in range(1, 5)]
    )
    assert sorted(outcomes) == ["limit", "limit", "linked", "linked"]
    async with transaction(sessionmaker, read_only=True) as session:
        assert len(await links.chats_for_account(session, "ACC-SHARED")) == 2


async def test_a_limit_of_one_admits_one_of_two(db_url: str, sessionmaker: Sessions) -> None:
    await setup_chats(sessionmaker, range(1, 3))
    outcomes = await asyncio.to_thread(race, db_url, [("link", (1, 1)), ("link", (2, 1))])
    assert sorted(outcomes) == ["limit", "linked"]


async def test_two_processes_migrating_at_start_up_both_succeed(empty_db_url: str) -> None:
    outcomes = await asyncio.to_thread(race, empty_db_url, [("migrate", ()), ("migrate", ())])
    assert outcomes == [head_revision(), head_revision()]


def _epoch() -> Any:
    from datetime import UTC, datetime

    return datetime(2000, 1, 1, tzinfo=UTC)


_unused: Callable[..., Any] = _worker  # spawn children import this module and call _worker
