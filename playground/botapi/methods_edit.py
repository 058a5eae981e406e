"""editMessageText, editMessageCaption, editMessageMedia, editMessageReplyMarkup."""

from __future__ import annotations

from typing import Any

from playground.botapi.chats import formatted, message_to_edit
from playground.botapi.errors import NOT_MODIFIED, bad_request
from playground.botapi.markup import inline_only, parse_markup
from playground.botapi.media import photo_from
from playground.botapi.params import Params
from playground.botapi.registry import Context, method
from playground.text.formatted import FormattedText
from playground.world.models import Message


def _new_keyboard(p: Params) -> dict[str, Any] | None:
    # Like Telegram, an edit without reply_markup removes the message's inline keyboard.
    return inline_only(parse_markup(p.get_json("reply_markup")))


def _finish(ctx: Context, message: Message, changed: bool) -> dict[str, Any]:
    if not changed:
        raise bad_request(NOT_MODIFIED)
    ctx.world.bot_edited(ctx.bot, message)
    return message.to_json()


@method("editMessageText")
async def edit_message_text(ctx: Context, p: Params) -> dict[str, Any]:
    """Replace the text (and keyboard) of a bot's text message."""
    message = message_to_edit(ctx, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text = formatted(
        ctx, p.get_str("text"), p.get_str("parse_mode"), p.get_json("entities"), what="text"
    )
    keyboard = _new_keyboard(p)
    preview = p.get_json("link_preview_options")
    changed = (
        text != message.text
        or keyboard != message.inline_keyboard
        or (preview is not None and preview != message.link_preview_options)
    )
    message.text = text
    message.inline_keyboard = keyboard
    message.attached_markup = keyboard
    if preview is not None:
        message.link_preview_options = preview
    return _finish(ctx, message, changed)


@method("editMessageCaption")
async def edit_message_caption(ctx: Context, p: Params) -> dict[str, Any]:
    """Replace the caption (and keyboard) of a bot's photo or document message."""
    message = message_to_edit(ctx, p)
    if not message.photo and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    caption = formatted(
        ctx,
        p.get_str("caption"),
        p.get_str("parse_mode"),
        p.get_json("caption_entities"),
        what="caption",
    )
    keyboard = _new_keyboard(p)
    changed = caption != (message.caption or FormattedText("")) or (
        keyboard != message.inline_keyboard
    )
    message.caption = caption
    message.inline_keyboard = keyboard
    message.attached_markup = keyboard
    return _finish(ctx, message, changed)


@method("editMessageMedia")
async def edit_message_media(ctx: Context, p: Params) -> dict[str, Any]:
    """Replace the photo (with its caption) of a bot's message, or add one to a text message."""
    message = message_to_edit(ctx, p)
    media = p.get_json("media")
    if not isinstance(media, dict) or "media" not in media:
        raise bad_request("can't parse InputMedia JSON object")
    if media.get("type") != "photo":
        raise bad_request("the playground can edit messages into photos only")
    sizes = photo_from(ctx, p, "media", media["media"])
    caption = formatted(
        ctx,
        media.get("caption"),
        media.get("parse_mode"),
        media.get("caption_entities"),
        what="caption",
    )
    keyboard = _new_keyboard(p)
    before = (
        [s.file_unique_id for s in message.photo or []],
        message.caption,
        message.inline_keyboard,
    )
    message.photo = sizes
    message.text = None
    message.caption = caption
    message.show_caption_above_media = bool(media.get("show_caption_above_media"))
    message.has_media_spoiler = bool(media.get("has_spoiler"))
    message.inline_keyboard = keyboard
    message.attached_markup = keyboard
    after = ([s.file_unique_id for s in sizes], caption, keyboard)
    return _finish(ctx, message, before != after)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: Context, p: Params) -> dict[str, Any]:
    """Replace or remove the inline keyboard of a bot's message."""
    message = message_to_edit(ctx, p)
    keyboard = _new_keyboard(p)
    changed = keyboard != message.inline_keyboard
    message.inline_keyboard = keyboard
    message.attached_markup = keyboard
    return _finish(ctx, message, changed)
