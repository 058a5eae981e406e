"""Greenness alerts through the real Application, the playground Bot API and the simulator.

The dispatcher runs with a controlled clock (`run_alerts(application, now=...)`); the minute
job is paused so only the test decides when alerts go. The simulator's clock is frozen on the
test's day, so its greenness is that day's. Chats are linked and subscribed in storage directly
(the linking and settings flows are tested by their own files).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.alerts import (
    ALERTS_JOB,
    AlertsConfig,
    DispatchReport,
    alerts_state,
    configure,
    run_alerts,
)
from bot.digiwatt.models import (
    Appliance,
    ApplianceQuantity,
    Greenness,
    House,
    HouseType,
    OnboardingRequest,
    Residents,
)
from bot.known_chats import known_chats
from playground.client_models import ChatMessage
from simulator.customers import Customer
from storage.db import transaction
from storage.repositories import chats, deliveries, links, profiles, subscriptions
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl, fresh_customer

MINUTE = timedelta(minutes=1)
# Fast retries: the tests check that they happen, not how long they wait.
TEST_CONFIG = AlertsConfig(rate=200, backoff=0.05)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def paused(bot: BotHarness) -> BotHarness:
    """The bot with its minute job paused: alerts go only when a test runs the dispatcher."""
    assert bot.application.job_queue is not None
    for job in bot.application.job_queue.get_jobs_by_name(ALERTS_JOB):
        job.enabled = False
    configure(bot.application, TEST_CONFIG)
    return bot


@pytest.fixture
def alerts(bot: BotHarness) -> BotHarness:
    return paused(bot)


async def subscribe(
    bot: BotHarness,
    customer: Customer | None = None,
    *,
    name: str = "Anna",
    lang: str = "en",
    tz: str = "Europe/Rome",
    daily: str = "08:00",
    enabled: bool = True,
    lead: int | None = None,
    weekly: bool = False,
    quiet: tuple[str, str] | None = None,
    appliances: Iterable[Appliance] | None = None,
) -> int:
    """A playground user who opened the bot, linked and subscribed in storage; the chat id."""
    customer = customer or fresh_customer()
    user = await bot.user(name, language_code=lang)
    await bot.playground.start(user.id)
    await bot.playground.next_message(user.id)  # the welcome: the bot has seen the chat
    sessions = bot.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions) as session:
        await chats.upsert(session, user.id, user.id, time_zone=tz)
        await chats.set_language(session, user.id, lang)
        await chats.set_time_zone(session, user.id, tz)
        await links.link(session, user.id, customer.account_number, customer.pod)
        subscription = await subscriptions.get_or_create(session, user.id)
        subscription.enabled = enabled
        subscription.daily_time = daily
        subscription.time_zone = tz
        subscription.reminder_lead_minutes = lead
        subscription.weekly_recap = weekly
        if quiet is not None:
            subscription.quiet_start, subscription.quiet_end = quiet
        if appliances is not None:
            await profiles.save(
                session,
                customer.account_number,
                OnboardingRequest(
                    house=House(type=HouseType.APARTMENT, dimesion=80, province="RM"),
                    residents=Residents(adults=2, children=0, elderlies=0),
                    appliances=[ApplianceQuantity(appliance=a, quantity=1) for a in appliances],
                ),
            )
    # Written behind the bot's back (language, link): drop what it cached, as its own paths do.
    known_chats(bot.application.bot_data).forget(user.id)
    return user.id


async def dispatch(
    bot: BotHarness, now: datetime, *, since: datetime | None = None
) -> DispatchReport:
    """One dispatcher run at `now`; the alert buttons pressed afterwards live at `now` too."""
    alerts_state(bot.application).clock = lambda: now
    return await run_alerts(bot.application, now=now, since=since)


async def alerts_in(bot: BotHarness, chat_id: int) -> list[ChatMessage]:
    """The bot's alert messages in a chat (those with alert buttons), oldest first."""
    return [
        m
        for m in await bot.playground.history(chat_id)
        if m.from_bot
        and any((b.callback_data or "").startswith("alr:") for row in m.buttons for b in row)
    ]


