"""/settings for the weekly recap and quiet hours: saved from the one panel, honoured on Sunday."""

from __future__ import annotations

import pytest

from simulator.customers import Customer
from storage.db import transaction
from storage.models import AlertSubscription
from storage.repositories import subscriptions
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl
from tests.integration.conversation_helpers import italian, send_old_button
from tests.integration.test_alerts import MINUTE, dispatch, paused, subscribe, utc

PANEL = "Settings"
SATURDAY = utc(2025, 6, 7, 17, 0)  # 19:00 in Rome, a day early
SUNDAY = utc(2025, 6, 8, 17, 0)  # Sunday 8 June 2025, 19:00 in Rome: the recap's time
RECAP_KEY = "weekly:2025-06-08"


@pytest.fixture
def alerts(bot: BotHarness) -> BotHarness:
    return paused(bot)


async def _subscription(bot: BotHarness, chat_id: int) -> AlertSubscription | None:
    sessions = bot.application.bot_data.sessionmaker
    assert sessions is not None
    async with transaction(sessions, read_only=True) as session:
        return await subscriptions.get(session, chat_id)


async def _edited_messages(bot: BotHarness, chat_id: int, since: int) -> set[int]:
    """The ids of the messages the bot edited in this chat since `since`."""
    return {
        call.params["message_id"]
        for call in await bot.playground.calls("editMessageText", since=since)
        if call.ok and int(call.params["chat_id"]) == chat_id
    }


async def test_recap_and_quiet_hours_are_chosen_and_saved_in_the_one_panel(
    bot: BotHarness,
) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/settings")
    panel = await bot.playground.next_message(anna.id, PANEL)
    assert "Weekly recap: off" in panel.content
    assert "Quiet hours: off" in panel.content
    since = await bot.playground.last_seq()

    await bot.playground.press(anna.id, text="Weekly recap")
    page = await bot.playground.next_message(anna.id, "Every Sunday at 19:00")
    assert page.message_id == panel.message_id
    assert "one suggestion" in page.content and "without sound" in page.content
    assert "✓ No recap" in page.button_texts
    await bot.playground.press(anna.id, text="Send the recap")
    shown = await bot.playground.next_message(anna.id, "Weekly recap: every Sunday at 19:00")
    assert shown.message_id == panel.message_id
    subscription = await _subscription(bot, anna.id)
    assert subscription is not None and subscription.weekly_recap
    assert not subscription.enabled  # the daily alert is a separate choice, still off

    await bot.playground.press(anna.id, text="Quiet hours")
    page = await bot.playground.next_message(anna.id, "reminders are not sent")
    assert "daily alert set within them arrives without sound" in page.content
    assert "Europe/Rome" in page.content
    assert "✓ No quiet hours" in page.button_texts
    assert {"22:00–07:00", "23:00–07:00", "21:00–08:00"} <= set(page.button_texts)
    await bot.playground.press(anna.id, text="22:00–07:00")
    shown = await bot.playground.next_message(anna.id, "Quiet hours: 22:00–07:00")
    subscription = await _subscription(bot, anna.id)
    assert subscription is not None
    assert (subscription.quiet_start, subscription.quiet_end) == ("22:00", "07:00")

    # Back on the quiet-hours page the choice is ticked; "« Back" changes nothing.
    await bot.playground.press(anna.id, text="Quiet hours")
    page = await bot.playground.next_message(anna.id, "reminders are not sent")
    assert "✓ 22:00–07:00" in page.button_texts
    await bot.playground.press(anna.id, text="« Back")
    shown = await bot.playground.next_message(anna.id, PANEL)
    assert "Quiet hours: 22:00–07:00" in shown.content
    assert "Weekly recap: every Sunday at 19:00" in shown.content

    await bot.playground.press(anna.id, text="Weekly recap")
    page = await bot.playground.next_message(anna.id, "Every Sunday")
    assert "✓ Send the recap" in page.button_texts
    await bot.playground.press(anna.id, text="No recap")
    await bot.playground.next_message(anna.id, "Weekly recap: off")
    await bot.playground.press(anna.id, text="Quiet hours")
    await bot.playground.next_message(anna.id, "reminders are not sent")
    await bot.playground.press(anna.id, text="No quiet hours")
    shown = await bot.playground.next_message(anna.id, "Quiet hours: off")
    subscription = await _subscription(bot, anna.id)
    assert subscription is not None and not subscription.weekly_recap
    assert (subscription.quiet_start, subscription.quiet_end) == (None, None)

    # Every page was an edit of the one panel message: nothing else was sent.
    assert await _edited_messages(bot, anna.id, since) == {panel.message_id}
    history = await bot.playground.history(anna.id)
    assert [m.message_id for m in history if m.from_bot] == [panel.message_id]


