"""/stats for the operators (chat ids in ADMIN_CHAT_IDS): linked chats, subscribers, today's alerts.

Anyone else's /stats is not matched here and reaches the catch-all, which answers it like any
unknown command: the command's existence is not advertised.
"""

from __future__ import annotations

from datetime import datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import number
from bot.settings import Settings
from handlers.common import db, reply
from storage.models import DeliveryStatus
from storage.repositories import chats, deliveries, links, subscriptions
from storage.types import utcnow

REFRESH = "adm:stats"


def handlers(settings: Settings) -> list[BaseHandler]:
    admins = filters.Chat(chat_id=settings.admin_chat_ids)
    return [
        CommandHandler("stats", stats, filters=admins),
        CallbackQueryHandler(refresh, pattern=f"^{REFRESH}$"),
    ]


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the figures, with a button to refresh them in place."""
    await reply(update, context, await _text(context), reply_markup=_keyboard(context))


async def refresh(update: Update, context: BotContext) -> None:
    """The refresh button; a forwarded panel pressed by someone else shows nothing."""
    chat = update.effective_chat
    if chat is None or chat.id not in context.settings.admin_chat_ids:
        assert update.callback_query is not None
        await update.callback_query.answer(
            context._("This button is only for the bot's operators."),
            show_alert=True,
        )
        return
    await reply(update, context, await _text(context), reply_markup=_keyboard(context), edit=True)


def _keyboard(context: BotContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(context._("🔄 Refresh"), callback_data=REFRESH)]]
    )


async def _text(context: BotContext) -> str:
    tz = context.settings.timezone
    now = utcnow().astimezone(tz)
    midnight = datetime.combine(now.date(), time(), tz)
    async with db(context, read_only=True) as session:
        linked = await links.count_linked_chats(session)
        subscribers = await subscriptions.count_enabled(session)
        blocked = await chats.count(session, blocked=True)
        today = await deliveries.counts_since(session, midnight)
    lang = context.lang

    def n(value: int) -> str:
        return number(value, lang, 0)

    _ = context._
    title = _("Bot statistics")
    return "\n".join(
        [
            f"📈 <b>{title}</b> · {now:%Y-%m-%d %H:%M}",
            _("Linked chats: {count}").format(count=n(linked)),
            _("Alert subscribers: {count}").format(count=n(subscribers)),
            _("Chats that blocked the bot: {count}").format(count=n(blocked)),
            _("Alerts today: {sent} sent, {failed} failed, {claimed} being sent").format(
                sent=n(today[DeliveryStatus.SENT]),
                failed=n(today[DeliveryStatus.FAILED]),
                claimed=n(today[DeliveryStatus.CLAIMED]),
            ),
        ]
    )
