"""Commands and buttons: /menu, one command per answer, and every "ins:" button."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.intents import IntentKind, match
from bot.telegram_request import send_text
from handlers.common import linked_only
from handlers.insights import keyboards
from handlers.insights.asks import MENU_DATA, Ask, decode
from handlers.insights.delivery import present
from storage.models import AccountLink

# Command -> answer; the same names as bot/commands.py publishes.
COMMANDS: dict[str, IntentKind] = {
    "consumption": IntentKind.CONSUMPTION,
    "now": IntentKind.NOW,
    "last6h": IntentKind.LAST6H,
    "compare": IntentKind.COMPARE,
    "habits": IntentKind.HABITS,
    "trend": IntentKind.TREND,
    "appliances": IntentKind.APPLIANCES,
    "savings": IntentKind.SAVINGS,
    "green": IntentKind.GREEN,
}


async def show_menu(update: Update, context: BotContext, intro: str | None = None) -> None:
    """Every answer as a button, after an optional first line."""
    chat = update.effective_chat
    assert chat is not None
    text = context._(
        "What would you like to see? Tap a button, or just ask me, "
        "for example “how much did I use yesterday?”"
    )
    if intro:
        text = f"{intro}\n{text}"
    await send_text(context.bot, chat.id, text, reply_markup=keyboards.menu(context.lang))


@linked_only
async def on_menu(update: Update, context: BotContext, link: AccountLink) -> None:
    """/menu: every answer as a button."""
    await show_menu(update, context)


def _command(update: Update) -> str:
    """'/Consumption@SomeBot last week' -> 'consumption'."""
    assert update.effective_message is not None and update.effective_message.text
    return update.effective_message.text.split()[0][1:].split("@")[0].lower()


@linked_only
async def on_command(update: Update, context: BotContext, link: AccountLink) -> None:
    """/consumption, /now, ...: the answer; words after the command may name a period or appliance."""
    topic = COMMANDS[_command(update)]
    period = appliance = None
    if context.args:
        intent = match(" ".join(context.args))
        period, appliance = intent.period, intent.appliance
    ask = Ask(topic, period=period, appliance=appliance).complete()
    await present(update, context, link.account_number, ask)


@linked_only
async def on_button(update: Update, context: BotContext, link: AccountLink) -> None:
    """An "ins:" button: the menu, or an answer to open, switch, refresh or retry."""
    query = update.callback_query
    assert query is not None
    if query.data == MENU_DATA:
        await query.answer()
        await show_menu(update, context)
        return
    decoded = decode(query.data or "")
    if decoded is None:
        await query.answer(
            context._("This button no longer works. Send /menu for fresh ones."), show_alert=True
        )
        return
    action, ask = decoded
    await present(update, context, link.account_number, ask, action)
