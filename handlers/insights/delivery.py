"""Show an answer: "sending a photo…" while it is prepared, then a new photo or the pressed one replaced.

Every way of asking (command, menu button, period button, refresh, retry, plain question) ends
here, so they all behave the same: Digiwatt down gives a message with a retry button, never
silence; a chart that cannot be drawn still gives its caption.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot.charts import ChartError
from bot.context import BotContext
from bot.digiwatt.errors import AuthError, NotFound, RateLimited, Unavailable
from bot.telegram_request import send_text
from handlers.common import db
from handlers.insights import keyboards
from handlers.insights.answers import Answer, Source, answer
from handlers.insights.asks import Action, Ask
from handlers.insights.savings import Prices
from storage.repositories import profiles

log = logging.getLogger(__name__)

# Telegram shows a chat action for 5 seconds: renew it while the answer takes longer.
ACTION_RENEW_SECONDS = 4.5
# Digiwatt slow, down, or refusing our credentials for now: worth a retry button.
TRY_LATER = (Unavailable, RateLimited, AuthError)
# One reminder a day to fill in the household profile is a nudge; more would be nagging.
NUDGE_EVERY_SECONDS = 24 * 3600
NUDGED_AT = "insights_profile_nudge_at"


@asynccontextmanager
async def uploading(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Keep "sending a photo…" showing in the chat while the block runs."""

    async def keep_showing() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
            except TelegramError as error:  # a courtesy: never fail an answer for it
                log.debug("chat %s: chat action failed: %s", chat_id, error)
            await asyncio.sleep(ACTION_RENEW_SECONDS)

    task = asyncio.create_task(keep_showing())
    try:
        yield
    finally:
        # Not awaited: cancelling is enough, and awaiting could swallow our own cancellation.
        task.cancel()


async def present(
    update: Update, context: BotContext, account: str, ask: Ask, action: Action = Action.OPEN
) -> None:
    """Read, render and show `ask` for `account` in the update's chat."""
    chat = update.effective_chat
    assert chat is not None
    query = update.callback_query
    if query is not None:
        await query.answer()  # stop the button's spinner now; the chart follows
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    assert context.resources.digiwatt is not None
    source = Source(
        context.resources.digiwatt,
        account,
        context.lang,
        Prices.from_settings(context.settings),
        fresh=action is Action.REFRESH,
    )
    try:
        async with uploading(context.bot, chat.id):
            result = await answer(source, ask)
            image = await _render(context, result)
    except TRY_LATER as error:
        log.warning("chat %s: no %s answer, Digiwatt: %s", chat.id, ask.topic, error)
        await _failed(context, chat.id, ask, pressed if action is Action.RETRY else None)
        return
    except NotFound:
        log.warning("chat %s: Digiwatt does not know the linked account", chat.id)
        text = context._(
            "Digiwatt no longer knows the account linked to this chat. "
            "Send /unlink, then link the chat again."
        )
        await send_text(context.bot, chat.id, text)
        return

    caption = html.escape("\n".join(result.lines), quote=False)
    keyboard = keyboards.answer(ask, context.lang)
    # Only a photo can become another photo; a caption-only answer is replaced by a new message.
    if (
        action in (Action.EDIT, Action.REFRESH)
        and pressed is not None
        and pressed.photo
        and image is not None
        and await _edit(pressed, image, caption, keyboard)
    ):
        return
    await _send(context, chat.id, image, caption, keyboard)
    if action is Action.RETRY and pressed is not None:
        await _delete(pressed)
    if action in (Action.OPEN, Action.RETRY):
        await _nudge(context, chat.id, account)


async def _render(context: BotContext, result: Answer) -> bytes | None:
    """The chart, or None when it cannot be drawn: the caption still answers."""
    assert context.resources.renderer is not None
    try:
        return await context.resources.renderer.render(result.chart, result.data, context.lang)
    except ChartError:
        log.exception("the %s chart failed; answering with the caption alone", result.chart)
        return None


async def _send(
    context: BotContext,
    chat_id: int,
    image: bytes | None,
    caption: str,
    keyboard: InlineKeyboardMarkup,
) -> None:
    if image is None:
        await send_text(context.bot, chat_id, caption, reply_markup=keyboard)
    else:
        await context.bot.send_photo(chat_id, image, caption=caption, reply_markup=keyboard)


async def _edit(
    message: Message, image: bytes, caption: str, keyboard: InlineKeyboardMarkup
) -> bool:
    """Replace the chart and caption in place; False when the message cannot be edited any more."""
    try:
        await message.edit_media(InputMediaPhoto(image, caption=caption), reply_markup=keyboard)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return True  # the same picture pressed twice: nothing to change
        log.info("chat %s: cannot edit the chart (%s); sending it anew", message.chat_id, error)
        return False
    return True


async def _delete(message: Message) -> None:
    try:
        await message.delete()
    except TelegramError as error:  # too old or already gone: it only tidies up
        log.debug("chat %s: could not delete a message: %s", message.chat_id, error)


async def _failed(
    context: BotContext, chat_id: int, ask: Ask, previous_failure: Message | None
) -> None:
    """Say Digiwatt is not answering, with a button that asks again; replaces an older such message."""
    text = context._(
        "Digiwatt is not answering right now, so I cannot show this yet. "
        "Please try again in a minute."
    )
    await send_text(context.bot, chat_id, text, reply_markup=keyboards.retry(ask, context.lang))
    if previous_failure is not None:
        await _delete(previous_failure)


async def _nudge(context: BotContext, chat_id: int, account: str) -> None:
    """Once a day, remind a linked account without a household profile that /profile exists."""
    chat_data = context.chat_data
    now = time.time()
    if chat_data is not None and now - chat_data.get(NUDGED_AT, 0.0) < NUDGE_EVERY_SECONDS:
        return
    async with db(context, read_only=True) as session:
        profile = await profiles.latest(session, account)
    if profile is not None:
        return
    if chat_data is not None:
        chat_data[NUDGED_AT] = now
    await send_text(
        context.bot,
        chat_id,
        context._(
            "Tip: tell me about your home with /profile, so the comparisons and advice fit it."
        ),
    )
