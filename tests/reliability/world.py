"""The session playground's world, driven directly: a forged button press, and fast user actions.

The fuzz acts thousands of times: it calls the same world methods the control API's routes
call, on the playground's own loop, without the HTTP round trip (the bot's side is unchanged:
it still polls and answers over HTTP). And a modified Telegram client can send any callback data for any message of the bot (python-telegram-
bot's docs warn about it), while the control API only presses buttons that exist. `forge_press`
makes the world believe such a button was there, so the press reaches the bot exactly like a real
one (a callback query it can and must answer).
"""

from __future__ import annotations

import asyncio
from typing import Any

from playground.server import RunningServer
from playground.text.split import MAX_MESSAGE, split_like_clients
from playground.world.state import World
from playground.world.views import message_view


def _world(server: RunningServer) -> tuple[World, asyncio.AbstractEventLoop]:
    loop = server._loop  # the playground's own event loop, on its thread
    assert loop is not None, "the playground is not running"
    return server.app.state.world, loop


async def on_world(server: RunningServer, action: Any) -> Any:
    """Run `action(world)` on the playground's loop, where every world method must run."""
    world, loop = _world(server)

    async def run() -> Any:
        return action(world)

    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(run(), loop))


async def forge_press(
    server: RunningServer, user_id: int, chat_id: int, message_id: int, data: str
) -> dict[str, Any]:
    """`user_id` presses a button with callback `data` under message `message_id` of `chat_id`,
    whatever that message's keyboard says; returns {"callback_query_id", "update_id"}."""

    def press(world: World) -> dict[str, Any]:
        bot = next(iter(world.bots.values()))

        def any_button(chat: Any, *_: Any) -> tuple[Any, dict[str, Any]]:
            return chat.messages[message_id], {"callback_data": data}

        world._find_button = any_button  # type: ignore[method-assign]  # this one press only
        try:
            result = world.user_presses(bot, user_id, chat_id, message_id, data=data)
        finally:
            del world._find_button
        return {**result, "seq": world.journal.seq}

    return await on_world(server, press)


async def user_sends(
    server: RunningServer, user_id: int, chat_id: int | None, content: dict[str, Any]
) -> list[tuple[dict[str, Any], int | None, int]]:
    """What POST /users/{id}/messages does (a long text goes as several messages, as Telegram's
    apps send it): [(message view, update_id or None, journal seq)]."""

    def send(world: World) -> list[tuple[dict[str, Any], int | None, int]]:
        bot = next(iter(world.bots.values()))
        text = content.get("text")
        parts = (
            [{"text": part} for part in split_like_clients(text)]
            if text is not None and len(text.strip()) > MAX_MESSAGE
            else [content]
        )
        sent = []
        for part in parts:
            message, update_id = world.user_sends(bot, user_id, chat_id, **part)
            sent.append((message_view(message), update_id, world.journal.seq))
        return sent

    return await on_world(server, send)


async def user_edits(
    server: RunningServer, user_id: int, chat_id: int | None, message_id: int, text: str
) -> tuple[int | None, int]:
    """What PATCH /users/{id}/messages/{message_id} does: (update_id or None, journal seq)."""

    def edit(world: World) -> tuple[int | None, int]:
        bot = next(iter(world.bots.values()))
        _message, update_id = world.user_edits(bot, user_id, chat_id, message_id, text)
        return update_id, world.journal.seq

    return await on_world(server, edit)


async def user_presses(
    server: RunningServer, user_id: int, chat_id: int | None, message_id: int, data: str
) -> dict[str, Any]:
    """What POST /users/{id}/press does, for a button that is there."""

    def press(world: World) -> dict[str, Any]:
        bot = next(iter(world.bots.values()))
        result = world.user_presses(bot, user_id, chat_id, message_id, data=data)
        return {**result, "seq": world.journal.seq}

    return await on_world(server, press)


async def bot_messages(server: RunningServer, chat_id: int, newest: int = 10) -> list[Any]:
    """The bot's `newest` messages in a chat, newest first, as (message_id, [callback data])."""

    def read(world: World) -> list[Any]:
        bot = next(iter(world.bots.values()))
        chat = bot.chats.get(chat_id) if chat_id > 0 else world.groups.get(chat_id)
        if chat is None:
            return []
        found = []
        for message in reversed(list(chat.messages.values())):
            if message.sender.get("id") != bot.id:
                continue
            rows = (message.inline_keyboard or {}).get("inline_keyboard", [])
            data = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
            found.append((message.message_id, data))
            if len(found) == newest:
                break
        return found

    return await on_world(server, read)


async def journal_seq(server: RunningServer) -> int:
    """The playground journal's current sequence number."""
    return await on_world(server, lambda world: world.journal.seq)
