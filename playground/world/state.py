"""The whole simulated Telegram of a playground: bots, users, chats, files and the journal."""

from __future__ import annotations

import asyncio
from typing import Any

from playground.config import PlaygroundConfig
from playground.world.bots import BotState
from playground.world.errors import WorldError
from playground.world.files import FileStore
from playground.world.journal import Journal
from playground.world.models import Chat, Message, User, now
from playground.world.user_actions import UserActions
from playground.world.views import message_view

FIRST_USER_ID = 700_000_001
FIRST_GROUP_ID = 4_000_001


class World(UserActions):
    """All state; every method runs on the server's event loop, so no locks are needed."""

    def __init__(self, config: PlaygroundConfig) -> None:
        self.config = config
        self.bots: dict[int, BotState] = {b.id: BotState(b) for b in config.bots}
        self._by_token = {b.token: self.bots[b.id] for b in config.bots}
        self._by_username = {b.username.lower(): self.bots[b.id] for b in config.bots}
        self.users: dict[int, User] = {}
        self.groups: dict[int, Chat] = {}
        self.files = FileStore()
        self.journal = Journal(config.max_recorded_calls)
        # Ids only grow, even across resets, so a bot that outlives a reset never mixes people up.
        self._next_user_id = FIRST_USER_ID
        self._next_group_id = FIRST_GROUP_ID
        self._next_callback_id = 1

    # --- lookups -------------------------------------------------------------------------

    def bot_by_token(self, token: str) -> BotState | None:
        """The bot a Bot API token belongs to."""
        return self._by_token.get(token)

    def bot_by_name(self, username: str | None) -> BotState:
        """A bot by username (with or without '@'); the first configured bot when None."""
        if not username:
            return self.bots[self.config.bots[0].id]
        bot = self._by_username.get(username.lstrip("@").lower())
        if bot is None:
            raise WorldError(f"no bot @{username.lstrip('@')} in this playground", 404)
        return bot

    def bot_name(self, bot_id: int | None) -> str | None:
        """A bot's username from its id."""
        bot = self.bots.get(bot_id) if bot_id is not None else None
        return bot.identity.username if bot else None

    def user(self, user_id: int) -> User:
        """A user, or a 404 WorldError."""
        user = self.users.get(user_id)
        if user is None:
            raise WorldError(f"no user {user_id}; create it first", 404)
        return user

    def chat_for_bot(self, bot: BotState, chat_id: int) -> Chat | None:
        """A chat as the bot addresses it: a private chat it has, or a group it is in."""
        chat = bot.chats.get(chat_id)
        if chat is not None:
            return chat
        group = self.groups.get(chat_id)
        if group is not None and bot.id in group.bot_ids:
            return group
        return None

    def find_chat_for_user(
        self, bot: BotState, chat_id: int, user_id: int | None = None
    ) -> Chat | None:
        """A chat as a user sees it, without opening it: the private chat with `bot`, or a group."""
        if chat_id > 0:
            self.user(chat_id)
            return bot.chats.get(chat_id)
        group = self.groups.get(chat_id)
        if group is None:
            raise WorldError(f"no group {chat_id}", 404)
        if user_id is not None and user_id not in group.member_ids:
            raise WorldError(f"user {user_id} is not a member of group {chat_id}", 403)
        return group

    def chat_for_user(self, bot: BotState, chat_id: int, user_id: int | None = None) -> Chat:
        """Like find_chat_for_user, opening the private chat on first use (the user taps 'Start')."""
        chat = self.find_chat_for_user(bot, chat_id, user_id)
        if chat is None:
            chat = self._open_private_chat(bot, self.users[chat_id])
        return chat

    # --- users and groups ----------------------------------------------------------------

    def create_user(
        self,
        first_name: str,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> User:
        """A new simulated user; ids are given out in order unless one is asked for."""
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        elif user_id <= 0:
            raise WorldError("user ids are positive")
        if user_id in self.users or user_id in self.bots:
            raise WorldError(f"user {user_id} already exists", 409)
        if not first_name:
            raise WorldError("first_name is required")
        user = User(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        return user

    def update_user(self, user_id: int, changes: dict[str, Any]) -> User:
        """Change a user's name or language (the web chat's language switch)."""
        user = self.user(user_id)
        for key in ("first_name", "last_name", "username", "language_code"):
            if key in changes:
                setattr(user, key, changes[key])
        return user

    def create_group(
        self, title: str, member_ids: list[int], bot_names: list[str] | None, supergroup: bool
    ) -> Chat:
        """A group with these users and bots; each bot learns it was added (my_chat_member)."""
        for uid in member_ids:
            self.user(uid)
        if not member_ids:
            raise WorldError("a group needs at least one user")
        bots = [self.bot_by_name(n) for n in bot_names] if bot_names else list(self.bots.values())
        gid = self._next_group_id
        self._next_group_id += 1
        chat_id = -(1_000_000_000_000 + gid) if supergroup else -gid
        chat = Chat(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            bot_id=None,
            title=title,
            member_ids=set(member_ids),
            bot_ids={b.id for b in bots},
        )
        self.groups[chat_id] = chat
        adder = self.users[member_ids[0]]
        # One service message says who joined, as Telegram shows it; each bot also gets my_chat_member.
        service = Message(
            chat.allocate_message_id(),
            chat,
            adder.to_json(),
            now(),
            new_chat_members=[b.user_json() for b in bots],
        )
        self._store(None, service)
        for bot in bots:
            self._push_member_change(bot, chat, adder, "left", "member")
            bot.updates.push("message", service.to_json())
        return chat

    def set_blocked(self, bot: BotState, user_id: int, blocked: bool) -> None:
        """The user blocks (or unblocks) the bot; the bot gets my_chat_member as in Telegram."""
        user = self.user(user_id)
        if (user_id in bot.blocked_by) == blocked:
            return
        chat = self.chat_for_user(bot, user_id)
        if blocked:
            bot.blocked_by.add(user_id)
            self._push_member_change(bot, chat, user, "member", "kicked")
        else:
            bot.blocked_by.discard(user_id)
            self._push_member_change(bot, chat, user, "kicked", "member")
        self.journal.add_event(
            "blocked" if blocked else "unblocked", bot.id, chat.id, {"user_id": user_id}
        )

    def _push_member_change(self, bot: BotState, chat: Chat, by: User, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": bot.user_json()}
            if status == "kicked":
                data["until_date"] = 0
            return data

        bot.updates.push(
            "my_chat_member",
            {
                "chat": chat.to_json(),
                "from": by.to_json(),
                "date": now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def _open_private_chat(self, bot: BotState, user: User) -> Chat:
        chat = Chat(id=user.id, type="private", bot_id=bot.id, user=user)
        bot.chats[user.id] = chat
        return chat

    # --- what the bot does (called by the Bot API methods) ---------------------------------

    def bot_message(self, bot: BotState, chat: Chat, **fields: Any) -> Message:
        """Store a message the bot sent and tell the web chat."""
        message = Message(chat.allocate_message_id(), chat, bot.user_json(), now(), **fields)
        chat.action = None  # clients drop "typing..." when the message arrives
        self._store(bot.id if chat.type == "private" else None, message)
        return message

    def bot_edited(self, bot: BotState, message: Message) -> None:
        """Mark a bot message as edited now and tell the web chat."""
        message.edit_date = now()
        self._edited(bot.id if message.chat.type == "private" else None, message)

    def delete_message(self, bot: BotState, chat: Chat, message_id: int) -> None:
        """Remove a message from the chat and tell the web chat."""
        chat.messages.pop(message_id, None)
        self.journal.add_event(
            "delete",
            bot.id if chat.type == "private" else None,
            chat.id,
            {"message_id": message_id},
        )

    def chat_action(self, bot: BotState, chat: Chat, action: str) -> None:
        """Show 'typing' and friends for a few seconds."""
        loop_time = asyncio.get_running_loop().time()
        chat.action = (action, loop_time + self.config.chat_action_seconds)
        self.journal.add_event(
            "action",
            bot.id if chat.type == "private" else None,
            chat.id,
            {"action": action, "expires_in": self.config.chat_action_seconds},
        )

    def _store(self, bot_id: int | None, message: Message) -> None:
        message.chat.messages[message.message_id] = message
        self.journal.add_event(
            "message", bot_id, message.chat.id, {"message": message_view(message)}
        )

    def _edited(self, bot_id: int | None, message: Message) -> None:
        self.journal.add_event("edit", bot_id, message.chat.id, {"message": message_view(message)})

    # --- lifecycle -----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget users, chats, files, calls and bot settings; ids and update ids keep growing."""
        for bot in self.bots.values():
            bot.reset()
        self.users.clear()
        self.groups.clear()
        self.files.clear()
        self.journal.clear()

    def close(self) -> None:
        """Wake every long poll (getUpdates and control API) so the server can stop now."""
        for bot in self.bots.values():
            bot.updates.close()
        self.journal.close()


__all__ = ["World", "WorldError"]
