"""The pre-handler's chat cache (bot/known_chats.py) never hides a change to the chat's row."""

from __future__ import annotations

import pytest

from bot.known_chats import known_chats
from simulator.customers import Customer
from storage.db import transaction
from storage.models import Chat
from tests.fixtures.app import BotHarness
from tests.fixtures.simulator import SimulatorControl
from tests.integration.conversation_helpers import link_by_token
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
    chat_id = await subscribe(paused(bot), name="Bea")
    await bot.playground.send_text(chat_id, "/help")  # the chat is known and cached
    await bot.playground.next_message(chat_id, "What I can do")
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


async def test_the_cached_link_follows_linking_unlinking_and_erasure(
    bot: BotHarness, simulator_customer: Customer
) -> None:
    """Account features read the link from the process' cache: it must never show data to a
    chat that is no longer linked, nor refuse one just linked."""
    pg = bot.playground
    anna = await bot.user("Anna", language_code="en")
    await pg.send_text(anna.id, "/menu")  # read and cached: not linked
    await pg.next_message(anna.id, "not linked")

    await link_by_token(bot, anna, simulator_customer)
    await pg.drain(anna.id, quiet=0.3)
    await pg.send_text(anna.id, "/menu")  # read again: linked, and cached so
    menu = await pg.next_message(anna.id, lambda m: bool(m.buttons))
    assert len(menu.button_texts) == 9

    await pg.send_text(anna.id, "/unlink")
    await pg.next_message(anna.id, "Unlink this chat")
    await pg.press(anna.id, text="Unlink")
    await pg.next_message(anna.id, "no longer linked")
    await pg.send_text(anna.id, "/menu")
    await pg.next_message(anna.id, "not linked")

    await link_by_token(bot, anna, simulator_customer)
    await pg.drain(anna.id, quiet=0.3)
    await pg.send_text(anna.id, "/menu")
    await pg.next_message(anna.id, lambda m: bool(m.buttons))
    await pg.send_text(anna.id, "/deleteme")
    await pg.next_message(anna.id, "Delete")
    await pg.press(anna.id, text="Yes, delete everything")
    await pg.next_message(anna.id, "Done. I deleted:")
    await pg.send_text(anna.id, "/menu")
    await pg.next_message(anna.id, "not linked")
