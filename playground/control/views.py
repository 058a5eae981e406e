"""Composite views of the control API: a chat as its user sees it, bots, pending updates."""

from __future__ import annotations

import asyncio
from typing import Any

from playground.world.bots import BotState
from playground.world.models import Chat
from playground.world.state import World
from playground.world.views import chat_summary, message_view


def bot_view(bot: BotState, language_code: str | None = None) -> dict[str, Any]:
    """A bot's public face: names and the descriptions an empty chat shows."""
    return {
        "id": bot.id,
        "username": bot.identity.username,
        "first_name": bot.user_json()["first_name"],
        "description": bot.text_for("description", language_code),
        "short_description": bot.text_for("short_description", language_code),
        "webhook_url": bot.webhook.url if bot.webhook else None,
    }


def chat_view(
    world: World, bot: BotState, chat_id: int, chat: Chat | None, user_id: int | None
) -> dict[str, Any]:
    """History and input-field state of a chat, as the user `user_id` sees it."""
    viewer = world.users.get(user_id if user_id is not None else chat_id)
    language = viewer.language_code if viewer else None
    action = None
    if chat is not None and chat.action is not None:
        remaining = chat.action[1] - asyncio.get_running_loop().time()
        if remaining > 0:
            action = {"action": chat.action[0], "expires_in": round(remaining, 2)}
    if chat is None:
        summary: dict[str, Any] = {"id": chat_id, "type": "private"}
        if viewer is not None:
            summary["user"] = viewer.to_json()
    else:
        summary = chat_summary(chat)
    return {
        "chat": summary,
        "bot": bot_view(bot, language),
        "started": chat is not None,
        "messages": [message_view(m) for m in chat.messages.values()] if chat else [],
        "reply_keyboard": chat.reply_keyboard if chat else None,
        "force_reply": chat.force_reply if chat else None,
        "action": action,
        "commands": bot.effective_commands(chat, user_id, language)
        if chat
        else _default_commands(bot, language),
        "menu_button": dict(
            bot.menu_buttons.get(chat_id) or bot.menu_buttons.get(None) or {"type": "commands"}
        ),
        "blocked": chat_id in bot.blocked_by,
        "last_seq": world.journal.seq,
    }


def _default_commands(bot: BotState, language: str | None) -> list[dict[str, str]]:
    placeholder = Chat(id=0, type="private", bot_id=bot.id)
    return bot.effective_commands(placeholder, None, language)