async def greenness(bot: BotHarness) -> Greenness:
    digiwatt = bot.application.bot_data.digiwatt
    assert digiwatt is not None
    return await digiwatt.greenness()


def hours_in(window_start: datetime, window_stop: datetime, tz: str) -> str:
    zone = ZoneInfo(tz)
    return f"{window_start.astimezone(zone):%H:%M}–{window_stop.astimezone(zone):%H:%M}"


async def delivery_status(bot: BotHarness, chat_id: int, key: str) -> str | None:
    sessions = bot.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions, read_only=True) as session:
        row = await deliveries.get(session, chat_id, key)
    return None if row is None else row.status


# --- scheduling ------------------------------------------------------------------------------


async def test_one_alerts_job_every_minute_on_the_minute(bot: BotHarness) -> None:
    assert bot.application.job_queue is not None
    jobs = bot.application.job_queue.get_jobs_by_name(ALERTS_JOB)
    assert len(jobs) == 1
    job = jobs[0]
    assert job.next_t is not None
    assert (job.next_t.second, job.next_t.microsecond) == (0, 0)
    assert job.next_t - datetime.now(UTC) <= timedelta(seconds=60)
    assert job.job.trigger.interval == timedelta(seconds=60)


# --- the daily push -----------------------------------------------------------------------------


