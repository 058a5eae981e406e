"""The one global error handler: log with enough context to debug, tell the user something useful."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.context import BotContext
from bot.digiwatt.errors import DigiwattError
from bot.telegram_request import send_text

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure and apologise in the user's language, never leaving them in silence."""
    error = context.error
    chat_id = (
        update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    )
    if isinstance(error, Forbidden):
        # The user blocked the bot: nobody to tell, and not a bug.
        log.info("chat %s: bot is blocked, dropping the answer", chat_id)
        return
    if isinstance(error, (TimedOut, NetworkError, RetryAfter)) and not isinstance(update, Update):
        log.warning("Telegram unreachable while polling: %s", error.__class__.__name__)
        return
    log.error("chat %s: unhandled %s", chat_id, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, DigiwattError):
        text = context._("Digiwatt is not answering right now. Please try again in a minute.")
    else:
        text = context._(
            "Sorry, something went wrong on our side. Please try again; if it keeps happening, /help."
        )
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text, show_alert=True)
                return
            except BadRequest:  # answered already, before the failure: say it in the chat
                pass
        await send_text(context.bot, update.effective_chat.id, text)
    except Exception:  # the apology itself must never raise again
        log.warning("chat %s: could not deliver the apology", chat_id, exc_info=True)
