"""/settings: language, alerts and their time, reminders; one message edited in place, saved."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import AlertSubscription, Chat
from tests.fixtures.app import BotHarness
from tests.integration.conversation_helpers import italian, send_old_button

PANEL = "Settings"


async def _stored(bot: BotHarness, chat_id: int) -> tuple[Chat | None, AlertSubscription | None]:
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker, read_only=True) as session:
        chat = await session.get(Chat, chat_id)
        subscription = (
            await session.scalars(
                select(AlertSubscription).where(AlertSubscription.chat_id == chat_id)
            )
        ).one_or_none()
        return chat, subscription


async def test_the_language_follows_the_client_until_chosen_and_the_panel_rerenders(
    bot: BotHarness,
) -> None:
    giulia = await bot.user("Giulia", language_code="it")
    await bot.playground.send_text(giulia.id, "/settings")
    panel = await bot.playground.next_message(giulia.id)
    assert italian("<b>Settings</b>").removeprefix("<b>").removesuffix("</b>") in panel.content
    assert "✓ Italiano" in panel.button_texts
    chat, _ = await _stored(bot, giulia.id)
    assert chat is not None and chat.language is None  # nothing chosen yet

    await bot.playground.press(giulia.id, text="English")
    edited = await bot.playground.next_message(giulia.id, "Language: English")
    assert edited.message_id == panel.message_id and edited.edited
    assert "✓ English" in edited.button_texts
    assert "Turn alerts on" in edited.button_texts
    chat, _ = await _stored(bot, giulia.id)
    assert chat is not None and chat.language == "en"

    # The following messages are in English too, though the Telegram client is Italian.
    await bot.playground.send_text(giulia.id, "/help")
    assert "What I can do" in (await bot.playground.next_message(giulia.id)).content

    await bot.playground.press(giulia.id, text="Italiano")
    back = await bot.playground.next_message(giulia.id, "Italiano")
    assert back.message_id == panel.message_id
    await bot.playground.send_text(giulia.id, "/help")
    assert italian("What I can do") in (await bot.playground.next_message(giulia.id)).content


async def test_alerts_time_and_reminders_are_saved_in_one_message(bot: BotHarness) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/settings")
    panel = await bot.playground.next_message(anna.id, PANEL)
    assert "Greenness alerts: off" in panel.content
    assert "“Starting soon” reminders: off" in panel.content
    _, subscription = await _stored(bot, anna.id)
    assert subscription is None  # looking changes nothing

    await bot.playground.press(anna.id, text="Turn alerts on")
    shown = await bot.playground.next_message(anna.id, "every day at 08:00")
    _, subscription = await _stored(bot, anna.id)
    assert subscription is not None and subscription.enabled
    assert subscription.daily_time == "08:00"

    await bot.playground.press(anna.id, text="Alert time: 08:00")
    picker = await bot.playground.next_message(anna.id, "At what time")
    assert "✓ 08:00" in picker.button_texts
    assert {"07:00", "12:00", "21:00", "Type another time"} <= set(picker.button_texts)
    await bot.playground.press(anna.id, text="19:00")
    shown = await bot.playground.next_message(anna.id, "every day at 19:00")
    _, subscription = await _stored(bot, anna.id)
    assert subscription is not None and subscription.daily_time == "19:00"

    await bot.playground.press(anna.id, text="30 min")
    shown = await bot.playground.next_message(anna.id, "30 minutes before")
    assert "✓ 30 min" in shown.button_texts
    _, subscription = await _stored(bot, anna.id)
    assert subscription is not None and subscription.reminder_lead_minutes == 30

    await bot.playground.press(anna.id, text="Turn alerts off")
    shown = await bot.playground.next_message(anna.id, "Greenness alerts: off")
    _, subscription = await _stored(bot, anna.id)
    assert subscription is not None and not subscription.enabled
    assert subscription.reminder_lead_minutes == 30  # independent of the daily alert

    await bot.playground.press(anna.id, text="✓ 30 min")  # pressing the chosen one: no change
    await bot.playground.press(anna.id, text="No reminders")
    await bot.playground.next_message(anna.id, "“Starting soon” reminders: off")
    _, subscription = await _stored(bot, anna.id)
    assert subscription is not None and subscription.reminder_lead_minutes is None

    await bot.playground.press(anna.id, text="Close")
    closed = await bot.playground.next_message(anna.id, "Settings saved")
    assert not closed.buttons
    # Everything happened in the one panel message.
    history = await bot.playground.history(anna.id)
    assert [m.message_id for m in history if m.from_bot] == [panel.message_id]


async def test_typing_a_time_with_bad_input_and_cancel(bot: BotHarness) -> None:
    anna = await bot.user()
    await bot.playground.send_text(anna.id, "/settings")
    panel = await bot.playground.next_message(anna.id, PANEL)
    await bot.playground.press(anna.id, text="Alert time: 08:00")
    await bot.playground.next_message(anna.id, "At what time")
    await bot.playground.press(anna.id, text="Type another time")
    await bot.playground.next_message(anna.id, "Type the time of the daily alert")

    for typed in ("banana", "25:00", "7:75", "y" * 5000):
        await bot.playground.send_text(anna.id, typed)
        hint = await bot.playground.next_message(anna.id, "is not a time")
        assert len(hint.content) < 500
        await bot.playground.drain(anna.id)
    await bot.playground.send_sticker(anna.id)
    assert "type the time as text" in (await bot.playground.next_message(anna.id)).content

    await bot.playground.send_text(anna.id, "6.45")
    await bot.playground.next_message(anna.id, "every day at 06:45")
    refreshed = await bot.playground.next_message(anna.id, PANEL)
    assert refreshed.message_id == panel.message_id
    assert "Greenness alerts: every day at 06:45" in refreshed.content
    _, subscription = await _stored(bot, anna.id)
    assert subscription is not None and subscription.enabled and subscription.daily_time == "06:45"

    # The wait is over: /cancel has nothing to cancel, and a time is just text again.
    await bot.playground.send_text(anna.id, "/cancel")
    assert "nothing to cancel" in (await bot.playground.next_message(anna.id)).content

    # Waiting again, /cancel leaves the time as it was and puts the panel back.
    await bot.playground.press(anna.id, text="Alert time: 06:45")
    await bot.playground.next_message(anna.id, "At what time")
    await bot.playground.press(anna.id, text="Type another time")
    await bot.playground.next_message(anna.id, "Type the time of the daily alert")
    await bot.playground.send_text(anna.id, "/cancel")
    await bot.playground.next_message(anna.id, "the alert time is unchanged")
    await bot.playground.next_message(anna.id, "every day at 06:45")
    _, subscription = await _stored(bot, anna.id)
    assert subscription is not None and subscription.daily_time == "06:45"


async def test_old_and_unknown_buttons_get_a_friendly_answer(bot: BotHarness) -> None:
    anna = await bot.user()
    await bot.playground.start(anna.id)
    await bot.playground.next_message(anna.id, "Digiwatt assistant")
    await send_old_button(bot, anna.id, "set:colour:blue")
    press = await bot.playground.press(anna.id, text="Old")
    answer = await bot.playground.callback_answer(press.callback_query_id)
    assert answer.text == "This button is no longer active."
    assert "Language: English" in (await bot.playground.next_message(anna.id)).content

    for data in ("zzz:whatever", "lnk:cancel", "acc:frobnicate"):
        await send_old_button(bot, anna.id, data)
        press = await bot.playground.press(anna.id, text="Old")
        answer = await bot.playground.callback_answer(press.callback_query_id)
        assert answer.text is not None and "no longer active" in answer.text
        assert "/help" in answer.text
