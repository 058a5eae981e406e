"""Finding the chat, the message and the text a method is about, with Telegram's errors."""

from __future__ import annotations

from typing import Any

from playground.botapi.errors import bad_request, forbidden
from playground.botapi.params import Params
from playground.botapi.registry import Context
from playground.text.formatted import FormattedText, ParseModeError, parse
from playground.world.models import Chat, Message

MAX_TEXT = 4096
MAX_CAPTION = 1024


def chat_to_read(ctx: Context, p: Params) -> Chat:
    """The chat of chat_id for edits and deletes: it must exist for this bot."""
    chat_id = p.chat_id()
    chat = ctx.world.chat_for_bot(ctx.bot, chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    return chat


def chat_to_write(ctx: Context, p: Params) -> Chat:
    """The chat of chat_id for sending: the user must have started the bot and not blocked it."""
    chat_id = p.chat_id()
    bot = ctx.bot
    chat = ctx.world.chat_for_bot(bot, chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        if isinstance(chat_id, int) and chat_id in ctx.world.users:
            raise forbidden("bot can't initiate conversation with a user")
        if isinstance(chat_id, int) and chat_id in ctx.world.groups:
            raise forbidden("bot is not a member of the group chat")
        raise bad_request("chat not found")
    if chat.type == "private" and chat.id in bot.blocked_by:
        raise forbidden("bot was blocked by the user")
    return chat


def message_to_edit(ctx: Context, p: Params) -> Message:
    """The bot's own message named by chat_id + message_id."""
    if p.has("inline_message_id"):
        raise bad_request("the playground has no inline messages")  # the bot sends none
    chat = chat_to_read(ctx, p)
    message_id = p.get_int("message_id", missing="message identifier is not specified")
    message = chat.messages.get(message_id)  # type: ignore[arg-type]
    if message is None:
        raise bad_request("message to edit not found")
    if message.sender.get("id") != ctx.bot.id:
        raise bad_request("message can't be edited")
    return message


def reply_target(p: Params, chat: Chat) -> Message | None:
    """The message to reply to, from reply_parameters or the older reply_to_message_id."""
    params = p.get_json("reply_parameters")
    if params is not None and not isinstance(params, dict):
        raise bad_request("can't parse reply parameters JSON object")
    message_id = (params or {}).get("message_id", p.get_int("reply_to_message_id"))
    if message_id is None:
        return None
    allow = bool((params or {}).get("allow_sending_without_reply")) or p.get_bool(
        "allow_sending_without_reply"
    )
    target = chat.messages.get(int(message_id))
    if target is None and not allow:
        raise bad_request("message to be replied not found")
    return target


def formatted(
    ctx: Context,
    text: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    what: str,
) -> FormattedText:
    """Text or caption after the parse mode, checked against Telegram's limits."""
    if entities is not None and not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    try:
        result = parse(text or "", parse_mode if entities is None else None, entities)
    except ParseModeError as exc:
        reason = str(exc)
        if reason == "unsupported parse_mode":
            raise bad_request("unsupported parse_mode") from exc
        raise bad_request(f"can't parse entities: {reason}") from exc
    if what == "text":
        if not result.text:
            raise bad_request("message text is empty")
        if len(result.text) > MAX_TEXT:
            raise bad_request("message is too long")
    elif len(result.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return _with_mentioned_users(ctx, result)


def _with_mentioned_users(ctx: Context, text: FormattedText) -> FormattedText:
    """text_mention entities carry the whole user, as Telegram fills them in."""
    if not any(e["type"] == "text_mention" for e in text.entities):
        return text
    entities = []
    for entity in text.entities:
        if entity["type"] == "text_mention":
            user = ctx.world.users.get(int(entity["user"]["id"]))
            if user is None:
                continue  # Telegram drops a mention of someone the bot cannot see
            entity = {**entity, "user": user.to_json()}
        entities.append(entity)
    return FormattedText(text.text, tuple(entities))
