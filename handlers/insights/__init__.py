"""Insights: every Digiwatt read as a chart with a caption, by command, menu button or question.

- menu.py: /menu, the commands and the "ins:" buttons; questions.py: plain questions;
- asks.py: what was asked and its callback data; keyboards.py: the buttons;
- answers.py: one function per answer (endpoints, chart kind, caption);
- captions/, savings.py: pure text and arithmetic; delivery.py: sending and editing photos.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.settings import Settings
from handlers.insights.asks import PREFIX
from handlers.insights.menu import COMMANDS, on_button, on_command, on_menu
from handlers.insights.questions import on_question


def handlers(settings: Settings) -> list[BaseHandler]:
    """Commands and buttons first; plain text last, after every conversation and command."""
    return [
        CommandHandler("menu", on_menu),
        CommandHandler(list(COMMANDS), on_command),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
            on_question,
        ),
    ]
