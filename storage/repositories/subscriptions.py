"""Alert subscriptions, and who is due an alert in a given minute, across all time zones.

`due_daily(session, start, end)` answers in ONE query whatever the number of subscribers: the
UTC interval is turned (storage.schedule) into, per group of zones, the local times it covers,
and the (time_zone, daily_time) index finds exactly those rows. DST: a local time that does not
exist (spring) is due at the next valid minute, a repeated one (autumn) at its first occurrence
only; the alert key ("daily:<local date>") makes a second claim impossible anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AccountLink, AlertSubscription, Chat
from storage.repositories._sql import dialect_name, insert, json_zone_ranges
from storage.schedule import (
    MINUTE,
    LocalRange,
    check_hhmm,
    due_ranges,
    floor_minute,
    in_quiet_hours,
    zone,
)
from storage.types import utcnow

S = AlertSubscription


@dataclass(frozen=True, slots=True)
class DueAlert:
    """One alert to send: claim `(chat_id, alert_key)` before sending it."""

    chat_id: int
    alert_key: str
    local_date: date
    local_time: str  # "HH:MM" in the subscriber's zone, when it is (nominally) due
    time_zone: str
    language: str | None
    account_number: str | None  # None when the chat is not linked
    quiet: bool  # inside the subscriber's quiet hours: send silently (or not at all)


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A "green window starting soon" reminder."""

    chat_id: int
    alert_key: str
    window_start: datetime
    lead_minutes: int
    local_time: str
    time_zone: str
    language: str | None
    account_number: str | None
    quiet: bool


async def get(session: AsyncSession, chat_id: int) -> AlertSubscription | None:
    return await session.get(S, chat_id)


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """What the settings panel shows of a subscription (read as columns: no ORM object)."""

    enabled: bool
    daily_time: str
    reminder_lead_minutes: int | None
    weekly_recap: bool
    quiet_start: str | None
    quiet_end: str | None


# Built once: the panel is read on every /settings and every press of its buttons, and building
# the statement cost about as much as running it on SQLite.
_WITH_TIME_ZONE = (
    select(
        Chat.time_zone,
        S.chat_id,
        S.enabled,
        S.daily_time,
        S.reminder_lead_minutes,
        S.weekly_recap,
        S.quiet_start,
        S.quiet_end,
    )
    .select_from(Chat)
    .outerjoin(S, S.chat_id == Chat.id)
    .where(Chat.id == bindparam("chat_id"))
)


# The chat's time zone (None: no chat row) and its subscription (None: none).
ZoneAndSubscription = tuple[str | None, SubscriptionView | None]


async def with_time_zone(session: AsyncSession, chat_id: int) -> ZoneAndSubscription:
    """The chat's time zone (None: no chat row) and its subscription, in one statement (the
    settings panel reads both on every /settings)."""
    row = (await session.execute(_WITH_TIME_ZONE, {"chat_id": chat_id})).first()
    if row is None:
        return None, None
    if row.chat_id is None:
        return row.time_zone, None
    return row.time_zone, SubscriptionView(*row[2:])


