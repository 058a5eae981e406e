"""Control API: what users see and what the bot did (chats, events, answers, calls, files)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from playground.control.requests import bot_of, path_int, query_int, query_timeout, world_of
from playground.control.views import chat_view
from playground.world.journal import Event
from playground.world.state import World, WorldError


async def get_chat(request: Request) -> dict[str, Any]:
    """A chat's history and input state as its user sees it (?bot=, ?user_id= for groups)."""
    world = world_of(request)
    bot = bot_of(world, request)
    chat_id = path_int(request, "chat_id")
    user_id = query_int(request, "user_id")
    chat = world.find_chat_for_user(bot, chat_id, user_id)
    return chat_view(world, bot, chat_id, chat, user_id if user_id is not None else chat_id)


def _event_filter(bot_id: int | None, chat_id: int | None) -> Callable[[Event], bool]:
    def match(event: Event) -> bool:
        if bot_id is not None and event.bot_id not in (None, bot_id):
            return False
        if chat_id is None:
            return True
        return event.chat_id in (None, chat_id) and (
            event.chat_id is not None or event.bot_id is not None
        )

    return match


async def chat_events(request: Request) -> dict[str, Any]:
    """Events of one chat after ?after=N, waiting up to ?timeout= seconds for the first."""
    world = world_of(request)
    bot = bot_of(world, request)
    chat_id = path_int(request, "chat_id")
    return await _events(request, world, _event_filter(bot.id, chat_id))


async def all_events(request: Request) -> dict[str, Any]:
    """Events of every chat (optionally of one ?bot=) after ?after=N, long-polling like chat_events."""
    world = world_of(request)
    bot_id = bot_of(world, request).id if request.query_params.get("bot") else None
    return await _events(request, world, _event_filter(bot_id, None))


async def _events(request: Request, world: World, match: Callable[[Event], bool]) -> dict[str, Any]:
    after = query_int(request, "after", 0) or 0
    events = await world.journal.wait_events(after, query_timeout(request), match)
    return {
        "events": [e.to_json(world.bot_name(e.bot_id)) for e in events],
        "last_seq": world.journal.seq,
    }


async def callback_query(request: Request) -> dict[str, Any]:
    """Whether the bot answered a press, waiting up to ?timeout= seconds for the answer."""
    world = world_of(request)
    query_id = request.path_params["query_id"]
    for bot in world.bots.values():
        query = bot.callback_queries.get(query_id)
        if query is None:
            continue
        if query.answer is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(query.answered.wait(), query_timeout(request))
        return {"id": query.id, "answered": query.answer is not None, **(query.answer or {})}
    raise WorldError(f"no callback query {query_id}", 404)


async def calls(request: Request) -> dict[str, Any]:
    """Recorded Bot API calls: ?method=a,b (case-insensitive), ?exclude=getUpdates, ?after=N, ?bot=."""
    world = world_of(request)
    after = query_int(request, "after", 0) or 0
    wanted = _names(request.query_params.get("method"))
    excluded = _names(request.query_params.get("exclude"))
    bot_id = bot_of(world, request).id if request.query_params.get("bot") else None
    selected = [
        c
        for c in world.journal.calls
        if c.seq > after
        and (not wanted or c.method.lower() in wanted)
        and c.method.lower() not in excluded
        and (bot_id is None or c.bot_id == bot_id)
    ]
    return {
        "calls": [c.to_json(world.bot_name(c.bot_id)) for c in selected],
        "last_seq": world.journal.seq,
    }


def _names(value: str | None) -> set[str]:
    return {n.strip().lower() for n in (value or "").split(",") if n.strip()}


async def updates(request: Request) -> dict[str, Any]:
    """The bot's unconfirmed updates and its webhook, for debugging."""
    bot = bot_of(world_of(request), request)
    hook = bot.webhook
    return {
        "pending": [u.to_json() for u in bot.updates.pending],
        "webhook": None
        if hook is None
        else {
            "url": hook.url,
            "last_error_date": hook.last_error_date,
            "last_error_message": hook.last_error_message,
        },
    }


async def get_file(request: Request) -> Response:
    """A stored file's bytes by file_id or file_unique_id (photos in the web chat)."""
    stored = world_of(request).files.get(request.path_params["file_id"])
    if stored is None:
        raise WorldError("no such file", 404)
    return Response(stored.data, media_type=stored.mime_type)
