"""The onboarding ConversationHandler: entry points, one state per step, and the fallbacks."""

from __future__ import annotations

import re

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.commands import COMMANDS
from handlers.onboarding.actions import ANY_PATTERN, ENTRY_PATTERN
from handlers.onboarding.buttons import on_button
from handlers.onboarding.commands import on_cancel, on_other_message, on_profile, on_unknown_command
from handlers.onboarding.draft import STATES
from handlers.onboarding.typed import on_text

NAME = "onboarding"

# Commands other features answer: they pass through the dialogue, which stays where it was.
KNOWN_COMMANDS = frozenset({name for name, _ in COMMANDS} | {"start"})
_KNOWN = re.compile(
    r"^/(?:" + "|".join(sorted(KNOWN_COMMANDS)) + r")(?:@\w+)?(?:\s|$)", re.IGNORECASE
)

NEW_MESSAGE = filters.UpdateType.MESSAGE
TYPED_ANSWER = NEW_MESSAGE & filters.TEXT & ~filters.COMMAND
UNKNOWN_COMMAND = NEW_MESSAGE & filters.COMMAND & ~filters.Regex(_KNOWN)
OTHER_MESSAGE = NEW_MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL


def conversation() -> ConversationHandler:
    """The dialogue: persistent, so a restart resumes it; re-entered by /profile and its buttons."""
    step_handlers: list[BaseHandler] = [
        CallbackQueryHandler(on_button, pattern=ANY_PATTERN),
        MessageHandler(TYPED_ANSWER, on_text),
    ]
    return ConversationHandler(
        entry_points=[
            CommandHandler("profile", on_profile, filters=NEW_MESSAGE),
            # The first question is sent by whoever calls begin_onboarding (the linking
            # dialogue): pressing one of its buttons is what enters this conversation.
            CallbackQueryHandler(on_button, pattern=ENTRY_PATTERN),
        ],
        states={step.value: step_handlers for step in STATES},
        fallbacks=[
            CommandHandler("cancel", on_cancel, filters=NEW_MESSAGE),
            MessageHandler(UNKNOWN_COMMAND, on_unknown_command),
            MessageHandler(OTHER_MESSAGE, on_other_message),
        ],
        allow_reentry=True,
        persistent=True,
        name=NAME,
    )
