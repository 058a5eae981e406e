"""What simulated users do: send, edit, press buttons; and which bots get the updates."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from playground.text.auto_entities import auto_entities
from playground.text.formatted import trim
from playground.world.bots import BotState, CallbackQuery
from playground.world.errors import WorldError
from playground.world.files import FileStore, PhotoError
from playground.world.journal import Journal
from playground.world.models import Chat, Message, User, now


class UserActions:
    """The users' side of World (a mixin: World provides the state these methods use)."""

    bots: dict[int, BotState]
    users: dict[int, User]
    files: FileStore
    journal: Journal
    _next_callback_id: int

    if TYPE_CHECKING:  # provided by World

        def user(self, user_id: int) -> User: ...
        def chat_for_user(
            self, bot: BotState, chat_id: int, user_id: int | None = None
        ) -> Chat: ...
        def _store(self, bot_id: int | None, message: Message) -> None: ...
        def _edited(self, bot_id: int | None, message: Message) -> None: ...

    def user_sends(
        self,
        bot: BotState,
        user_id: int,
        chat_id: int | None,
        *,
        text: str | None = None,
        caption: str | None = None,
        photo: bytes | None = None,
        sticker: dict[str, Any] | None = None,
        location: dict[str, Any] | None = None,
        contact: dict[str, Any] | None = None,
        reply_to_message_id: int | None = None,
    ) -> tuple[Message, int | None]:
        """A user sends a message; returns it and the update_id the bot gets (None if it gets none)."""
        user = self.user(user_id)
        chat = self.chat_for_user(bot, chat_id if chat_id is not None else user_id, user_id)
        if chat.type == "private" and user_id in bot.blocked_by:
            raise WorldError("this user has blocked the bot: unblock it first", 409)
        contents = [c for c in (text, photo, sticker, location, contact) if c is not None]
        if len(contents) != 1:
            raise WorldError("send exactly one of text, photo, sticker, location, contact")
        message = Message(chat.allocate_message_id(), chat, user.to_json(), now())
        if text is not None:
            formatted = trim(text, auto_entities(text))
            if not formatted.text:
                raise WorldError("a message needs some text")
            if len(formatted.text) > 4096:
                raise WorldError("Telegram's apps send at most 4096 characters per message")
            message.text = formatted
        elif photo is not None:
            try:
                message.photo = self.files.put_photo(photo)
            except PhotoError as exc:
                raise WorldError(f"not a usable photo: {exc}") from exc
            if caption:
                message.caption = trim(caption, auto_entities(caption))
        elif sticker is not None:
            message.sticker = self._sticker(sticker)
        elif location is not None:
            message.location = {
                "latitude": float(location["latitude"]),
                "longitude": float(location["longitude"]),
            }
        elif contact is not None:
            message.contact = {
                "phone_number": str(contact["phone_number"]),
                "first_name": str(contact.get("first_name") or user.first_name),
                "user_id": int(contact.get("user_id", user.id)),
            }
        reply_to_message_id = reply_to_message_id or self._forced_reply(chat)
        if reply_to_message_id is not None:
            message.reply_to = chat.messages.get(reply_to_message_id)
            if message.reply_to is None:
                raise WorldError(f"no message {reply_to_message_id} in chat {chat.id} to reply to")
        chat.force_reply = None
        if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None  # the client hides a one-time keyboard once used
        self._store(bot.id if chat.type == "private" else None, message)
        update_id = self._deliver_user_message(chat, message, "message")
        return message, update_id

    def _sticker(self, sticker: dict[str, Any]) -> dict[str, Any]:
        emoji = str(sticker.get("emoji") or "👍")
        # Any small image stands in for the sticker's file; the bot rarely downloads one.
        stored = self.files.put(
            emoji.encode(), kind="sticker", mime_type="image/webp", width=512, height=512
        )
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": str(sticker.get("set_name") or "PlaygroundStickers"),
            "file_size": stored.file_size,
        }

    def _forced_reply(self, chat: Chat) -> int | None:
        return chat.force_reply.get("message_id") if chat.force_reply else None

    def user_edits(
        self, bot: BotState, user_id: int, chat_id: int | None, message_id: int, text: str
    ) -> tuple[Message, int | None]:
        """A user edits one of their text messages; the bot gets edited_message."""
        chat = self.chat_for_user(bot, chat_id if chat_id is not None else user_id, user_id)
        message = chat.messages.get(message_id)
        if message is None:
            raise WorldError(f"no message {message_id} in chat {chat.id}", 404)
        if message.sender.get("id") != user_id or message.text is None:
            raise WorldError("a user can edit only their own text messages")
        formatted = trim(text, auto_entities(text))
        if not formatted.text:
            raise WorldError("a message needs some text")
        if formatted == message.text:
            raise WorldError("the text did not change")
        message.text = formatted
        message.edit_date = now()
        self._edited(bot.id if chat.type == "private" else None, message)
        update_id = self._deliver_user_message(chat, message, "edited_message")
        return message, update_id

    def user_presses(
        self,
        bot: BotState,
        user_id: int,
        chat_id: int | None,
        message_id: int | None,
        *,
        data: str | None = None,
        text: str | None = None,
    ) -> dict[str, Any]:
        """A user presses an inline button (by its callback data or its text) under a bot message."""
        user = self.user(user_id)
        chat = self.chat_for_user(bot, chat_id if chat_id is not None else user_id, user_id)
        message, button = self._find_button(chat, bot, message_id, data, text)
        if "url" in button:
            return {"url": button["url"], "callback_query_id": None, "update_id": None}
        if "callback_data" not in button:
            raise WorldError("the playground can press only callback and URL buttons")
        query_id = str(4_200_000_000_000_000 + self._next_callback_id)
        self._next_callback_id += 1
        query = CallbackQuery(
            id=query_id,
            user_id=user_id,
            chat_key=chat.key,
            message_id=message.message_id,
            data=button["callback_data"],
            created=asyncio.get_running_loop().time(),
        )
        bot.callback_queries[query_id] = query
        payload = {
            "id": query_id,
            "from": user.to_json(),
            "message": message.to_json(),
            "chat_instance": str(abs(hash((bot.id, chat.id))) % 10**18),
            "data": button["callback_data"],
        }
        update = bot.updates.push("callback_query", payload)
        self.journal.add_event(
            "press",
            bot.id if chat.type == "private" else None,
            chat.id,
            {
                "user_id": user_id,
                "message_id": message.message_id,
                "callback_query_id": query_id,
                "data": button["callback_data"],
                "button_text": button.get("text"),
            },
        )
        return {
            "callback_query_id": query_id,
            "url": None,
            "update_id": update.update_id if update else None,
        }

    def _find_button(
        self,
        chat: Chat,
        bot: BotState,
        message_id: int | None,
        data: str | None,
        text: str | None,
    ) -> tuple[Message, dict[str, Any]]:
        if data is None and text is None:
            raise WorldError("say which button: its callback data or its text")
        if message_id is not None:
            message = chat.messages.get(message_id)
            if message is None:
                raise WorldError(f"no message {message_id} in chat {chat.id}", 404)
            candidates = [message]
        else:  # the newest bot message that has such a button, as a person would look for it
            candidates = [
                m for m in reversed(chat.messages.values()) if m.sender.get("id") == bot.id
            ]
        for message in candidates:
            for row in (message.inline_keyboard or {}).get("inline_keyboard", []):
                for button in row:
                    if (data is not None and button.get("callback_data") == data) or (
                        text is not None and button.get("text") == text
                    ):
                        return message, button
        where = f"message {message_id}" if message_id is not None else "any bot message"
        wanted = f"data {data!r}" if data is not None else f"text {text!r}"
        raise WorldError(f"no inline button with {wanted} under {where} in chat {chat.id}", 404)

    def _deliver_user_message(self, chat: Chat, message: Message, kind: str) -> int | None:
        """Queue the update for the bot of a private chat, or for each group bot that may see it."""
        if chat.type == "private":
            bot = self.bots[chat.bot_id] if chat.bot_id is not None else None
            if bot is None:
                return None
            update = bot.updates.push(kind, message.to_json())
            return update.update_id if update else None
        first: int | None = None
        for bot_id in sorted(chat.bot_ids):
            bot = self.bots[bot_id]
            if bot.identity.privacy_mode and not self._visible_in_group(bot, message):
                continue
            update = bot.updates.push(kind, message.to_json())
            if update and first is None:
                first = update.update_id
        return first

    @staticmethod
    def _visible_in_group(bot: BotState, message: Message) -> bool:
        """Privacy mode: commands, replies to the bot and mentions of it reach the bot."""
        if message.reply_to is not None and message.reply_to.sender.get("id") == bot.id:
            return True
        formatted = message.text or message.caption
        if formatted is None:
            return False
        name = "@" + bot.identity.username.lower()
        raw = formatted.text.encode("utf-16-le")
        for entity in formatted.entities:
            part = raw[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2]
            value = part.decode("utf-16-le").lower()
            if entity["type"] == "bot_command" and ("@" not in value or value.endswith(name)):
                return True
            if entity["type"] == "mention" and value == name:
                return True
        return False
