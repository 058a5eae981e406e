"""Alert deliveries: claim before sending, so an alert goes out at most once per chat and key.

The dispatcher's protocol (each step its own short transaction):
1. `claim(...)` and commit: only the pairs returned are this process's to send;
2. send them (outside any transaction);
3. `mark_sent(...)` / `mark_failed(...)`, or `release(...)` to give a claim back unsent.
Several processes sharing out one list of due alerts claim it a chunk at a time with
`lock_claims(...)` then `claim_next(...)`: each chunk is the next that nobody has claimed yet.
A process that dies between 1 and 3 leaves rows `claimed`; `reclaim_stale(...)` hands them to
whoever asks after `older_than` (choose it well above the time a batch takes to send).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    delete,
    exists,
    func,
    literal,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AlertDelivery, DeliveryStatus
from storage.repositories._sql import dialect_name, id_pairs, insert, ordered_pairs
from storage.types import UTCDateTime, utcnow

Pair = tuple[int, str]  # (chat_id, alert_key)
_ERROR_LENGTH = 500
_T = AlertDelivery
# pg_advisory_xact_lock(int4, int4) key of `lock_claims` ("dgwa", 0); bot.replicas' chat locks
# use another class of that key space, storage.migrate the one-key space.
_CLAIM_LOCK = {"cls": 0x64677761, "key": 0}


@dataclass(frozen=True, slots=True, order=True)  # order: reclaim_stale returns them sorted
class Claim:
    chat_id: int
    alert_key: str
    attempts: int


def _sorted(pairs: Iterable[Pair]) -> list[Pair]:
    # One order for every process: concurrent claims of overlapping sets cannot deadlock.
    return sorted({(int(chat_id), str(key)) for chat_id, key in pairs})


async def claim(
    session: AsyncSession, pairs: Iterable[Pair], *, now: datetime | None = None
) -> list[Pair]:
    """Claim many deliveries in one statement; returns those this caller won, sorted (the
    others were claimed or sent before). The chats must exist."""
    wanted = _sorted(pairs)
    if not wanted:
        return []
    source = id_pairs(session, wanted).add_columns(
        literal(DeliveryStatus.CLAIMED.value, String),
        literal(1, Integer),
        literal(now or utcnow(), UTCDateTime()),
    )
    return await _insert_claims(session, source)


async def _insert_claims(session: AsyncSession, source: Any) -> list[Pair]:
    """INSERT the (chat_id, alert_key, status, attempts, claimed_at) rows of `source` that are
    not there yet; the pairs inserted, sorted."""
    table = _T.__table__
    stmt = (
        insert(session, table)
        .from_select(["chat_id", "alert_key", "status", "attempts", "claimed_at"], source)
        .on_conflict_do_nothing(index_elements=["chat_id", "alert_key"])
        .returning(table.c.chat_id, table.c.alert_key)
    )
    rows = (await session.execute(stmt)).all()
    return sorted((int(row[0]), str(row[1])) for row in rows)


async def lock_claims(session: AsyncSession) -> None:
    """Wait until no other transaction is claiming with `claim_next`, and keep the others waiting
    until this one ends: its `claim_next` then sees every claim made before, and none is made
    meanwhile. Held for milliseconds (one claim statement and its commit). SQLite needs nothing:
    a writing transaction holds the database's write lock from its BEGIN IMMEDIATE."""
    if dialect_name(session) == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), _CLAIM_LOCK)


async def claim_next(
    session: AsyncSession,
    candidates: Sequence[Pair],
    limit: int,
    *,
    now: datetime | None = None,
) -> list[Pair]:
    """Claim, in one statement, the first `limit` of `candidates` (in their order) that nobody
    has claimed (or sent) yet; returns those won, sorted. After `lock_claims` in the same
    transaction, winning fewer than `limit` means no candidate is left unclaimed; without it a
    concurrent claim can make this one win fewer while some are still free."""
    wanted = list(dict.fromkeys((int(chat_id), str(key)) for chat_id, key in candidates))
    if not wanted or limit <= 0:
        return []
    table = _T.__table__
    rows = ordered_pairs(session, wanted)
    taken = exists().where(table.c.chat_id == rows.c.chat_id, table.c.alert_key == rows.c.alert_key)
    free = (
        select(rows.c.chat_id, rows.c.alert_key)
        .where(~taken)
        .order_by(rows.c.ord)
        .limit(limit)
        .subquery("free")
    )
    source = (
        select(
            free.c.chat_id,
            free.c.alert_key,
            literal(DeliveryStatus.CLAIMED.value, String),
            literal(1, Integer),
            literal(now or utcnow(), UTCDateTime()),
        )
        .where(true())  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
        .order_by(free.c.chat_id, free.c.alert_key)  # the order `claim` locks rows in
    )
    return await _insert_claims(session, source)


