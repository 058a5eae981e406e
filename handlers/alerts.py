"""The buttons under an alert ("alr:"): not today, change the time, stop; stop the weekly recap."""

from __future__ import annotations

import importlib
import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.alerts import alerts_state
from bot.alerts.buttons import PREFIX, Press, parse
from bot.context import BotContext
from bot.settings import Settings
from handlers.common import db, private_only, reply
from storage.repositories import subscriptions
from storage.schedule import zone

log = logging.getLogger(__name__)


def handlers(settings: Settings) -> list[BaseHandler]:
    return [CallbackQueryHandler(on_button, pattern=f"^{PREFIX}")]


@private_only
async def on_button(update: Update, context: BotContext) -> None:
    """One of an alert's buttons; data this feature never made gets a friendly answer."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = parse(query.data)
    if button is None:
        await query.answer(
            context._("This button is no longer active. Send /settings to manage your alerts."),
            show_alert=True,
        )
        return
    chat_id = update.effective_chat.id
    if button.press is Press.TIME:
        await _change_time(update, context)
        return
    async with db(context) as session:
        subscription = await subscriptions.get(session, chat_id)
        if subscription is None:
            text = context._("You have no alerts. Send /settings to turn them on.")
        elif button.press is Press.SNOOZE:
            now = alerts_state(context.application).clock()
            today = now.astimezone(zone(subscription.time_zone)).date()
            if button.day is None or button.day < today:
                text = context._("That alert is from an earlier day: there is nothing to pause.")
            else:
                await subscriptions.snooze(session, chat_id, button.day)
                text = context._("Done: no more alerts today. See you tomorrow!")
        elif button.press is Press.STOP:
            subscription.enabled = False
            subscription.reminder_lead_minutes = None
            text = context._(
                "Alerts and reminders are off. You can turn them back on in /settings."
            )
        else:
            subscription.weekly_recap = False
            text = context._("The weekly recap is off. You can turn it back on in /settings.")
    await reply(update, context, text)


async def _change_time(update: Update, context: BotContext) -> None:
    """The settings engineer's time picker, in a new message (an alert is a photo: no edit)."""
    try:
        settings_module = importlib.import_module("handlers.settings")
    except ImportError:
        settings_module = None
    show = getattr(settings_module, "show_settings", None)
    if show is None:
        await reply(update, context, context._("Send /settings to choose the time of your alerts."))
        return
    await show(update, context, edit=False, page="time")
