"""PlaygroundClient: waiting for the bot, pressing buttons, and the simulated users' side of things."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from playground.client import PlaygroundClient, PlaygroundError, PlaygroundTimeout
from tests.fixtures.botapi import BOT_TOKEN


@pytest.fixture
async def bot(botapi_url: str) -> AsyncIterator[Bot]:
    """A bare PTB Bot on the playground, standing in for the bot's handlers."""
    async with Bot(
        BOT_TOKEN, base_url=f"{botapi_url}/bot", base_file_url=f"{botapi_url}/file/bot"
    ) as bot:
        yield bot


async def test_wait_for_sees_replies_sent_before_it_was_called(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Alba")
    await playground.start(user.id)
    await bot.send_message(user.id, "first")
    await bot.send_message(user.id, "second")
    await bot.send_message(user.id, "third")
    assert [m.text for m in await playground.wait_for(user.id, count=2)] == ["first", "second"]
    assert (await playground.next_message(user.id)).text == "third"
    with pytest.raises(PlaygroundTimeout):
        await playground.next_message(user.id, timeout=0.2)


async def test_predicates_skip_what_does_not_match(bot: Bot, playground: PlaygroundClient) -> None:
    user = await playground.create_user("Bruno")
    await playground.start(user.id)
    await bot.send_message(user.id, "Loading…")
    await bot.send_message(user.id, "Your consumption: 12.5 kWh")
    by_text = await playground.next_message(user.id, "kWh")
    assert by_text.text == "Your consumption: 12.5 kWh"
    await playground.send_text(user.id, "again")
    await bot.send_message(user.id, "Today 3.1 kWh")
    by_regex = await playground.next_message(user.id, re.compile(r"\d+\.\d kWh"))
    assert by_regex.text == "Today 3.1 kWh"


async def test_a_timeout_says_what_the_bot_did_instead(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Cesare")
    await playground.send_text(user.id, "/chart")
    await bot.send_message(user.id, "Something went wrong")
    with pytest.raises(BadRequest):
        await bot.send_message(user.id, "<b>broken", parse_mode="HTML")
    with pytest.raises(PlaygroundTimeout) as caught:
        await playground.next_message(user.id, "chart", timeout=0.3)
    report = str(caught.value)
    assert "Something went wrong" in report
    assert "sendMessage: Bad Request: can't parse entities" in report


async def test_drain_collects_until_the_chat_is_quiet(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Dora")
    await playground.send_text(user.id, "hello")
    assert await playground.drain(user.id, quiet=0.2) == []
    await playground.send_text(user.id, "hello again")
    first = await bot.send_message(user.id, "one")
    await first.edit_text("one, edited")
    assert [(m.text, m.edited) for m in await playground.drain(user.id, quiet=0.2)] == [
        ("one", False),
        ("one, edited", True),
    ]


async def test_buttons_are_pressed_only_if_they_exist(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Enzo")
    await playground.start(user.id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Open portal", url="https://digiwatt.example"),
                InlineKeyboardButton("Yes", callback_data="y"),
            ]
        ]
    )
    sent = await bot.send_message(user.id, "Choose", reply_markup=keyboard)
    link = await playground.press(user.id, sent.message_id, text="Open portal")
    assert (link.url, link.callback_query_id) == ("https://digiwatt.example", None)
    with pytest.raises(PlaygroundError) as missing:
        await playground.press(user.id, sent.message_id, "n")
    assert missing.value.status == 404
    await sent.edit_reply_markup(None)
    with pytest.raises(PlaygroundError):
        await playground.press(user.id, text="Yes")  # the keyboard is gone


async def test_deep_link_payloads_follow_telegrams_rules(playground: PlaygroundClient) -> None:
    user = await playground.create_user("Fede")
    with pytest.raises(PlaygroundError, match="1-64 characters"):
        await playground.start(user.id, "has space")
    with pytest.raises(PlaygroundError):
        await playground.start(user.id, "x" * 65)
    assert (await playground.start(user.id, "A-z_09" * 10 + "abcd")).text.endswith("abcd")


async def test_blocking_stops_the_user_until_they_restart(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Gaia")
    await playground.start(user.id)
    await playground.block(user.id)
    assert (await playground.chat(user.id)).blocked
    with pytest.raises(PlaygroundError) as refused:
        await playground.send_text(user.id, "hello?")
    assert refused.value.status == 409
    await playground.start(user.id)  # "Restart" unblocks, as in Telegram
    assert not (await playground.chat(user.id)).blocked
    assert (await bot.send_message(user.id, "welcome back")).text == "welcome back"


async def test_force_reply_makes_the_next_message_a_reply(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Ivo")
    await playground.start(user.id)
    question = await bot.send_message(
        user.id, "Your POD?", reply_markup=ForceReply(input_field_placeholder="IT001E...")
    )
    assert (await playground.chat(user.id)).force_reply["input_field_placeholder"] == "IT001E..."
    answer = await playground.send_text(user.id, "IT001E12345678")
    assert answer.reply_to_message_id == question.message_id
    assert (await playground.chat(user.id)).force_reply is None


async def test_users_side_by_side_see_only_their_chats(
    bot: Bot, playground: PlaygroundClient
) -> None:
    anna = await playground.create_user("Anna", language_code="it")
    bea = await playground.create_user("Bea", language_code="en")
    await playground.start(anna.id)
    await playground.start(bea.id)
    await bot.send_message(anna.id, "Ciao Anna")
    await bot.send_message(bea.id, "Hi Bea")
    assert [m.content for m in await playground.history(anna.id)] == ["/start", "Ciao Anna"]
    assert [m.content for m in await playground.history(bea.id)] == ["/start", "Hi Bea"]
    await playground.set_language(bea.id, "it")
    await playground.send_text(bea.id, "ciao")
    updates = await bot.get_updates()
    assert [(u.effective_user.first_name, u.effective_user.language_code) for u in updates] == [
        ("Anna", "it"),
        ("Bea", "en"),
        ("Bea", "it"),
    ]


async def test_events_long_poll_wakes_on_the_next_event(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Lia")
    await playground.start(user.id)
    since = await playground.mark(user.id)
    waiting = asyncio.create_task(playground.events(user.id, after=since, timeout=30))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await bot.send_chat_action(user.id, "typing")
    events, last = await asyncio.wait_for(waiting, 5)
    assert [(e["type"], e["action"]) for e in events] == [("action", "typing")]
    assert (await playground.chat(user.id)).action["action"] == "typing"
    assert last >= events[-1]["seq"]


async def test_reset_forgets_the_world_but_not_the_update_ids(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Mino")
    await playground.start(user.id)
    before = (await bot.get_updates())[-1].update_id
    await playground.reset()
    with pytest.raises(PlaygroundError):
        await playground.history(user.id)
    again = await playground.create_user("Mino")
    assert again.id != user.id
    await playground.start(again.id)
    assert (await bot.get_updates())[-1].update_id > before


async def test_an_over_long_text_arrives_in_parts_like_telegrams_apps_send_it(
    bot: Bot, playground: PlaygroundClient
) -> None:
    user = await playground.create_user("Nico")
    words = "word " * 1200  # 6,000 characters
    first = await playground.send_text(user.id, words)
    texts = [m.text for m in await playground.history(user.id)]
    assert first.text == texts[0]
    assert [len(t) for t in texts] == [4094, 1904]
    assert all(len(t) <= 4096 for t in texts)
    assert [u.message.text for u in await bot.get_updates()] == texts