async def get_or_create(session: AsyncSession, chat_id: int) -> AlertSubscription:
    """The chat's subscription, created (enabled, default time, the chat's zone) if missing.
    Change it by setting attributes: values are validated (ValueError) and saved at commit."""
    subscription = await session.get(S, chat_id)
    if subscription is not None:
        return subscription
    chat = await session.get(Chat, chat_id)
    if chat is None:
        raise LookupError(f"no chat {chat_id}: upsert the chat first")
    now = utcnow()
    # ON CONFLICT: a concurrent first call for the same chat is not an error.
    await session.execute(
        insert(session, S)
        .values(chat_id=chat_id, time_zone=chat.time_zone, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
    )
    subscription = await session.get(S, chat_id)
    assert subscription is not None
    return subscription


async def snooze(session: AsyncSession, chat_id: int, local_date: date) -> None:
    """No alerts on that local date ("not today")."""
    await session.execute(
        update(S).where(S.chat_id == chat_id).values(snoozed_on=local_date, updated_at=utcnow())
    )


async def count_enabled(session: AsyncSession) -> int:
    stmt = (
        select(func.count())
        .select_from(S)
        .join(Chat, Chat.id == S.chat_id)
        .where(S.enabled, Chat.blocked.is_(False))
    )
    return (await session.execute(stmt)).scalar_one()


def _base(now: datetime, *columns: ColumnElement[Any]) -> Select[Any]:
    """Subscribers who can receive anything now: not blocked, not paused."""
    return (
        select(
            S.chat_id,
            S.time_zone,
            S.quiet_start,
            S.quiet_end,
            func.coalesce(Chat.language, Chat.client_language),
            AccountLink.account_number,
            *columns,
        )
        .join(Chat, Chat.id == S.chat_id)
        .outerjoin(AccountLink, AccountLink.chat_id == S.chat_id)
        .where(
            Chat.blocked.is_(False),
            or_(S.paused_until.is_(None), S.paused_until <= now),
        )
    )


def _by_postgresql(
    stmt: Select[Any], groups: dict[tuple[LocalRange, ...], list[str]]
) -> Select[Any]:
    # Literal ranges per group of zones: PostgreSQL's planner estimates them from its statistics
    # and scans the (time_zone, daily_time) index for each; joined against an array instead,
    # it cannot estimate the ranges and reads the whole table. Written as SQL text because
    # building ~40 expression trees a minute costs SQLAlchemy several milliseconds.
    clauses, params = [], []
    for ranges, names in groups.items():
        for r in ranges:
            i = len(clauses)
            clauses.append(
                f"(alert_subscriptions.time_zone = ANY(:due_zones_{i})"
                f" AND alert_subscriptions.daily_time BETWEEN :due_first_{i} AND :due_last_{i}"
                f" AND (alert_subscriptions.snoozed_on IS NULL"
                f" OR alert_subscriptions.snoozed_on <> :due_day_{i}))"
            )
            params += [
                bindparam(f"due_zones_{i}", names, type_=ARRAY(String)),
                bindparam(f"due_first_{i}", r.first, type_=String),
                bindparam(f"due_last_{i}", r.last, type_=String),
                bindparam(f"due_day_{i}", r.day, type_=Date),
            ]
    # Parenthesised: joined by OR, the clauses would otherwise escape the other conditions.
    return stmt.where(text("(" + " OR ".join(clauses) + ")").bindparams(*params))


def _by_sqlite(stmt: Select[Any], groups: dict[tuple[LocalRange, ...], list[str]]) -> Select[Any]:
    # One JSON parameter joined first: SQLite then searches the index once per (zone, range).
    due = json_zone_ranges(
        [
            (name, r.first, r.last, r.day)
            for ranges, names in groups.items()
            for name in names
            for r in ranges
        ],
    )
    return stmt.join(
        due,
        and_(
            S.time_zone == due.c.zone,
            S.daily_time.between(due.c.first, due.c.last),
            or_(S.snoozed_on.is_(None), S.snoozed_on != due.c.day),
        ),
    )


async def due_daily(session: AsyncSession, start: datetime, end: datetime) -> list[DueAlert]:
    """Subscribers whose daily time falls in (start, end] (minutes; e.g. the last minute, or
    the minutes missed since the last run, up to 6 hours). One query."""
    groups = due_ranges(start, end)
    if not groups:
        return []
    stmt = _base(floor_minute(end), S.daily_time).where(S.enabled)
    if dialect_name(session) == "postgresql":
        stmt = _by_postgresql(stmt, groups)
    else:
        stmt = _by_sqlite(stmt, groups)
    by_zone = {name: ranges for ranges, names in groups.items() for name in names}
    due = []
    for chat_id, tz, q_start, q_end, language, account, daily_time in await session.execute(stmt):
        day = next(r.day for r in by_zone[tz] if daily_time in r)
        due.append(
            DueAlert(
                chat_id=chat_id,
                alert_key=f"daily:{day.isoformat()}",
                local_date=day,
                local_time=daily_time,
                time_zone=tz,
                language=language,
                account_number=account,
                quiet=in_quiet_hours(q_start, q_end, daily_time),
            )
        )
    return due


async def due_weekly(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    weekday: int = 6,
    at: str = "19:00",
) -> list[DueAlert]:
    """Weekly-recap subscribers whose local `weekday` (Monday 0, Sunday 6) `at` falls in
    (start, end]. Key: "weekly:<local date>"."""
    at = check_hhmm(at)
    zone_dates: dict[str, date] = {}
    for ranges, names in due_ranges(start, end).items():
        hit = next((r for r in ranges if r.day.weekday() == weekday and at in r), None)
        if hit is not None:
            zone_dates.update(dict.fromkeys(names, hit.day))
    if not zone_dates:
        return []
    stmt = _base(floor_minute(end), S.snoozed_on).where(
        S.weekly_recap, S.time_zone.in_(sorted(zone_dates))
    )
    due = []
    for chat_id, tz, q_start, q_end, language, account, snoozed_on in await session.execute(stmt):
        day = zone_dates[tz]
        if snoozed_on == day:
            continue
        due.append(
            DueAlert(
                chat_id=chat_id,
                alert_key=f"weekly:{day.isoformat()}",
                local_date=day,
                local_time=at,
                time_zone=tz,
                language=language,
                account_number=account,
                quiet=in_quiet_hours(q_start, q_end, at),
            )
        )
    return due


def reminder_key(window_start: datetime) -> str:
    return f"reminder:{floor_minute(window_start):%Y-%m-%dT%H:%MZ}"


async def due_reminders(
    session: AsyncSession, window_starts: Sequence[datetime], start: datetime, end: datetime
) -> list[DueReminder]:
    """Subscribers to "starting soon" reminders due in (start, end]: those whose lead time
    before one of `window_starts` (today's green windows) lands in the interval. One query."""
    start, end = floor_minute(start), floor_minute(end)
    spans: list[tuple[datetime, int, int]] = []
    for window in sorted({floor_minute(w) for w in window_starts}):
        # start < window - lead <= end  <=>  window - end <= lead < window - start
        low = max(1, (window - end) // MINUTE)
        high = (window - start) // MINUTE - 1
        if low <= high:
            spans.append((window, low, high))
    if not spans:
        return []
    stmt = _base(end, S.reminder_lead_minutes, S.snoozed_on).where(
        or_(*(S.reminder_lead_minutes.between(low, high) for _, low, high in spans))
    )
    due = []
    rows = await session.execute(stmt)
    for chat_id, tz, q_start, q_end, language, account, lead, snoozed_on in rows:
        for window, low, high in spans:
            if not low <= lead <= high:
                continue
            local = (window - timedelta(minutes=lead)).astimezone(zone(tz))
            if snoozed_on == local.date():
                continue
            hhmm = f"{local:%H:%M}"
            due.append(
                DueReminder(
                    chat_id=chat_id,
                    alert_key=reminder_key(window),
                    window_start=window,
                    lead_minutes=lead,
                    local_time=hhmm,
                    time_zone=tz,
                    language=language,
                    account_number=account,
                    quiet=in_quiet_hours(q_start, q_end, hhmm),
                )
            )
    return due
