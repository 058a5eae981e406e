"""Onboarding: the guided household dialogue (house, people, appliances) and /profile.

`begin_onboarding(update, context)` asks the first question; the linking dialogue calls it right
after a chat is linked. The answers go to Digiwatt's onboarding endpoint and to the local profile
history (storage.repositories.profiles).
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.settings import Settings
from handlers.onboarding.actions import ANY_PATTERN
from handlers.onboarding.buttons import on_button
from handlers.onboarding.conversation import conversation
from handlers.onboarding.screen import begin_onboarding

__all__ = ["begin_onboarding", "handlers"]


def handlers(settings: Settings | None = None) -> list[BaseHandler]:
    """The dialogue, then its buttons pressed outside it (old messages, "Not now")."""
    return [conversation(), CallbackQueryHandler(on_button, pattern=ANY_PATTERN)]