async def test_daily_push_is_personal_with_chart_and_buttons(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    owner = await subscribe(
        alerts, name="Anna", appliances=[Appliance.DISHWASHER, Appliance.ELECTRIC_VEHICLE]
    )
    default = await subscribe(alerts, name="Bruno", lang="it")  # no household profile
    later = await subscribe(alerts, name="Carla", daily="08:01")

    report = await dispatch(alerts, utc(2025, 6, 2, 6, 0, 7))

    assert sorted(report.sent) == sorted(
        [(owner, "daily:2025-06-02"), (default, "daily:2025-06-02")]
    )
    day = await greenness(alerts)
    best = max(day.windows, key=lambda w: w.renewable_pct)
    longest = max(day.windows, key=lambda w: (w.stop - w.start, w.renewable_pct))
    (message,) = await alerts_in(alerts, owner)
    assert message.kind == "photo"
    assert message.silent is False
    text = message.content
    assert f"Run the dishwasher {hours_in(best.start, best.stop, 'Europe/Rome')}" in text
    assert f"Charge the car {hours_in(longest.start, longest.stop, 'Europe/Rome')}" in text
    assert "washing machine" not in text  # not in this household
    assert f"{round(day.renewable_pct)}%" in text
    assert message.button_texts == ["😴 Not today", "🕗 Change time", "🔕 Stop alerts"]

    (italian,) = await alerts_in(alerts, default)
    # No profile: Digiwatt's default appliances, of which the washing machine and dishwasher shift.
    assert "Avvia la lavastoviglie e la lavatrice" in italian.content
    assert "Non oggi" in italian.button_texts[0]
    assert await alerts_in(alerts, later) == []
    assert await delivery_status(alerts, owner, "daily:2025-06-02") == "sent"


async def test_users_in_several_time_zones_get_windows_in_their_own_clock(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    # 06:00 UTC is 08:00 in Rome, 07:00 in London and 02:00 in New York, in June.
    due = {
        "Europe/Rome": await subscribe(alerts, tz="Europe/Rome", daily="08:00"),
        "Europe/London": await subscribe(alerts, tz="Europe/London", daily="07:00"),
        "America/New_York": await subscribe(alerts, tz="America/New_York", daily="02:00"),
        "Europe/Berlin": await subscribe(alerts, tz="Europe/Berlin", daily="08:00"),
    }
    tokyo = await subscribe(alerts, tz="Asia/Tokyo", daily="08:00")

    report = await dispatch(alerts, utc(2025, 6, 2, 6, 0))

    assert sorted(chat for chat, _key in report.sent) == sorted(due.values())
    day = await greenness(alerts)
    best = max(day.windows, key=lambda w: w.renewable_pct)
    for tz, chat_id in due.items():
        (message,) = await alerts_in(alerts, chat_id)
        assert hours_in(best.start, best.stop, tz) in message.content, tz
    assert await alerts_in(alerts, tokyo) == []
    # One picture per clock: Rome and Berlin share the grid's, London and New York get theirs.
    uploads = [
        c for c in await alerts.playground.calls("sendPhoto") if isinstance(c.params["photo"], dict)
    ]
    assert len(uploads) == 3


async def test_chart_is_uploaded_once_then_resent_by_file_id(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    chat_ids = [await subscribe(alerts, name=f"User {i}") for i in range(3)]

    await dispatch(alerts, utc(2025, 6, 2, 6, 0))

    calls = [c for c in await alerts.playground.calls("sendPhoto") if c.ok]
    assert sorted(c.params["chat_id"] for c in calls) == sorted(chat_ids)
    uploads = [c for c in calls if isinstance(c.params["photo"], dict)]
    by_id = [c for c in calls if isinstance(c.params["photo"], str)]
    assert len(uploads) == 1 and len(by_id) == 2
    assert calls[0] is uploads[0]  # the first one uploads, the others wait for its file_id
    assert {c.params["photo"] for c in by_id} == {
        (await alerts_in(alerts, uploads[0].params["chat_id"]))[0].photo[-1]["file_id"]  # type: ignore[index]
    }

    # The next day has another forecast: one new upload, then file_ids again.
    simulator_control.freeze_clock("2025-06-03T07:00:00+02:00")
    await dispatch(alerts, utc(2025, 6, 3, 6, 0))
    calls = [c for c in await alerts.playground.calls("sendPhoto") if c.ok]
    assert len([c for c in calls if isinstance(c.params["photo"], dict)]) == 2
    assert len(calls) == 6


# --- daylight saving ---------------------------------------------------------------------------


async def sweep(bot: BotHarness, first: datetime, last: datetime) -> dict[int, list[datetime]]:
    """Run the dispatcher every minute from `first` to `last`: who got an alert at which run."""
    got: dict[int, list[datetime]] = {}
    moment, since = first, first - MINUTE
    while True:
        report = await dispatch(bot, moment, since=since)
        since = None  # from here on, each run starts where the last one stopped
        for chat_id, _key in report.sent:
            got.setdefault(chat_id, []).append(moment)
        if moment >= last:
            return got
        moment += MINUTE


async def test_spring_forward_in_rome_sends_the_missing_times_once(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    # 30 March 2025: Rome jumps from 02:00 CET to 03:00 CEST at 01:00 UTC; 02:30 never happens.
    simulator_control.freeze_clock("2025-03-30T09:00:00+02:00")
    before = await subscribe(alerts, daily="01:59")
    missing = await subscribe(alerts, daily="02:30")
    after = await subscribe(alerts, daily="03:00")
    later = await subscribe(alerts, daily="03:01")

    got = await sweep(alerts, utc(2025, 3, 30, 0, 50), utc(2025, 3, 30, 1, 10))

    assert got == {
        before: [utc(2025, 3, 30, 0, 59)],
        missing: [utc(2025, 3, 30, 1, 0)],  # at 03:00 CEST, the first minute after the gap
        after: [utc(2025, 3, 30, 1, 0)],
        later: [utc(2025, 3, 30, 1, 1)],
    }
    for chat_id in got:
        assert len(await alerts_in(alerts, chat_id)) == 1


async def test_fall_back_in_rome_sends_the_repeated_hour_once(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    # 26 October 2025: Rome goes back from 03:00 CEST to 02:00 CET at 01:00 UTC; 02:xx happens twice.
    simulator_control.freeze_clock("2025-10-26T09:00:00+01:00")
    two = await subscribe(alerts, daily="02:00")
    half = await subscribe(alerts, daily="02:30")
    three = await subscribe(alerts, daily="03:00")

    got = await sweep(alerts, utc(2025, 10, 25, 23, 50), utc(2025, 10, 26, 2, 5))

    assert got == {
        two: [utc(2025, 10, 26, 0, 0)],  # 02:00 CEST, the first occurrence
        half: [utc(2025, 10, 26, 0, 30)],
        three: [utc(2025, 10, 26, 2, 0)],  # 03:00 CET
    }
    (message,) = await alerts_in(alerts, half)
    assert "Sunday 26 October" in message.content


# --- snooze, quiet hours, reminders ------------------------------------------------------------


async def test_reminder_before_the_window_and_snooze_skips_the_rest_of_the_day(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    day = await greenness(alerts)
    window = day.windows[0]
    reminded = await subscribe(alerts, name="Rita", lead=30, appliances=[Appliance.WASHING_MACHINE])
    snoozer = await subscribe(alerts, name="Sara", lead=30)

    await dispatch(alerts, utc(2025, 6, 2, 6, 0))
    (daily,) = await alerts_in(alerts, snoozer)
    press = await alerts.playground.press(snoozer, daily.message_id, text="😴 Not today")
    answer = await alerts.playground.next_message(snoozer, "no more alerts today")
    assert press.callback_query_id is not None
    assert "See you tomorrow" in answer.content

    reminder_at = window.start - timedelta(minutes=30)
    report = await dispatch(alerts, reminder_at, since=reminder_at - MINUTE)

    assert report.sent == [(reminded, f"reminder:{window.start.astimezone(UTC):%Y-%m-%dT%H:%MZ}")]
    reminder = (await alerts_in(alerts, reminded))[-1]
    assert "Green window in 30 min" in reminder.content
    assert hours_in(window.start, window.stop, "Europe/Rome") in reminder.content
    assert "Run the washing machine" in reminder.content
    assert len(await alerts_in(alerts, snoozer)) == 1

    # The snooze was for that day only.
    simulator_control.freeze_clock("2025-06-03T07:00:00+02:00")
    report = await run_alerts(
        alerts.application, now=utc(2025, 6, 3, 6, 0), since=utc(2025, 6, 3, 5, 59)
    )
    assert (snoozer, "daily:2025-06-03") in report.sent


async def test_quiet_hours_silence_the_push_and_hold_reminders(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    day = await greenness(alerts)
    window = day.windows[0]
    reminder_at = window.start - timedelta(minutes=30)
    local = reminder_at.astimezone(ZoneInfo("Europe/Rome"))
    # Quiet from the reminder's minute for an hour, and a push chosen inside quiet hours.
    quiet = (f"{local:%H:%M}", f"{local + timedelta(hours=1):%H:%M}")
    quiet_one = await subscribe(alerts, daily=quiet[0], lead=30, quiet=quiet)
    loud_one = await subscribe(alerts, daily=quiet[0], lead=30)

    report = await dispatch(alerts, reminder_at, since=reminder_at - MINUTE)

    assert set(report.sent) == {
        (quiet_one, f"daily:{local:%Y-%m-%d}"),
        (loud_one, f"daily:{local:%Y-%m-%d}"),
        (loud_one, f"reminder:{window.start.astimezone(UTC):%Y-%m-%dT%H:%MZ}"),
    }
    assert report.skipped["quiet hours"] == 1
    assert report.seconds >= 1.0  # two messages to one chat: a second apart
    (silent_push,) = await alerts_in(alerts, quiet_one)
    assert silent_push.silent is True
    push, reminder = await alerts_in(alerts, loud_one)
    assert push.silent is False and reminder.silent is False


async def test_a_reminder_caught_up_late_says_the_true_minutes_or_is_dropped(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    window = (await greenness(alerts)).windows[0]
    chat_id = await subscribe(alerts, lead=30)
    missed = window.start - timedelta(minutes=30)

    # The bot was down at the reminder's minute and comes back 10 minutes later.
    late = await dispatch(alerts, missed + 10 * MINUTE, since=missed - 5 * MINUTE)
    (reminder,) = await alerts_in(alerts, chat_id)
    assert late.sent == [(chat_id, f"reminder:{window.start.astimezone(UTC):%Y-%m-%dT%H:%MZ}")]
    assert "Green window in 20 min" in reminder.content

    # Back only after the window has started: nobody is told it "starts in 30 min".
    other = await subscribe(alerts, name="Otto", lead=30)
    too_late = await dispatch(alerts, window.start + 5 * MINUTE, since=missed - 5 * MINUTE)
    assert too_late.sent == [] and too_late.skipped["too late"] == 2
    assert await alerts_in(alerts, other) == []
