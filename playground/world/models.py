"""Users, chats and messages, and how each looks in the Bot API's JSON."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from playground.text.formatted import FormattedText
from playground.world.files import StoredFile


def now() -> int:
    """Telegram's dates are whole Unix seconds."""
    return int(time.time())


@dataclass
class User:
    """A simulated Telegram user (never a bot)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False

    def to_json(self) -> dict[str, Any]:
        """The Bot API `User` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data


@dataclass
class Chat:
    """A private chat of one bot with one user, or a group shared by users and bots."""

    id: int
    type: str  # private, group, supergroup
    bot_id: int | None  # the bot of a private chat; None for groups
    user: User | None = None  # the other side of a private chat
    title: str | None = None
    member_ids: set[int] = field(default_factory=set)
    bot_ids: set[int] = field(default_factory=set)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    # What the user's client shows under the input field (set by the last reply keyboard sent).
    reply_keyboard: dict | None = None
    force_reply: dict | None = None  # {"message_id": ..., "input_field_placeholder": ...}
    action: tuple[str, float] | None = None  # (action, monotonic expiry)

    @property
    def key(self) -> tuple[int | None, int]:
        """Private chats are per bot (Telegram gives each bot the user's id as chat id)."""
        return (self.bot_id, self.id)

    def to_json(self) -> dict[str, Any]:
        """The Bot API `Chat` object."""
        if self.type == "private" and self.user is not None:
            data: dict[str, Any] = {
                "id": self.id,
                "type": "private",
                "first_name": self.user.first_name,
            }
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.type == "group":
            data["all_members_are_administrators"] = True
        return data

    def allocate_message_id(self) -> int:
        """Message ids grow by one per chat, as Telegram numbers them."""
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


@dataclass
class Message:
    """One message in a chat, with enough state to answer the bot and draw the web chat."""

    message_id: int
    chat: Chat
    sender: dict[str, Any]  # Bot API `User` JSON of whoever sent it
    date: int
    text: FormattedText | None = None
    caption: FormattedText | None = None
    photo: list[StoredFile] | None = None  # sizes, smallest first
    document: StoredFile | None = None
    document_name: str | None = None
    sticker: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    # Only inline keyboards belong to a message; reply keyboards change the user's input field.
    inline_keyboard: dict | None = None
    attached_markup: dict | None = None  # any reply_markup sent with it (for the web chat)
    reply_to: Message | None = None
    edit_date: int | None = None
    silent: bool = False
    protect_content: bool = False
    link_preview_options: dict | None = None
    new_chat_members: list[dict] | None = None
    show_caption_above_media: bool = False
    has_media_spoiler: bool = False

    def document_json(self) -> dict[str, Any]:
        """The Bot API `Document` object of this message's file."""
        assert self.document is not None
        data: dict[str, Any] = {
            "file_id": self.document.file_id,
            "file_unique_id": self.document.file_unique_id,
            "mime_type": self.document.mime_type,
            "file_size": self.document.file_size,
        }
        if self.document_name:
            data["file_name"] = self.document_name
        return data

    @property
    def from_bot(self) -> bool:
        """Whether a bot sent it."""
        return bool(self.sender.get("is_bot"))

    def to_json(self, *, with_reply: bool = True) -> dict[str, Any]:
        """The Bot API `Message` object."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": dict(self.sender),
            "chat": self.chat.to_json(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_json(with_reply=False)
        if self.text is not None:
            data["text"] = self.text.text
            if self.text.entities:
                data["entities"] = self.text.entity_list()
            if self.link_preview_options:
                data["link_preview_options"] = dict(self.link_preview_options)
        if self.photo:
            data["photo"] = [f.photo_size() for f in self.photo]
        if self.document:
            data["document"] = self.document_json()
        if self.sticker:
            data["sticker"] = dict(self.sticker)
        if self.location:
            data["location"] = dict(self.location)
        if self.contact:
            data["contact"] = dict(self.contact)
        if self.caption is not None and self.caption.text:
            data["caption"] = self.caption.text
            if self.caption.entities:
                data["caption_entities"] = self.caption.entity_list()
            if self.show_caption_above_media:
                data["show_caption_above_media"] = True
        if self.has_media_spoiler:
            data["has_media_spoiler"] = True
        if self.new_chat_members:
            data["new_chat_members"] = [dict(m) for m in self.new_chat_members]
        if self.protect_content:
            data["has_protected_content"] = True
        if self.inline_keyboard:
            data["reply_markup"] = self.inline_keyboard
        return data
