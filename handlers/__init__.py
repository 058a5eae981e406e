"""All handlers, registered in one place: the order below is the order in which they are tried.

Why the order matters: within a group PTB gives an update to the first handler that accepts it.
- group -100: `load_chat` sees every update first and sets the language (it never answers).
- group 0, in order:
  1. conversations (linking, onboarding), so that while one is active its states get the text
     and the buttons, and `/cancel` reaches them;
  2. commands and the buttons of each feature;
  3. plain questions (intents), after every command;
  4. the catch-all, which answers anything nobody else understood with guidance.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, BaseHandler, TypeHandler

from handlers import errors
from handlers.common import load_chat

# Feature modules, each exposing `handlers(settings) -> list[BaseHandler]`, in the order above.
FEATURES: tuple[str, ...] = (
    "linking",
    "onboarding",
    "start",
    "settings",
    "account",
    "insights",
    "alerts",
    "admin",
    "fallback",
)


def register(application: Application) -> None:
    """Add every handler and the global error handler to `application`."""
    import importlib

    settings = application.bot_data.settings
    application.add_handler(TypeHandler(Update, load_chat), group=-100)
    group: list[BaseHandler] = []
    for name in FEATURES:
        group.extend(importlib.import_module(f"handlers.{name}").handlers(settings))
    application.add_handlers(group, group=0)
    application.add_error_handler(errors.on_error)
