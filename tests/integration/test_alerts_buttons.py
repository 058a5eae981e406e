"""The buttons under an alert, and the Sunday recap with its own button."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts import alerts_state
from bot.digiwatt.models import Period
from bot.units import format_energy, format_share
from simulator.customers import Customer
from storage.db import transaction
from storage.repositories import subscriptions
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl
from tests.integration.test_alerts import MINUTE, alerts_in, dispatch, paused, subscribe, utc

AT = utc(2025, 6, 2, 6, 0)  # Monday 2 June 2025, 08:00 in Rome


@pytest.fixture
def alerts(bot: BotHarness) -> BotHarness:
    return paused(bot)


async def subscription_of(bot: BotHarness, chat_id: int) -> subscriptions.AlertSubscription:
    sessions = bot.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions, read_only=True) as session:
        found = await subscriptions.get(session, chat_id)
    assert found is not None
    return found


async def test_stop_switches_off_the_push_and_the_reminders(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    chat_id = await subscribe(alerts, lead=30, lang="it")
    await dispatch(alerts, AT)
    (alert,) = await alerts_in(alerts, chat_id)

    await alerts.playground.press(chat_id, alert.message_id, text="🔕 Disattiva gli avvisi")
    answer = await alerts.playground.next_message(chat_id, "disattivati")

    assert "/settings" in answer.content
    subscription = await subscription_of(alerts, chat_id)
    assert (subscription.enabled, subscription.reminder_lead_minutes) == (False, None)
    tomorrow = AT + timedelta(days=1)
    simulator_control.freeze_clock("2025-06-03T07:00:00+02:00")
    assert (await dispatch(alerts, tomorrow, since=tomorrow - MINUTE)).due == 0


async def test_change_time_opens_the_time_picker(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    chat_id = await subscribe(alerts)
    await dispatch(alerts, AT)
    (alert,) = await alerts_in(alerts, chat_id)

    await alerts.playground.press(chat_id, alert.message_id, text="🕗 Change time")
    picker = await alerts.playground.next_message(
        chat_id, lambda m: any("08:00" in label for label in m.button_texts)
    )

    assert picker.message_id != alert.message_id  # a new message: a photo's caption is no panel
    assert any(
        (b.callback_data or "").startswith("set:time:") for row in picker.buttons for b in row
    )


async def test_not_today_on_yesterdays_alert_changes_nothing(
    alerts: BotHarness, simulator_control: SimulatorControl
) -> None:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    chat_id = await subscribe(alerts)
    await dispatch(alerts, AT)
    (alert,) = await alerts_in(alerts, chat_id)
    alerts_state(alerts.application).clock = lambda: AT + timedelta(days=1)  # the next day

    await alerts.playground.press(chat_id, alert.message_id, text="😴 Not today")
    answer = await alerts.playground.next_message(chat_id, "earlier day")

    assert "nothing to pause" in answer.content
    assert (await subscription_of(alerts, chat_id)).snoozed_on is None


async def test_sunday_recap_compares_the_week_and_suggests_one_thing(
    alerts: BotHarness, simulator_control: SimulatorControl, simulator_user: Customer
) -> None:
    simulator_control.freeze_clock("2025-06-08T19:00:00+02:00")
    chat_id = await subscribe(alerts, simulator_user, weekly=True)
    saturday = utc(2025, 6, 7, 17, 0)
    sunday = utc(2025, 6, 8, 17, 0)  # 19:00 in Rome

    assert (await dispatch(alerts, saturday, since=saturday - MINUTE)).sent == []
    report = await dispatch(alerts, sunday, since=sunday - MINUTE)

    assert report.sent == [(chat_id, "weekly:2025-06-08")]
    digiwatt = alerts.application.bot_data.digiwatt
    assert digiwatt is not None
    totals = await digiwatt.totals(simulator_user.account_number, Period.THIS_WEEK)
    saving = await digiwatt.saving(simulator_user.account_number)
    (recap,) = [m for m in await alerts.playground.history(chat_id) if "Your week" in m.content]
    assert f"This week you used {format_energy(totals.total_wh, 'en')}" in recap.content
    assert format_share(saving.green_share_pct, "en") in recap.content
    assert "Next week:" in recap.content
    assert recap.silent is True

    await alerts.playground.press(chat_id, recap.message_id, text="🔕 Stop the weekly recap")
    await alerts.playground.next_message(chat_id, "weekly recap is off")
    assert (await subscription_of(alerts, chat_id)).weekly_recap is False
