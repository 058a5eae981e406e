"""The pre-handler's chat cache (bot/known_chats.py) never hides a change to the chat's row."""

from __future__ import annotations

import pytest

from bot.known_chats import known_chats
from storage.db import transaction
from storage.models import Chat
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl
from tests.integration.test_alerts import dispatch, paused, subscribe, utc

AT = utc(2025, 6, 2, 6, 0)  # 08:00 in Rome


async def _chat(bot: BotHarness, chat_id: int) -> Chat | None:
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker, read_only=True) as session:
        return await session.get(Chat, chat_id)


@pytest.fixture
def june(simulator_control: SimulatorControl) -> SimulatorControl:
    simulator_control.freeze_clock("2025-06-02T07:00:00+02:00")
    return simulator_control


async def test_a_user_marked_blocked_by_an_alert_is_unblocked_when_writing_again(
    bot: BotHarness, june: SimulatorControl
) -> None:
    chat_id = await subscribe(paused(bot), name="Bea")  # /start: the chat is known and cached
    assert known_chats(bot.application.bot_data).get(chat_id) is not None
    await bot.playground.block(chat_id)
    assert (await dispatch(bot, AT)).blocked == [chat_id]
    chat = await _chat(bot, chat_id)
    assert chat is not None and chat.blocked

    await bot.playground.unblock(chat_id)
    await bot.playground.send_text(chat_id, "/help")
    await bot.playground.next_message(chat_id, "What I can do")
    chat = await _chat(bot, chat_id)
    assert chat is not None and not chat.blocked


async def test_a_chat_erased_with_deleteme_is_created_again_by_its_next_message(
    bot: BotHarness,
) -> None:
    anna = await bot.user("Anna", language_code="en")
    await bot.playground.send_text(anna.id, "/start")
    await bot.playground.next_message(anna.id)
    await bot.playground.send_text(anna.id, "/deleteme")
    await bot.playground.next_message(anna.id, "Delete it?")
    await bot.playground.press(anna.id, text="Yes, delete everything")
    await bot.playground.next_message(anna.id, "Done. I deleted:")
    assert await _chat(bot, anna.id) is None

    await bot.playground.send_text(anna.id, "/help")
    await bot.playground.next_message(anna.id, "What I can do")
    chat = await _chat(bot, anna.id)
    assert chat is not None and chat.client_language == "en"
