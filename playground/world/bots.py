"""What Telegram keeps per bot: its update queue, webhook, commands, texts and private chats."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from playground.config import BotIdentity
from playground.world.models import Chat
from playground.world.updates import UpdateQueue


@dataclass
class Webhook:
    """A webhook set with setWebhook, and how its deliveries went."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackQuery:
    """A button press waiting for answerCallbackQuery."""

    id: str
    user_id: int
    chat_key: tuple[int | None, int]
    message_id: int
    data: str | None
    created: float  # loop time
    answer: dict[str, Any] | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)


def scope_key(scope: dict[str, Any] | None) -> str:
    """A hashable key for a BotCommandScope (its type plus chat_id/user_id when it has them)."""
    scope = scope or {"type": "default"}
    parts = {k: scope[k] for k in ("type", "chat_id", "user_id") if k in scope}
    return json.dumps(parts, sort_keys=True)


class BotState:
    """One bot as Telegram's servers know it."""

    def __init__(self, identity: BotIdentity) -> None:
        self.identity = identity
        self.updates = UpdateQueue()
        self.webhook: Webhook | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.texts: dict[tuple[str, str], str] = {}  # (name|description|short_description, lang)
        self.chats: dict[int, Chat] = {}  # private chats by user id
        self.blocked_by: set[int] = set()
        self.callback_queries: dict[str, CallbackQuery] = {}

    @property
    def id(self) -> int:
        """The bot's user id."""
        return self.identity.id

    def user_json(self) -> dict[str, Any]:
        """The bot as a Bot API `User` inside messages."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.texts.get(("name", ""), self.identity.first_name),
            "username": self.identity.username,
        }

    def me_json(self) -> dict[str, Any]:
        """getMe's answer."""
        return {
            **self.user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.identity.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def reset(self) -> None:
        """Forget chats, commands and settings; the update ids keep growing (pollers keep offsets)."""
        self.updates.drop_pending()
        self.updates.set_allowed([])
        self.updates.reopen()
        self.webhook = None
        self.commands.clear()
        self.menu_buttons.clear()
        self.texts.clear()
        self.chats.clear()
        self.blocked_by.clear()
        self.callback_queries.clear()

    def effective_commands(
        self, chat: Chat, user_id: int | None, language_code: str | None
    ) -> list[dict[str, str]]:
        """The command menu a user's client shows, resolved in Telegram's documented order."""
        lang = (language_code or "")[:2].lower()
        scopes: list[dict[str, Any]] = []
        if chat.type == "private":
            scopes += [{"type": "chat", "chat_id": chat.id}, {"type": "all_private_chats"}]
        else:
            if user_id is not None:
                scopes.append({"type": "chat_member", "chat_id": chat.id, "user_id": user_id})
            scopes += [{"type": "chat", "chat_id": chat.id}, {"type": "all_group_chats"}]
        scopes.append({"type": "default"})
        for scope in scopes:
            key = scope_key(scope)
            for language in (lang, "") if lang else ("",):
                commands = self.commands.get((key, language))
                if commands:
                    return [dict(c) for c in commands]
        return []

    def text_for(self, name: str, language_code: str | None) -> str:
        """A per-language bot text (description, short description), falling back to the default."""
        lang = (language_code or "")[:2].lower()
        return self.texts.get((name, lang)) or self.texts.get((name, ""), "")
