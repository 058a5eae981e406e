"""sendMessage, sendPhoto, sendChatAction, deleteMessage(s)."""

from __future__ import annotations

from typing import Any

from playground.botapi.chats import chat_to_read, chat_to_write, formatted, reply_target
from playground.botapi.errors import bad_request
from playground.botapi.markup import parse_markup
from playground.botapi.media import document_from, photo_from
from playground.botapi.params import Params
from playground.botapi.registry import Context, method
from playground.world.models import Chat, Message

CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})  # fmt: skip


def inline_part(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The inline keyboard a message keeps (an empty one is none)."""
    return markup if markup and markup.get("inline_keyboard") else None


def apply_to_chat(chat: Chat, message: Message, markup: dict[str, Any] | None) -> None:
    """Reply keyboards, their removal and force reply change the user's input field, not the message."""
    if markup is None:
        return
    if "keyboard" in markup:
        chat.reply_keyboard = markup
        chat.force_reply = None
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    elif markup.get("force_reply"):
        chat.force_reply = {
            "message_id": message.message_id,
            "input_field_placeholder": markup.get("input_field_placeholder"),
        }


def _link_preview(p: Params) -> dict[str, Any] | None:
    options = p.get_json("link_preview_options")
    if options is not None and not isinstance(options, dict):
        raise bad_request("can't parse link preview options JSON object")
    if options is None and p.get_bool("disable_web_page_preview"):
        options = {"is_disabled": True}
    return options


@method("sendMessage")
async def send_message(ctx: Context, p: Params) -> dict[str, Any]:
    """Send a text message."""
    chat = chat_to_write(ctx, p)
    text = formatted(
        ctx, p.get_str("text"), p.get_str("parse_mode"), p.get_json("entities"), what="text"
    )
    markup = parse_markup(p.get_json("reply_markup"))
    reply_to = reply_target(p, chat)
    message = ctx.world.bot_message(
        ctx.bot,
        chat,
        text=text,
        reply_to=reply_to,
        silent=p.get_bool("disable_notification"),
        protect_content=p.get_bool("protect_content"),
        link_preview_options=_link_preview(p),
        inline_keyboard=inline_part(markup),
        attached_markup=markup,
    )
    apply_to_chat(chat, message, markup)
    return message.to_json()


@method("sendPhoto")
async def send_photo(ctx: Context, p: Params) -> dict[str, Any]:
    """Send a photo: an upload, a file_id seen before, or (offline) not a URL."""
    chat = chat_to_write(ctx, p)
    sizes = photo_from(ctx, p, "photo")
    caption = formatted(
        ctx,
        p.get_str("caption"),
        p.get_str("parse_mode"),
        p.get_json("caption_entities"),
        what="caption",
    )
    markup = parse_markup(p.get_json("reply_markup"))
    reply_to = reply_target(p, chat)
    message = ctx.world.bot_message(
        ctx.bot,
        chat,
        photo=sizes,
        caption=caption,
        reply_to=reply_to,
        silent=p.get_bool("disable_notification"),
        protect_content=p.get_bool("protect_content"),
        show_caption_above_media=p.get_bool("show_caption_above_media"),
        has_media_spoiler=p.get_bool("has_spoiler"),
        inline_keyboard=inline_part(markup),
        attached_markup=markup,
    )
    apply_to_chat(chat, message, markup)
    return message.to_json()


@method("sendDocument")
async def send_document(ctx: Context, p: Params) -> dict[str, Any]:
    """Send a file as a document (a CSV export, a PDF...)."""
    chat = chat_to_write(ctx, p)
    stored, file_name = document_from(ctx, p, "document")
    caption = formatted(
        ctx,
        p.get_str("caption"),
        p.get_str("parse_mode"),
        p.get_json("caption_entities"),
        what="caption",
    )
    markup = parse_markup(p.get_json("reply_markup"))
    message = ctx.world.bot_message(
        ctx.bot,
        chat,
        document=stored,
        document_name=file_name,
        caption=caption,
        reply_to=reply_target(p, chat),
        silent=p.get_bool("disable_notification"),
        protect_content=p.get_bool("protect_content"),
        inline_keyboard=inline_part(markup),
        attached_markup=markup,
    )
    apply_to_chat(chat, message, markup)
    return message.to_json()


@method("sendChatAction")
async def send_chat_action(ctx: Context, p: Params) -> bool:
    """Show 'typing', 'sending photo'... in the chat for a few seconds."""
    chat = chat_to_write(ctx, p)
    action = p.get_str("action")
    if not action:
        raise bad_request("action is empty")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.world.chat_action(ctx.bot, chat, action)
    return True


def _deletable(ctx: Context, chat: Chat, message_id: int) -> bool:
    message = chat.messages.get(message_id)
    if message is None:
        return False
    # In private chats a bot may delete both sides; in groups only its own (it is no admin here).
    return chat.type == "private" or message.sender.get("id") == ctx.bot.id


@method("deleteMessage")
async def delete_message(ctx: Context, p: Params) -> bool:
    """Delete one message."""
    chat = chat_to_read(ctx, p)
    message_id = p.get_int("message_id", missing="message identifier is not specified")
    assert message_id is not None
    if message_id not in chat.messages:
        raise bad_request("message to delete not found")
    if not _deletable(ctx, chat, message_id):
        raise bad_request("message can't be deleted")
    ctx.world.delete_message(ctx.bot, chat, message_id)
    return True


@method("deleteMessages")
async def delete_messages(ctx: Context, p: Params) -> bool:
    """Delete several messages; the ones that cannot be deleted are skipped, as in Telegram."""
    chat = chat_to_read(ctx, p)
    ids = p.get_json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a list of 1-100 identifiers")
    for message_id in ids:
        if _deletable(ctx, chat, int(message_id)):
            ctx.world.delete_message(ctx.bot, chat, int(message_id))
    return True
