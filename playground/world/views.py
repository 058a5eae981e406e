"""A message as the user's Telegram client shows it: the JSON the control API and web chat read."""

from __future__ import annotations

from typing import Any

from playground.text.render_html import to_html
from playground.world.models import Chat, Message

FILES_PREFIX = "/_playground/files/"


def message_view(message: Message) -> dict[str, Any]:
    """Everything the web chat needs to draw one bubble (a snapshot; later edits make new views)."""
    text = message.text
    caption = message.caption
    shown = text or caption
    view: dict[str, Any] = {
        "message_id": message.message_id,
        "chat_id": message.chat.id,
        "from": dict(message.sender),
        "from_bot": message.from_bot,
        "date": message.date,
        "edit_date": message.edit_date,
        "edited": message.edit_date is not None,
        "kind": _kind(message),
        "text": text.text if text else None,
        "entities": text.entity_list() if text else [],
        "caption": caption.text if caption and caption.text else None,
        "caption_entities": caption.entity_list() if caption else [],
        "html": to_html(shown.text, shown.entity_list()) if shown else "",
        "photo": [f.photo_size() for f in message.photo] if message.photo else None,
        "photo_url": FILES_PREFIX + message.photo[-1].file_id if message.photo else None,
        "document": message.document_json() if message.document else None,
        "document_url": FILES_PREFIX + message.document.file_id if message.document else None,
        "sticker": dict(message.sticker) if message.sticker else None,
        "location": dict(message.location) if message.location else None,
        "contact": dict(message.contact) if message.contact else None,
        "inline_keyboard": (message.inline_keyboard or {}).get("inline_keyboard"),
        "reply_markup": message.attached_markup,
        "reply_to_message_id": message.reply_to.message_id if message.reply_to else None,
        "silent": message.silent,
        "link_preview_options": message.link_preview_options,
        "new_chat_members": message.new_chat_members,
    }
    return view


def _kind(message: Message) -> str:
    if message.photo:
        return "photo"
    if message.document:
        return "document"
    if message.sticker:
        return "sticker"
    if message.location:
        return "location"
    if message.contact:
        return "contact"
    if message.new_chat_members:
        return "service"
    return "text"


def chat_summary(chat: Chat) -> dict[str, Any]:
    """The chat itself: id, type, title or the user, members of a group."""
    data: dict[str, Any] = {"id": chat.id, "type": chat.type}
    if chat.type == "private" and chat.user is not None:
        data["user"] = chat.user.to_json()
    else:
        data["title"] = chat.title
        data["member_ids"] = sorted(chat.member_ids)
        data["bot_ids"] = sorted(chat.bot_ids)
    return data
