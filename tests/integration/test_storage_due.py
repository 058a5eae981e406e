"""Who is due an alert: subscribers in several time zones, on ordinary and daylight-saving days."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction
from storage.repositories import chats, links, subscriptions
from storage.repositories.subscriptions import reminder_key

Sessions = async_sessionmaker[AsyncSession]
MINUTE = timedelta(minutes=1)

# chat id -> (zone, daily time)
SUBSCRIBERS = {
    1: ("Europe/Rome", "01:59"),
    2: ("Europe/Rome", "02:00"),
    3: ("Europe/Rome", "02:30"),
    4: ("Europe/Rome", "03:00"),
    5: ("Europe/Rome", "08:00"),
    6: ("America/New_York", "01:30"),
    7: ("America/New_York", "02:30"),
    8: ("America/New_York", "08:00"),
    9: ("Asia/Kolkata", "08:00"),
    10: ("Asia/Kolkata", "00:00"),
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def subscribe(sessions: Sessions, subscribers: dict[int, tuple[str, str]]) -> None:
    async with transaction(sessions) as session:
        for chat_id, (zone, daily_time) in subscribers.items():
            await chats.upsert(session, chat_id, chat_id, time_zone=zone)
            subscription = await subscriptions.get_or_create(session, chat_id)
            subscription.daily_time = daily_time


async def sweep(
    sessions: Sessions, start: datetime, end: datetime, step: timedelta = MINUTE
) -> dict[int, list[tuple[datetime, str]]]:
    """Run the due query for each interval (t - step, t] like the dispatcher; who, when, key."""
    seen: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    moment = start
    while moment < end:
        moment += step
        async with transaction(sessions, read_only=True) as session:
            for alert in await subscriptions.due_daily(session, moment - step, moment):
                seen[alert.chat_id].append((moment, alert.alert_key))
    return dict(seen)


async def test_rome_spring_forward_sends_missing_times_at_three(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, SUBSCRIBERS)
    # 30 March 2025, 00:30-02:00 UTC: Rome jumps from 02:00 CET to 03:00 CEST at 01:00 UTC.
    seen = await sweep(sessionmaker, utc(2025, 3, 30, 0, 30), utc(2025, 3, 30, 2, 0))
    key = "daily:2025-03-30"
    assert seen[1] == [(utc(2025, 3, 30, 0, 59), key)]
    # 02:00 and 02:30 do not exist that night: sent at the next valid minute, with 03:00.
    for chat_id in (2, 3, 4):
        assert seen[chat_id] == [(utc(2025, 3, 30, 1, 0), key)]


async def test_rome_fall_back_sends_a_repeated_time_once(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, SUBSCRIBERS)
    # 26 October 2025: 02:00-02:59 happen at 00:00-00:59 UTC and again at 01:00-01:59 UTC.
    seen = await sweep(sessionmaker, utc(2025, 10, 25, 23, 30), utc(2025, 10, 26, 2, 30))
    key = "daily:2025-10-26"
    assert seen[1] == [(utc(2025, 10, 25, 23, 59), key)]
    assert seen[2] == [(utc(2025, 10, 26, 0, 0), key)]
    assert seen[3] == [(utc(2025, 10, 26, 0, 30), key)]
    assert seen[4] == [(utc(2025, 10, 26, 2, 0), key)]


async def test_new_york_daylight_saving_days(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, SUBSCRIBERS)
    # 9 March 2025 at 07:00 UTC: 02:00 EST becomes 03:00 EDT; 02:30 is sent at 03:00 EDT.
    spring = await sweep(sessionmaker, utc(2025, 3, 9, 5, 0), utc(2025, 3, 9, 8, 0))
    assert spring[6] == [(utc(2025, 3, 9, 6, 30), "daily:2025-03-09")]
    assert spring[7] == [(utc(2025, 3, 9, 7, 0), "daily:2025-03-09")]
    # 2 November 2025 at 06:00 UTC: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    autumn = await sweep(sessionmaker, utc(2025, 11, 2, 4, 0), utc(2025, 11, 2, 8, 0))
    assert autumn[6] == [(utc(2025, 11, 2, 5, 30), "daily:2025-11-02")]
    assert autumn[7] == [(utc(2025, 11, 2, 7, 30), "daily:2025-11-02")]


async def test_a_whole_day_in_many_zones_is_once_each(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, SUBSCRIBERS)
    # A 30-hour UTC span in 30-minute steps covers 30 March 2025 in every zone above.
    seen = await sweep(
        sessionmaker, utc(2025, 3, 29, 18, 0), utc(2025, 3, 31, 0, 0), timedelta(minutes=30)
    )
    for chat_id in SUBSCRIBERS:
        keys = [key for _, key in seen[chat_id]]
        assert keys.count("daily:2025-03-30") == 1, (chat_id, seen[chat_id])
    # Kolkata (+05:30, no DST): 08:00 is 02:30 UTC; midnight is 18:30 UTC the day before.
    assert (utc(2025, 3, 30, 2, 30), "daily:2025-03-30") in seen[9]
    assert (utc(2025, 3, 29, 18, 30), "daily:2025-03-30") in seen[10]
    assert (utc(2025, 3, 30, 12, 0), "daily:2025-03-30") in seen[8]  # New York already on EDT


async def test_due_alert_carries_what_the_sender_needs(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, {1: ("Europe/Rome", "08:00"), 2: ("Europe/Rome", "08:00")})
    async with transaction(sessionmaker) as session:
        await chats.set_language(session, 1, "it")
        await links.link(session, 1, "ACC-1", "IT001E12345678")
        subscription = await subscriptions.get_or_create(session, 2)
        subscription.quiet_start, subscription.quiet_end = "07:30", "09:00"
    async with transaction(sessionmaker, read_only=True) as session:
        due = await subscriptions.due_daily(session, utc(2025, 6, 2, 5, 59), utc(2025, 6, 2, 6, 0))
    by_chat = {alert.chat_id: alert for alert in due}
    assert set(by_chat) == {1, 2}
    first = by_chat[1]
    assert (first.alert_key, first.local_date, first.local_time, first.time_zone) == (
        "daily:2025-06-02",
        date(2025, 6, 2),
        "08:00",
        "Europe/Rome",
    )
    assert (first.language, first.account_number, first.quiet) == ("it", "ACC-1", False)
    assert (by_chat[2].language, by_chat[2].account_number, by_chat[2].quiet) == (None, None, True)


async def test_disabled_paused_snoozed_and_blocked_are_not_due(sessionmaker: Sessions) -> None:
    now = utc(2025, 6, 2, 6, 0)  # 08:00 in Rome
    await subscribe(sessionmaker, dict.fromkeys(range(1, 7), ("Europe/Rome", "08:00")))
    async with transaction(sessionmaker) as session:
        (await subscriptions.get_or_create(session, 1)).enabled = False
        (await subscriptions.get_or_create(session, 2)).paused_until = now + timedelta(days=1)
        (await subscriptions.get_or_create(session, 3)).paused_until = now - timedelta(days=1)
        await subscriptions.snooze(session, 4, date(2025, 6, 2))
        await subscriptions.snooze(session, 5, date(2025, 6, 1))  # yesterday's snooze is over
        await chats.mark_blocked(session, 6)
    async with transaction(sessionmaker, read_only=True) as session:
        due = await subscriptions.due_daily(session, now - MINUTE, now)
    assert sorted(alert.chat_id for alert in due) == [3, 5]


async def test_weekly_recap_is_due_on_sunday_evening_local(sessionmaker: Sessions) -> None:
    await subscribe(
        sessionmaker,
        {1: ("Europe/Rome", "08:00"), 2: ("Asia/Kolkata", "08:00"), 3: ("Europe/Rome", "08:00")},
    )
    async with transaction(sessionmaker) as session:
        for chat_id in (1, 2):
            (await subscriptions.get_or_create(session, chat_id)).weekly_recap = True
    sunday_rome = utc(2025, 6, 8, 17, 0)  # 19:00 in Rome, 22:30 in Kolkata
    async with transaction(sessionmaker, read_only=True) as session:
        due = await subscriptions.due_weekly(session, sunday_rome - MINUTE, sunday_rome)
        assert [(a.chat_id, a.alert_key) for a in due] == [(1, "weekly:2025-06-08")]
        kolkata = utc(2025, 6, 8, 13, 30)
        due = await subscriptions.due_weekly(session, kolkata - MINUTE, kolkata)
        assert [(a.chat_id, a.alert_key) for a in due] == [(2, "weekly:2025-06-08")]
        monday = sunday_rome + timedelta(days=1)
        assert await subscriptions.due_weekly(session, monday - MINUTE, monday) == []


async def test_reminders_before_a_green_window(sessionmaker: Sessions) -> None:
    await subscribe(sessionmaker, dict.fromkeys(range(1, 5), ("Europe/Rome", "08:00")))
    window = utc(2025, 6, 2, 11, 0)  # 13:00 in Rome
    async with transaction(sessionmaker) as session:
        (await subscriptions.get_or_create(session, 1)).reminder_lead_minutes = 15
        (await subscriptions.get_or_create(session, 2)).reminder_lead_minutes = 30
        third = await subscriptions.get_or_create(session, 3)
        third.reminder_lead_minutes = 15
        third.quiet_start, third.quiet_end = "12:30", "14:00"
        # Reminders do not depend on the daily push being on.
        (await subscriptions.get_or_create(session, 2)).enabled = False
        # chat 4 wants no reminders
    async with transaction(sessionmaker, read_only=True) as session:
        at = window - timedelta(minutes=15)
        due = await subscriptions.due_reminders(session, [window], at - MINUTE, at)
        assert [(r.chat_id, r.alert_key, r.local_time, r.quiet) for r in due] == [
            (1, reminder_key(window), "12:45", False),
            (3, reminder_key(window), "12:45", True),
        ]
        at = window - timedelta(minutes=30)
        due = await subscriptions.due_reminders(session, [window], at - MINUTE, at)
        assert [(r.chat_id, r.lead_minutes) for r in due] == [(2, 30)]
        # A whole hour of catch-up finds each reminder once.
        due = await subscriptions.due_reminders(
            session, [window], window - timedelta(hours=1), window
        )
        assert sorted(r.chat_id for r in due) == [1, 2, 3]
        assert await subscriptions.due_reminders(session, [window], window, window + MINUTE) == []


async def test_alerts_speak_the_chosen_language_else_the_telegram_clients(
    sessionmaker: Sessions,
) -> None:
    await subscribe(sessionmaker, {1: ("Europe/Rome", "08:00"), 2: ("Europe/Rome", "08:00")})
    async with transaction(sessionmaker) as session:
        await chats.set_client_language(session, 1, "it")
        await chats.set_client_language(session, 2, "it")
        await chats.set_language(session, 2, "en")
        for chat_id in (1, 2):
            await links.link(session, chat_id, f"ACC-{chat_id}", "IT001E00123456")
    now = utc(2025, 6, 2, 6, 0)  # 08:00 in Rome
    async with transaction(sessionmaker, read_only=True) as session:
        due = await subscriptions.due_daily(session, now - MINUTE, now)
    assert {alert.chat_id: alert.language for alert in due} == {1: "it", 2: "en"}
