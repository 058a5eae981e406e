"""What every feature handler needs: the chat's language, a database session, privacy guards.

The pre-handler `load_chat` runs first for every update (group -100 in `register`), so each
handler can rely on `context.lang` and on the chat row existing for private chats.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.context import BotContext
from bot.i18n import negotiate
from bot.known_chats import known_chat, known_chats
from bot.telegram_request import edit_text, send_text
from storage.db import transaction
from storage.models import AccountLink
from storage.repositories import chats, links

log = logging.getLogger(__name__)

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Awaitable[R]]

# Telegram refuses longer texts; anything longer than this from a user is not an answer.
MAX_INPUT_CHARS = 1000


def db(
    context: BotContext, *, read_only: bool = False
) -> AbstractAsyncContextManager[AsyncSession]:
    """A short transaction: commit at the end, roll back on error. Keep network calls outside."""
    assert context.resources.sessionmaker is not None
    if not read_only and context.chat_id is not None:
        # What a replica read ahead for this update may be what this write changes.
        known_chats(context.resources).forget_subscription(context.chat_id)
    return transaction(context.resources.sessionmaker, read_only=read_only)


async def load_chat(update: Update, context: BotContext) -> None:
    """Set the update's language; create the chat row on first contact in a private chat."""
    user = update.effective_user
    chat = update.effective_chat
    client_language = negotiate(user.language_code) if user and user.language_code else None
    context.lang = client_language
    if chat is None or chat.type != ChatType.PRIVATE:
        return  # nothing about groups is stored
    cache = known_chats(context.resources)
    known = cached = cache.get(chat.id)
    if known is None:
        async with db(context, read_only=True) as session:
            known = known_chat(await chats.get(session, chat.id))
    # The row is written when it is missing or blocked (None), or the user or the client's
    # language changed.
    if (
        known is None
        or (user is not None and known.user_id != user.id)
        or (client_language and known.client_language != client_language)
    ):
        async with db(context) as session:
            row = await chats.upsert_from_update(
                session, update, time_zone=context.settings.bot_timezone
            )
            if row is not None and client_language and row.client_language != client_language:
                await chats.set_client_language(session, row.id, client_language)
        known = known_chat(row, client_language=client_language)
    if known is not cached:
        # Only what was just read or written: hits do not extend the TTL, so a change made
        # outside this process is seen at most TTL_SECONDS later.
        if known is None:
            cache.forget(chat.id)
        else:
            cache.remember(chat.id, known)
    if known is not None and known.language:
        context.lang = known.language


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def edit_in_place(
    context: BotContext,
    chat_id: int,
    message_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Replace a message's text and buttons; False when it already showed exactly these (the
    same button pressed twice), which is not an error for the user."""
    try:
        await edit_text(context.bot, chat_id, message_id, text, reply_markup=reply_markup)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return False
        raise
    return True


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    edit: bool = False,
    notice: str | None = None,
) -> int | None:
    """Answer where the user is: edit the pressed message when `edit`, else send a new one.

    A callback query is always answered, so the button stops spinning, with `notice` as a
    passing note if given. Returns the id of the message that shows the answer, or None when an
    edit changed nothing. Telegram's answer is not parsed into a `Message`
    (bot/telegram_request.py says what that saves).
    """
    query = update.callback_query
    if query is not None:
        await query.answer(notice)
        message = query.message
        # A button under a photo (a chart, an alert) has no text to replace: answer below it.
        photo = isinstance(message, Message) and message.text is None
        if edit and message is not None and not photo:
            changed = await edit_in_place(
                context, message.chat.id, message.message_id, text, reply_markup
            )
            return message.message_id if changed else None
    chat = update.effective_chat
    assert chat is not None
    return await send_text(context.bot, chat.id, text, reply_markup=reply_markup)


def private_only(handler: Handler[R]) -> Handler[R | None]:
    """Account features answer only in a private chat; in a group the bot says so, shows nothing."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> R | None:
        if is_private(update):
            return await handler(update, context)
        username = context.resources.bot_username
        text = context._(
            "For your privacy I only show account data in a private chat. "
            "Write to me directly: @{bot}"
        ).format(bot=username)
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None:
            await send_text(context.bot, update.effective_chat.id, text)
        return None

    return wrapper


async def current_link(context: BotContext, chat_id: int) -> AccountLink | None:
    """The chat's link (None: not linked), from this process' cache when it has read it lately."""
    cache = known_chats(context.resources)
    known, link = cache.link(chat_id)
    if known:
        return link
    async with db(context, read_only=True) as session:
        link = await links.get_link(session, chat_id)
    cache.remember_link(chat_id, link)
    return link


def linked_only(
    handler: Callable[[Update, BotContext, AccountLink], Awaitable[R]],
) -> Handler[R | None]:
    """Private chats linked to an account; others are told how to link. Implies private_only."""

    @private_only
    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> R | None:
        assert update.effective_chat is not None
        link = await current_link(context, update.effective_chat.id)
        if link is None:
            await reply(update, context, not_linked_text(context))
            return None
        return await handler(update, context, link)

    return wrapper


def not_linked_text(context: BotContext) -> str:
    if context.settings.manual_link_enabled:
        return context._(
            "This chat is not linked to a Digiwatt account yet. "
            "Use the link from your energy company's website, or send /link to link it "
            "with your POD and account number."
        )
    return context._(
        "This chat is not linked to a Digiwatt account yet. "
        "Use the link from your energy company's website or your bill to link it."
    )
