"""Exactly once, at Telegram's pace: repeated runs, a crash, two processes, refusals and outages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.alerts import AlertsConfig, alerts_state, configure, run_alerts, stop_alerts
from bot.app import BotApplication, build_application
from bot.settings import Settings
from storage.db import transaction
from storage.repositories import chats, deliveries, erasure, links, subscriptions
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl
from tests.integration.test_alerts import (
    MINUTE,
    TEST_CONFIG,
    alerts_in,
    delivery_status,
    dispatch,
    paused,
    subscribe,
    utc,
)

DAY = "2025-06-02"
KEY = f"daily:{DAY}"
AT = utc(2025, 6, 2, 6, 0)  # 08:00 in Rome


@pytest.fixture
def alerts(bot: BotHarness) -> BotHarness:
    return paused(bot)


@pytest.fixture
def june(simulator_control: SimulatorControl) -> SimulatorControl:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    return simulator_control


class Crash(BaseException):
    """The process dies here: nothing after it runs, no handler catches it."""


# --- exactly once ------------------------------------------------------------------------------


async def test_a_second_run_in_the_same_minute_or_after_a_restart_sends_nothing(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    chat_id = await subscribe(alerts)

    first = await dispatch(alerts, AT)
    again = await dispatch(alerts, AT, since=AT - MINUTE)  # looks at the same minute again
    alerts_state(alerts.application, reset=True)  # a restart: nothing remembered in memory
    restarted = await dispatch(alerts, AT + timedelta(seconds=30))

    assert first.sent == [(chat_id, KEY)]
    assert again.sent == [] and again.skipped["claimed elsewhere"] == 1
    assert restarted.sent == [] and restarted.skipped["claimed elsewhere"] == 1
    assert len(await alerts_in(alerts, chat_id)) == 1


async def test_a_crash_between_claim_and_send_is_sent_once_after_restart(
    alerts: BotHarness, june: SimulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat_id = await subscribe(alerts)

    async def crash(self: ExtBot[Any], *args: object, **kwargs: object) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(ExtBot, "send_photo", crash)
        patch.setattr(ExtBot, "send_message", crash)
        with pytest.raises(Crash):
            await dispatch(alerts, AT)
    assert await delivery_status(alerts, chat_id, KEY) == "claimed"
    assert await alerts_in(alerts, chat_id) == []

    alerts_state(alerts.application, reset=True)  # the process starts again
    soon = await dispatch(alerts, AT + MINUTE, since=AT - MINUTE)
    assert soon.sent == [] and soon.reclaimed == 0  # the claim is not stale yet: hands off

    stale = AT + TEST_CONFIG.stale_after + MINUTE
    resumed = await dispatch(alerts, stale)
    after = await dispatch(alerts, stale + MINUTE, since=AT - MINUTE)

    assert resumed.reclaimed == 1 and resumed.sent == [(chat_id, KEY)]
    assert after.sent == [] and after.reclaimed == 0
    assert len(await alerts_in(alerts, chat_id)) == 1
    assert await delivery_status(alerts, chat_id, KEY) == "sent"


async def test_a_minute_larger_than_a_chunk_is_sent_in_one_run(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    configure(alerts.application, replace(TEST_CONFIG, claim_seconds=0, min_claim=3))
    chat_ids = [await subscribe(alerts, name=f"User {i}") for i in range(10)]

    report = await dispatch(alerts, AT)  # claims three at a time
    again = await dispatch(alerts, AT, since=AT - MINUTE)

    assert sorted(report.sent) == sorted((c, KEY) for c in chat_ids)
    assert report.claimed == len(chat_ids) and report.waiting == 0
    assert again.sent == [] and again.skipped["claimed elsewhere"] == len(chat_ids)
    for chat_id in chat_ids:
        assert len(await alerts_in(alerts, chat_id)) == 1


async def test_an_alert_claimed_elsewhere_after_the_run_began_is_not_sent(
    alerts: BotHarness, june: SimulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 25/s: four senders, so the run claims two at a time as they free up (at 200/s its 32
    # senders would claim all twelve before the first send).
    configure(alerts.application, replace(TEST_CONFIG, rate=25, claim_seconds=0, min_claim=2))
    chat_ids = [await subscribe(alerts, name=f"User {i}") for i in range(12)]
    # Due last, so not claimed yet when this run sends its first alert: then another replica
    # claims them (and will send them itself).
    lost = chat_ids[-3:]
    sessions = alerts.application.bot_data.sessionmaker
    assert sessions is not None
    send_photo = ExtBot.send_photo

    async def first_send_meanwhile_claimed(self: ExtBot[Any], *args: Any, **kwargs: Any) -> Any:
        if lost[0] not in claimed_by_other:
            async with transaction(sessions) as session:
                claimed_by_other.extend(
                    c for c, _key in await deliveries.claim(session, [(c, KEY) for c in lost])
                )
        return await send_photo(self, *args, **kwargs)

    claimed_by_other: list[int] = []
    monkeypatch.setattr(ExtBot, "send_photo", first_send_meanwhile_claimed)
    report = await dispatch(alerts, AT)

    assert sorted(claimed_by_other) == sorted(lost)  # they were still free when it sent
    assert sorted(report.sent) == sorted((c, KEY) for c in chat_ids if c not in lost)
    assert report.skipped["claimed elsewhere"] == len(lost)
    for chat_id in lost:
        assert await alerts_in(alerts, chat_id) == []
        assert await delivery_status(alerts, chat_id, KEY) == "claimed"  # the other's to send
    for chat_id in chat_ids[:-3]:
        assert len(await alerts_in(alerts, chat_id)) == 1


@asynccontextmanager
async def another_process(
    settings: Settings, config: AlertsConfig = TEST_CONFIG
) -> AsyncIterator[BotApplication]:
    """A second bot process on the same database (no polling: it only sends alerts)."""
    application = build_application(settings)
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)
        configure(application, config)
        yield application
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


async def test_two_processes_on_one_database_send_each_alert_once(
    alerts: BotHarness, june: SimulatorControl, db_kind: str
) -> None:
    chat_ids = [await subscribe(alerts, name=f"User {i}") for i in range(12)]

    async with another_process(alerts.settings) as other:
        alerts_state(other).clock = alerts_state(alerts.application).clock
        mine, theirs = await asyncio.gather(dispatch(alerts, AT), run_alerts(other, now=AT))

    assert mine.due == theirs.due == len(chat_ids)  # both saw every alert due and raced for it
    assert not set(mine.sent) & set(theirs.sent)
    assert sorted(mine.sent + theirs.sent) == sorted((c, KEY) for c in chat_ids)
    for chat_id in chat_ids:
        assert len(await alerts_in(alerts, chat_id)) == 1, db_kind


async def test_two_processes_share_a_large_minute_and_send_each_alert_once(
    alerts: BotHarness, june: SimulatorControl, db_kind: str
) -> None:
    # Two chats a claim, 20 a second each: one process alone would send for two seconds.
    config = replace(TEST_CONFIG, rate=20, claim_seconds=0.1, min_claim=2)
    configure(alerts.application, config)
    chat_ids = [await subscribe(alerts, name=f"User {i}") for i in range(40)]

    async with another_process(alerts.settings, config) as other:
        alerts_state(other).clock = alerts_state(alerts.application).clock
        mine, theirs = await asyncio.gather(dispatch(alerts, AT), run_alerts(other, now=AT))

    assert not set(mine.sent) & set(theirs.sent)
    assert sorted(mine.sent + theirs.sent) == sorted((c, KEY) for c in chat_ids)
    # Both sent part of the minute (the first to claim did not take it all).
    assert min(len(mine.sent), len(theirs.sent)) >= len(chat_ids) // 4, (mine.sent, theirs.sent)
    for chat_id in chat_ids:
        assert len(await alerts_in(alerts, chat_id)) == 1, db_kind


# --- refusals ----------------------------------------------------------------------------------


async def test_a_user_who_blocked_the_bot_is_switched_off(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    blocker = await subscribe(alerts, name="Bea", lead=30, weekly=True)
    other = await subscribe(alerts, name="Olga")
    await alerts.playground.block(blocker)

    report = await dispatch(alerts, AT)

    assert report.blocked == [blocker]
    assert report.sent == [(other, KEY)]
    assert await delivery_status(alerts, blocker, KEY) == "failed"
    sessions = alerts.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions, read_only=True) as session:
        chat = await chats.get(session, blocker)
        subscription = await subscriptions.get(session, blocker)
    assert chat is not None and chat.blocked
    assert subscription is not None
    assert (
        subscription.enabled,
        subscription.reminder_lead_minutes,
        subscription.weekly_recap,
    ) == (
        False,
        None,
        False,
    )
    tomorrow = await dispatch(alerts, AT + timedelta(days=1), since=AT + timedelta(days=1) - MINUTE)
    assert tomorrow.due == 1  # only the other user


async def test_retry_after_is_honoured_and_server_errors_are_retried(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    flooded = await subscribe(alerts, name="Flo")
    flaky = await subscribe(alerts, name="Fay")
    broken = await subscribe(alerts, name="Bob")
    # More 429s than PTB's rate limiter retries (3): the dispatcher waits and tries once more.
    await alerts.playground.fail_next("sendPhoto", 429, retry_after=1, times=4, chat_id=flooded)
    await alerts.playground.fail_next("sendPhoto", 502, times=2, chat_id=flaky)
    await alerts.playground.fail_next("sendPhoto", 500, times=10, chat_id=broken)

    report = await dispatch(alerts, AT)

    assert sorted(report.sent) == sorted([(flooded, KEY), (flaky, KEY)])
    assert set(report.failed) == {(broken, KEY)}
    assert await delivery_status(alerts, broken, KEY) == "failed"
    calls = await alerts.playground.calls("sendPhoto")
    for chat_id, failures in ((flooded, 4), (flaky, 2), (broken, TEST_CONFIG.max_attempts)):
        mine = [c for c in calls if c.params["chat_id"] == chat_id]
        assert [c.ok for c in mine] == [False] * failures + ([True] if chat_id != broken else [])
    assert len(await alerts_in(alerts, flooded)) == 1
    assert await alerts_in(alerts, broken) == []


async def test_sends_are_spaced_at_the_configured_rate(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    configure(alerts.application, replace(TEST_CONFIG, rate=5))
    chat_ids = [await subscribe(alerts, name=f"User {i}") for i in range(6)]

    report = await dispatch(alerts, AT)

    assert sorted(report.sent) == sorted((c, KEY) for c in chat_ids)
    assert report.seconds >= 5 * (1 / 5)  # six sends, a fifth of a second apart, no burst


# --- never to the wrong chat -------------------------------------------------------------------


async def test_unlinked_and_erased_chats_get_nothing(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    unlinked = await subscribe(alerts, name="Ugo")
    erased = await subscribe(alerts, name="Ezio")
    left_after_claim = await subscribe(alerts, name="Lia")
    sessions = alerts.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions) as session:
        await links.unlink(session, unlinked)
        await erasure.erase_chat(session, erased)
        # A process claimed Lia's alert and died; then she unlinked the chat.
        await deliveries.claim(session, [(left_after_claim, KEY)], now=AT - timedelta(hours=1))
        await links.unlink(session, left_after_claim)

    report = await dispatch(alerts, AT)

    assert report.sent == []
    assert report.skipped["not linked"] == 2
    assert report.failed == {(left_after_claim, KEY): "not linked any more"}
    for chat_id in (unlinked, erased, left_after_claim):
        assert await alerts_in(alerts, chat_id) == []


# --- greenness missing -------------------------------------------------------------------------


async def test_missing_forecast_is_retried_and_sent_when_it_arrives(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    chat_id = await subscribe(alerts)
    june.set_faults(error_rate=1.0)

    down = [await dispatch(alerts, AT), await dispatch(alerts, AT + MINUTE)]
    assert [(r.forecast, r.waiting, r.sent) for r in down] == [(False, 1, []), (False, 1, [])]
    assert await delivery_status(alerts, chat_id, KEY) is None  # nothing claimed meanwhile

    june.reset_faults()
    back = await dispatch(alerts, AT + 2 * MINUTE)
    later = await dispatch(alerts, AT + 3 * MINUTE)

    assert back.forecast and back.sent == [(chat_id, KEY)] and back.waiting == 0
    assert later.sent == []
    (message,) = await alerts_in(alerts, chat_id)
    assert "Best hours" in message.content


async def test_a_forecast_that_never_comes_is_announced_once(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    configure(alerts.application, replace(TEST_CONFIG, forecast_patience=timedelta(minutes=10)))
    chat_id = await subscribe(alerts, lang="it")
    june.set_faults(error_rate=1.0)

    waiting = await dispatch(alerts, AT)
    told = await dispatch(alerts, AT + 10 * MINUTE)
    quiet = await dispatch(alerts, AT + 11 * MINUTE)
    june.reset_faults()
    recovered = await dispatch(alerts, AT + 12 * MINUTE, since=AT - MINUTE)

    assert waiting.sent == [] and waiting.waiting == 1
    assert told.notices == 1 and told.sent == [(chat_id, KEY)]
    assert quiet.sent == [] and recovered.sent == []
    (notice,) = await alerts_in(alerts, chat_id)
    assert "Manca la previsione" in notice.content
    assert notice.silent is True
    assert notice.kind == "text"


async def test_a_shutdown_mid_run_gives_the_rest_back_and_the_restart_sends_it(
    alerts: BotHarness, june: SimulatorControl
) -> None:
    configure(alerts.application, replace(TEST_CONFIG, rate=4))
    chat_ids = [await subscribe(alerts, name=f"User {i}") for i in range(8)]

    running = asyncio.ensure_future(dispatch(alerts, AT))
    await asyncio.sleep(1.0)  # a few alerts out, at four a second
    await stop_alerts(alerts.application)  # what post_shutdown does
    stopped = await running

    assert 0 < len(stopped.sent) < len(chat_ids)
    unsent = [c for c in chat_ids if (c, KEY) not in stopped.sent]
    for chat_id in unsent:
        assert await delivery_status(alerts, chat_id, KEY) is None  # given back, not stale
    alerts_state(alerts.application, reset=True)  # the next start
    restarted = await dispatch(alerts, AT + MINUTE, since=AT - MINUTE)

    assert sorted(restarted.sent) == sorted((c, KEY) for c in unsent)
    for chat_id in chat_ids:
        assert len(await alerts_in(alerts, chat_id)) == 1