async def _set_status(
    session: AsyncSession, pairs: Iterable[Pair], values: dict[str, object]
) -> int:
    wanted = _sorted(pairs)
    if not wanted:
        return 0
    table = _T.__table__
    stmt = (
        update(table)
        .where(
            tuple_(table.c.chat_id, table.c.alert_key).in_(id_pairs(session, wanted)),
            table.c.status == DeliveryStatus.CLAIMED,
        )
        .values(**values)
    )
    return (await session.execute(stmt)).rowcount


async def mark_sent(
    session: AsyncSession, pairs: Iterable[Pair], *, now: datetime | None = None
) -> int:
    """Claimed deliveries that went out; returns how many were updated."""
    return await _set_status(
        session, pairs, {"status": DeliveryStatus.SENT, "sent_at": now or utcnow(), "error": None}
    )


async def mark_failed(session: AsyncSession, pairs: Iterable[Pair], error: str) -> int:
    """Claimed deliveries given up on (never retried); `error` says why, for /stats and logs."""
    return await _set_status(
        session, pairs, {"status": DeliveryStatus.FAILED, "error": error[:_ERROR_LENGTH]}
    )


async def release(session: AsyncSession, pairs: Iterable[Pair]) -> int:
    """Give claims back unsent (e.g. nothing to say yet): they can be claimed again."""
    wanted = _sorted(pairs)
    if not wanted:
        return 0
    table = _T.__table__
    stmt = delete(table).where(
        tuple_(table.c.chat_id, table.c.alert_key).in_(id_pairs(session, wanted)),
        table.c.status == DeliveryStatus.CLAIMED,
    )
    return (await session.execute(stmt)).rowcount


async def reclaim_stale(
    session: AsyncSession,
    *,
    older_than: timedelta,
    max_attempts: int = 3,
    now: datetime | None = None,
) -> list[Claim]:
    """Take over claims left by a process that died before sending; a claim that already
    had `max_attempts` is marked failed instead. Two callers never get the same row."""
    now = now or utcnow()
    table = _T.__table__
    stale = (table.c.status == DeliveryStatus.CLAIMED, table.c.claimed_at < now - older_than)
    await session.execute(
        update(table)
        .where(*stale, table.c.attempts >= max_attempts)
        .values(status=DeliveryStatus.FAILED, error=f"gave up after {max_attempts} attempts")
    )
    stmt = (
        update(table)
        .where(*stale, table.c.attempts < max_attempts)
        .values(claimed_at=now, attempts=table.c.attempts + 1)
        .returning(table.c.chat_id, table.c.alert_key, table.c.attempts)
    )
    rows = (await session.execute(stmt)).all()
    return sorted(Claim(int(c), str(k), int(a)) for c, k, a in rows)


async def get(session: AsyncSession, chat_id: int, alert_key: str) -> AlertDelivery | None:
    return await session.get(AlertDelivery, (chat_id, alert_key))


async def counts_since(session: AsyncSession, since: datetime) -> dict[str, int]:
    """Deliveries claimed since `since`, per status (`claimed`, `sent`, `failed`)."""
    stmt = select(_T.status, func.count()).where(_T.claimed_at >= since).group_by(_T.status)
    counts = {DeliveryStatus.CLAIMED: 0, DeliveryStatus.SENT: 0, DeliveryStatus.FAILED: 0}
    counts.update(dict((await session.execute(stmt)).all()))
    return counts


async def purge_before(session: AsyncSession, before: datetime) -> int:
    """Housekeeping: forget finished deliveries claimed before `before` (keep a few days, so
    a key cannot be claimed again while it can still be due)."""
    stmt = delete(_T).where(
        _T.claimed_at < before, _T.status.in_([DeliveryStatus.SENT, DeliveryStatus.FAILED])
    )
    return (await session.execute(stmt)).rowcount
