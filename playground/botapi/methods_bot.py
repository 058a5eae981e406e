"""getMe, commands, menu button, names and descriptions, getChat, getFile, answerCallbackQuery."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playground.botapi.chats import chat_to_read
from playground.botapi.errors import STALE_QUERY, bad_request
from playground.botapi.params import Params
from playground.botapi.registry import Context, method
from playground.world.bots import scope_key

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"(?:[a-z]{2})?")
_SCOPES = {
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
}  # fmt: skip


@method("getMe")
async def get_me(ctx: Context, p: Params) -> dict[str, Any]:
    """The bot's own User object."""
    return ctx.bot.me_json()


def _scope_and_language(ctx: Context, p: Params) -> tuple[str, str]:
    scope = p.get_json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"].startswith("chat") and "chat_id" not in scope:
        raise bad_request("chat_id is empty")
    if scope["type"] == "chat_member" and "user_id" not in scope:
        raise bad_request("user_id is empty")
    language = p.get_str("language_code") or ""
    if not _LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return scope_key(scope), language


def _scope_event(ctx: Context) -> None:
    ctx.world.journal.add_event("commands", ctx.bot.id, None, {})


@method("setMyCommands")
async def set_my_commands(ctx: Context, p: Params) -> bool:
    """Commands for a scope and language; an empty list deletes them."""
    commands = p.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    cleaned = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse commands JSON object")
        name = str(command.get("command", "")).lstrip("/")
        description = str(command.get("description", "")).strip()
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("command description must be non-empty")
        cleaned.append({"command": name, "description": description})
    key = _scope_and_language(ctx, p)
    if cleaned:
        ctx.bot.commands[key] = cleaned
    else:
        ctx.bot.commands.pop(key, None)
    _scope_event(ctx)
    return True


@method("getMyCommands")
async def get_my_commands(ctx: Context, p: Params) -> list[dict[str, str]]:
    """Exactly the commands set for this scope and language (no fallback, as in Telegram)."""
    return [dict(c) for c in ctx.bot.commands.get(_scope_and_language(ctx, p), [])]


@method("deleteMyCommands")
async def delete_my_commands(ctx: Context, p: Params) -> bool:
    """Remove the commands of a scope and language."""
    ctx.bot.commands.pop(_scope_and_language(ctx, p), None)
    _scope_event(ctx)
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(ctx: Context, p: Params) -> bool:
    """The menu button of one private chat, or the default one."""
    chat_id = p.get_int("chat_id")
    button = p.get_json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    if button["type"] == "default":
        ctx.bot.menu_buttons.pop(chat_id, None)
    else:
        ctx.bot.menu_buttons[chat_id] = dict(button)
    _scope_event(ctx)
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(ctx: Context, p: Params) -> dict[str, Any]:
    """The menu button a chat shows."""
    chat_id = p.get_int("chat_id")
    buttons = ctx.bot.menu_buttons
    return dict(buttons.get(chat_id) or buttons.get(None) or {"type": "commands"})


def _text_methods(name: str, field: str, limit: int) -> None:
    setter = "setMy" + name
    getter = "getMy" + name

    async def set_text(ctx: Context, p: Params) -> bool:
        value = (p.get_str(field) or "").strip()
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        key = (field, p.get_str("language_code") or "")
        if value:
            ctx.bot.texts[key] = value
        else:
            ctx.bot.texts.pop(key, None)
        _scope_event(ctx)
        return True

    async def get_text(ctx: Context, p: Params) -> dict[str, str]:
        return {
            field: ctx.bot.text_for(field, p.get_str("language_code"))
            or (ctx.bot.identity.first_name if field == "name" else "")
        }

    set_text.__doc__ = f"{setter}: the bot's {field} for a language."
    get_text.__doc__ = f"{getter}: the bot's {field} for a language."
    method(setter)(set_text)
    method(getter)(get_text)


_text_methods("Name", "name", 64)
_text_methods("Description", "description", 512)
_text_methods("ShortDescription", "short_description", 120)


@method("getChat")
async def get_chat(ctx: Context, p: Params) -> dict[str, Any]:
    """Full information about a chat the bot is in."""
    chat = chat_to_read(ctx, p)
    return {
        **chat.to_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


@method("getFile")
async def get_file(ctx: Context, p: Params) -> dict[str, Any]:
    """A file's path for downloading it from /file/bot<token>/<file_path>."""
    stored = ctx.world.files.get(p.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.file_json()


@method("answerCallbackQuery")
async def answer_callback_query(ctx: Context, p: Params) -> bool:
    """Answer a button press (a toast or an alert); a stale or repeated answer fails like Telegram."""
    query_id = p.get_str("callback_query_id") or ""
    query = ctx.bot.callback_queries.get(query_id)
    now = asyncio.get_running_loop().time()
    timeout = ctx.world.config.callback_answer_timeout
    if query is None or query.answer is not None or now - query.created > timeout:
        raise bad_request(STALE_QUERY)
    text = p.get_str("text") or ""
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {
        "text": text or None,
        "show_alert": p.get_bool("show_alert"),
        "url": p.get_str("url"),
        "cache_time": p.get_int("cache_time") or 0,
    }
    query.answered.set()
    bot_id, chat_id = query.chat_key
    ctx.world.journal.add_event(
        "callback_answer",
        bot_id,
        chat_id,
        {"callback_query_id": query.id, "message_id": query.message_id, **query.answer},
    )
    return True
