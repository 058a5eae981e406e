"""The catch-all, registered last: whatever no feature understood gets guidance, never silence.

In groups it stays quiet except for commands addressed to this bot, so it does not answer
everything people say to each other.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.settings import Settings
from handlers.common import MAX_INPUT_CHARS, is_private, reply

_PRIVATE = filters.ChatType.PRIVATE
_NEW = filters.UpdateType.MESSAGE


def handlers(settings: Settings) -> list[BaseHandler]:
    """/cancel with nothing to cancel, unknown commands, stale buttons, anything else."""
    return [
        CommandHandler("cancel", nothing_to_cancel, filters=_NEW),
        MessageHandler(_NEW & filters.COMMAND, unknown_command),
        CallbackQueryHandler(stale_button),
        MessageHandler(_NEW & _PRIVATE & filters.TEXT, not_understood),
        MessageHandler(_NEW & _PRIVATE & ~filters.StatusUpdate.ALL, not_text),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & _PRIVATE, edited),
    ]


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel outside any conversation."""
    await reply(
        update,
        context,
        context._("There is nothing to cancel right now. Send /help to see what I can do."),
    )


def _addressed_to_me(update: Update, context: BotContext) -> bool:
    """In a group, only "/command@thisbot" is for us; other bots have their own commands."""
    if is_private(update):
        return True
    text = update.effective_message.text if update.effective_message else None
    command = (text or "").split(maxsplit=1)[0] if text else ""
    username = context.resources.bot_username
    return bool(username) and command.lower().endswith(f"@{username.lower()}")


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command no feature knows."""
    if not _addressed_to_me(update, context):
        return
    await reply(
        update,
        context,
        context._("I don't know that command. Send /help to see what I can do."),
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button whose data no feature accepts: from an old message, or forged."""
    assert update.callback_query is not None
    await update.callback_query.answer(
        context._("This button is no longer active. Send /help to see what you can do."),
        show_alert=True,
    )


async def not_understood(update: Update, context: BotContext) -> None:
    """Text that nobody understood (or too long to be a question)."""
    assert update.message is not None and update.message.text is not None
    if len(update.message.text) > MAX_INPUT_CHARS:
        text = context._(
            "That is a very long message: I understand short questions best, such as "
            "“how much did I use yesterday?”. Send /help to see what I can do."
        )
    else:
        text = context._(
            "Sorry, I did not understand that. Send /help to see what I can do, or /menu."
        )
    await reply(update, context, text)


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes, files, locations..."""
    await reply(
        update,
        context,
        context._(
            "I can only read text and buttons. Write to me in words, or send /help to see "
            "what I can do."
        ),
    )


async def edited(update: Update, context: BotContext) -> None:
    """An edited message: earlier answers cannot be taken back, so ask for a new one."""
    await reply(
        update,
        context,
        context._("I only read new messages: please send it again as a new message."),
    )
