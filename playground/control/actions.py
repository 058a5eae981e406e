"""Control API: the world and what simulated users do (create, start, send, edit, press, block)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from starlette.requests import Request

from playground.botapi.limits import Limits
from playground.botapi.webhook import WebhookDelivery
from playground.control.requests import body, bot_of, optional_int, path_int, world_of
from playground.control.views import bot_view
from playground.text.split import MAX_MESSAGE, split_like_clients
from playground.world.state import World, WorldError
from playground.world.views import message_view

# What Telegram's clients accept after ?start= in a t.me deep link.
_DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def health(request: Request) -> dict[str, Any]:
    """Liveness, and the bots served."""
    world = world_of(request)
    return {"ok": True, "bots": [b.identity.username for b in world.bots.values()]}


async def list_bots(request: Request) -> list[dict[str, Any]]:
    """Every bot with its names and descriptions."""
    return [bot_view(b) for b in world_of(request).bots.values()]


async def reset(request: Request) -> dict[str, Any]:
    """Forget users, chats, files, calls, limits and bot settings (ids keep growing)."""
    world = world_of(request)
    webhooks: WebhookDelivery = request.app.state.webhooks
    for bot in world.bots.values():
        webhooks.stop(bot)
    world.reset()
    limits: Limits = request.app.state.limits
    limits.clear()
    return {"ok": True, "seq": world.journal.seq}


async def create_user(request: Request) -> dict[str, Any]:
    """A new simulated user."""
    data = await body(request)
    user = world_of(request).create_user(
        str(data.get("first_name") or "Test"),
        user_id=optional_int(data, "id"),
        last_name=data.get("last_name"),
        username=data.get("username"),
        language_code=data.get("language_code", "en"),
    )
    return user.to_json()


async def list_users(request: Request) -> list[dict[str, Any]]:
    """Every simulated user."""
    return [u.to_json() for u in world_of(request).users.values()]


async def get_user(request: Request) -> dict[str, Any]:
    """One user."""
    return world_of(request).user(path_int(request, "user_id")).to_json()


async def update_user(request: Request) -> dict[str, Any]:
    """Change a user's names or language_code."""
    data = await body(request)
    return world_of(request).update_user(path_int(request, "user_id"), data).to_json()


async def block(request: Request) -> dict[str, Any]:
    """The user blocks the bot: its sends to them fail with 403 from now on."""
    return await _set_blocked(request, True)


async def unblock(request: Request) -> dict[str, Any]:
    """The user unblocks the bot."""
    return await _set_blocked(request, False)


async def _set_blocked(request: Request, blocked: bool) -> dict[str, Any]:
    world = world_of(request)
    data = await body(request)
    bot = bot_of(world, request, data)
    world.set_blocked(bot, path_int(request, "user_id"), blocked)
    return {"ok": True, "blocked": blocked, "seq": world.journal.seq}


def _sent(world: World, message: Any, update_id: int | None) -> dict[str, Any]:
    return {"message": message_view(message), "update_id": update_id, "seq": world.journal.seq}


async def start(request: Request) -> dict[str, Any]:
    """The user opens the bot (optionally through a t.me/<bot>?start=<payload> deep link)."""
    world = world_of(request)
    data = await body(request)
    payload = data.get("payload")
    text = "/start"
    if payload not in (None, ""):
        if not isinstance(payload, str) or not _DEEP_LINK_PAYLOAD.fullmatch(payload):
            raise WorldError(
                "a deep-link payload is 1-64 characters of A-Z a-z 0-9 _ -; Telegram would not pass this one"
            )
        text = f"/start {payload}"
    user_id = path_int(request, "user_id")
    bot = bot_of(world, request, data)
    if user_id in bot.blocked_by:
        world.set_blocked(bot, user_id, False)  # "Restart" in a blocked chat unblocks the bot
    message, update_id = world.user_sends(bot, user_id, None, text=text)
    return _sent(world, message, update_id)


async def send(request: Request) -> dict[str, Any]:
    """The user sends text, a photo (base64), a sticker, a location or a contact."""
    world = world_of(request)
    data = await body(request)
    photo = data.get("photo")
    if photo is not None:
        try:
            photo = base64.b64decode(str(photo), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WorldError("photo must be base64-encoded image bytes") from exc
    sticker = data.get("sticker")
    if isinstance(sticker, str):
        sticker = {"emoji": sticker}
    location = data.get("location")
    if location is not None:
        try:
            location = {k: float(location[k]) for k in ("latitude", "longitude")}
        except (TypeError, KeyError, ValueError) as exc:
            raise WorldError("location needs numeric latitude and longitude") from exc
    contact = data.get("contact")
    if contact is not None and not (isinstance(contact, dict) and contact.get("phone_number")):
        raise WorldError("contact needs phone_number")
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise WorldError("text must be a string")
    bot = bot_of(world, request, data)
    user_id = path_int(request, "user_id")
    chat_id = optional_int(data, "chat_id")
    if text is not None and len(text.strip()) > MAX_MESSAGE:
        # Telegram's apps send an over-long text as several messages; so does the playground.
        sent = [
            world.user_sends(bot, user_id, chat_id, text=part) for part in split_like_clients(text)
        ]
        return {
            **_sent(world, sent[0][0], sent[0][1]),
            "messages": [message_view(m) for m, _ in sent],
            "update_ids": [u for _, u in sent],
        }
    message, update_id = world.user_sends(
        bot,
        user_id,
        chat_id,
        text=text,
        caption=data.get("caption"),
        photo=photo,
        sticker=sticker,
        location=location,
        contact=contact,
        reply_to_message_id=optional_int(data, "reply_to_message_id"),
    )
    return _sent(world, message, update_id)


async def edit(request: Request) -> dict[str, Any]:
    """The user edits one of their text messages."""
    world = world_of(request)
    data = await body(request)
    if not isinstance(data.get("text"), str):
        raise WorldError("text is required")
    message, update_id = world.user_edits(
        bot_of(world, request, data),
        path_int(request, "user_id"),
        optional_int(data, "chat_id"),
        path_int(request, "message_id"),
        data["text"],
    )
    return _sent(world, message, update_id)


async def press(request: Request) -> dict[str, Any]:
    """The user presses an inline button, named by callback data or by its text."""
    world = world_of(request)
    data = await body(request)
    result = world.user_presses(
        bot_of(world, request, data),
        path_int(request, "user_id"),
        optional_int(data, "chat_id"),
        optional_int(data, "message_id"),
        data=data.get("data"),
        text=data.get("text"),
    )
    return {**result, "seq": world.journal.seq}


async def create_group(request: Request) -> dict[str, Any]:
    """A group of simulated users with the bots (all of them unless `bots` names some)."""
    world = world_of(request)
    data = await body(request)
    members = data.get("member_ids") or []
    if not isinstance(members, list):
        raise WorldError("member_ids must be a list of user ids")
    chat = world.create_group(
        str(data.get("title") or "Playground group"),
        [int(m) for m in members],
        data.get("bots"),
        bool(data.get("supergroup")),
    )
    return {**chat.to_json(), "member_ids": sorted(chat.member_ids)}