async def test_the_new_settings_speak_italian(bot: BotHarness) -> None:
    giulia = await bot.user("Giulia", language_code="it")
    await bot.playground.send_text(giulia.id, "/settings")
    panel = await bot.playground.next_message(giulia.id)
    assert italian("Weekly recap: off") in panel.content
    assert italian("Quiet hours: off") in panel.content

    await bot.playground.press(giulia.id, text=italian("Weekly recap"))
    page = await bot.playground.next_message(giulia.id, "domenica alle 19:00")
    await bot.playground.press(giulia.id, text=italian("Send the recap"))
    shown = await bot.playground.next_message(giulia.id, "ogni domenica alle 19:00")
    assert shown.message_id == page.message_id == panel.message_id

    await bot.playground.press(giulia.id, text=italian("Quiet hours"))
    title = italian("<b>Quiet hours</b>").removeprefix("<b>").removesuffix("</b>")
    page = await bot.playground.next_message(giulia.id, title)
    assert italian("« Back") in page.button_texts
    await bot.playground.press(giulia.id, text="23:00–07:00")
    shown = await bot.playground.next_message(
        giulia.id, italian("Quiet hours: {hours}").format(hours="23:00–07:00")
    )
    assert shown.message_id == panel.message_id


@pytest.mark.parametrize(
    "data",
    [
        "set:recap:maybe",
        "set:recap:on:again",
        "set:quiet:25:00-07:00",
        "set:quiet:22:00-22:00",  # no quiet hours at all, yet not "off"
        "set:quiet:22:00",
        "set:quiet:22:00-",
        "set:quiet:-07:00",
    ],
)
async def test_stale_or_forged_buttons_change_nothing(bot: BotHarness, data: str) -> None:
    anna = await bot.user()
    await bot.playground.start(anna.id)
    await bot.playground.next_message(anna.id, "Digiwatt assistant")
    await send_old_button(bot, anna.id, data)

    press = await bot.playground.press(anna.id, text="Old")

    answer = await bot.playground.callback_answer(press.callback_query_id)
    assert answer.text == "This button is no longer active."
    shown = await bot.playground.next_message(anna.id, PANEL)
    assert "Weekly recap: off" in shown.content and "Quiet hours: off" in shown.content
    assert await _subscription(bot, anna.id) is None


async def test_an_older_panels_quiet_hours_button_still_does_what_it_says(
    bot: BotHarness,
) -> None:
    anna = await bot.user()
    await bot.playground.start(anna.id)
    await bot.playground.next_message(anna.id, "Digiwatt assistant")
    await send_old_button(bot, anna.id, "set:quiet:20:30-06:30")

    await bot.playground.press(anna.id, text="Old")

    await bot.playground.next_message(anna.id, "Quiet hours: 20:30–06:30")
    subscription = await _subscription(bot, anna.id)
    assert subscription is not None
    assert (subscription.quiet_start, subscription.quiet_end) == ("20:30", "06:30")


async def test_the_recap_comes_on_sunday_only_to_who_chose_it_in_settings(
    alerts: BotHarness, simulator_control: SimulatorControl, simulator_user: Customer
) -> None:
    simulator_control.freeze_clock("2025-06-08T19:00:00+02:00")
    # Quiet hours over the recap's time: it comes anyway, as every recap does, without sound.
    chose_it = await subscribe(
        alerts, simulator_user, name="Rita", enabled=False, quiet=("18:00", "08:00")
    )
    did_not = await subscribe(alerts, name="Dino", enabled=False)
    left = await subscribe(alerts, name="Ugo", enabled=False, weekly=True)

    await alerts.playground.send_text(chose_it, "/settings")
    await alerts.playground.next_message(chose_it, PANEL)
    await alerts.playground.press(chose_it, text="Weekly recap")
    await alerts.playground.next_message(chose_it, "Every Sunday")
    await alerts.playground.press(chose_it, text="Send the recap")
    await alerts.playground.next_message(chose_it, "Weekly recap: every Sunday at 19:00")

    # Ugo had the recap on, then left with /unlink: nothing may reach his chat any more.
    await alerts.playground.send_text(left, "/unlink")
    await alerts.playground.next_message(left, "Unlink this chat")
    await alerts.playground.press(left, text="Unlink")
    await alerts.playground.next_message(left, "no longer linked")

    assert (await dispatch(alerts, SATURDAY, since=SATURDAY - MINUTE)).sent == []
    report = await dispatch(alerts, SUNDAY, since=SUNDAY - MINUTE)

    assert report.sent == [(chose_it, RECAP_KEY)]
    assert report.skipped["not linked"] == 1
    (recap,) = [m for m in await alerts.playground.history(chose_it) if "Your week" in m.content]
    assert recap.silent is True
    for chat_id in (did_not, left):
        assert not [m for m in await alerts.playground.history(chat_id) if "Your week" in m.content]
