"""Plain questions in a private chat ("quanto ho consumato ieri?") reach the same answers as buttons.

Registered after every conversation (see handlers/__init__.py), so it only sees text that no
conversation is waiting for.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.intents import IntentKind, match
from handlers.common import linked_only
from handlers.insights.asks import Ask
from handlers.insights.delivery import present
from handlers.insights.menu import show_menu
from storage.models import AccountLink


@linked_only
async def on_question(update: Update, context: BotContext, link: AccountLink) -> None:
    """Answer a question the matcher understands; otherwise say so and show the menu."""
    message = update.effective_message
    assert message is not None
    intent = match(message.text or "")
    if intent.kind is IntentKind.UNKNOWN:
        await show_menu(update, context, intro=context._("Sorry, I did not understand that."))
        return
    if intent.kind is IntentKind.HELP:
        await show_menu(update, context)
        return
    ask = Ask(intent.kind, period=intent.period, appliance=intent.appliance).complete()
    await present(update, context, link.account_number, ask)
