"""The onboarding's screen: the draft in chat_data, and the one live message that shows its step.

The draft (answers, step, live message) is kept in `chat_data`, which the database persistence
stores, and the handlers return its step as the ConversationHandler's state: after a restart
the dialogue goes on where it was. Only the newest message's buttons are live; a button from an
older message gets a short answer and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

import pydantic
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.digiwatt.models import OnboardingRequest
from bot.telegram_request import send_text
from handlers.common import current_link, db, edit_in_place
from handlers.onboarding import keyboards, texts
from handlers.onboarding.draft import Answers, Draft
from storage.models import AccountLink
from storage.repositories import profiles

log = logging.getLogger(__name__)


DRAFT_KEY = "onboarding"
END = ConversationHandler.END
State = str | int | None  # a Step's value, END, or None for "unchanged"


# --- the draft in chat_data -------------------------------------------------------------------


def load(context: BotContext) -> Draft | None:
    """This chat's dialogue, if one is going on (or its first question or /profile card is shown)."""
    return Draft.from_json((context.chat_data or {}).get(DRAFT_KEY))


def store(context: BotContext, draft: Draft) -> None:
    assert context.chat_data is not None
    context.chat_data[DRAFT_KEY] = draft.to_json()


def drop(context: BotContext) -> None:
    if context.chat_data is not None:
        context.chat_data.pop(DRAFT_KEY, None)


def state_of(draft: Draft) -> State:
    return draft.step.value if draft.active else END


# --- showing a step ---------------------------------------------------------------------------


def is_current(query: CallbackQuery, draft: Draft) -> bool:
    return query.message is not None and query.message.message_id == draft.message_id


async def edit(
    context: BotContext, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the pressed message's text and buttons."""
    message = query.message
    assert message is not None  # the bot has no inline mode: a pressed button has its message
    await edit_in_place(context, message.chat.id, message.message_id, text, markup)


async def strip(context: BotContext, chat_id: int, message_id: int) -> None:
    """Remove the buttons of a message the dialogue has moved on from (best effort)."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as error:
        # Cosmetic: a button left behind is answered as stale, so failing here harms nobody.
        log.debug("chat %s: could not remove old buttons: %s", chat_id, error)


async def show(
    update: Update,
    context: BotContext,
    draft: Draft,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    new: bool = False,
) -> None:
    """Edit the pressed (live) message, or send a new live one and strip the previous one."""
    query = update.callback_query
    if not new and query is not None and is_current(query, draft):
        await edit(context, query, text, markup)
        store(context, draft)
        return
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    previous = draft.message_id
    draft.message_id = await send_text(context.bot, chat_id, text, reply_markup=markup)
    store(context, draft)
    if previous is not None and previous != draft.message_id:
        await strip(context, chat_id, previous)


async def present(
    update: Update,
    context: BotContext,
    draft: Draft,
    *,
    notice: str | None = None,
    retry: bool = False,
    new: bool = False,
) -> None:
    """Show the draft's current question (or summary), with an optional notice above it."""
    text = texts.question(draft, context._, context.lang)
    if notice:
        text = notice + "\n\n" + text
    markup = keyboards.for_step(draft, context._, context.lang, retry=retry)
    await show(update, context, draft, text, markup, new=new)


async def say(update: Update, context: BotContext, text: str) -> None:
    """A plain message (guidance); the live message stays the live one."""
    assert update.effective_chat is not None
    await send_text(context.bot, update.effective_chat.id, text)


async def begin_onboarding(update: Update, context: BotContext) -> None:
    """Ask the first question (house type buttons, "onb:type:..."); a press enters the dialogue."""
    previous = load(context)
    await present(update, context, Draft(message_id=previous.message_id if previous else None))


async def next_question(update: Update, context: BotContext, draft: Draft) -> State:
    """The answer is in: show the next question (the summary after the last, or after a change)."""
    draft.advance()
    draft.active = True
    # A typed answer is a new message below the question: ask the next one below it.
    await present(update, context, draft, new=update.callback_query is None)
    return state_of(draft)


async def ack(update: Update) -> None:
    """Stop the button's spinner."""
    assert update.callback_query is not None
    await update.callback_query.answer()


async def saved_answers(context: BotContext, update: Update) -> Answers | None:
    """The household last sent for the account linked to the update's chat, if any."""
    assert update.effective_chat is not None
    link = await current_link(context, update.effective_chat.id)
    stored = await stored_profile(context, link) if link else None
    return stored[0] if stored else None


async def stored_profile(context: BotContext, link: AccountLink) -> tuple[Answers, datetime] | None:
    """The household last sent for the chat's account, and when."""
    async with db(context, read_only=True) as session:
        saved = await profiles.latest(session, link.account_number)
    if saved is None:
        return None
    try:
        answers = Answers.from_request(OnboardingRequest.model_validate(saved.onboarding))
    except pydantic.ValidationError:
        log.warning("a stored profile no longer matches the model; it will be asked again")
        return None
    return answers, saved.submitted_at.astimezone(context.settings.timezone)


async def has_profile(context: BotContext, update: Update) -> bool:
    """Whether the chat's account has a household saved (what /cancel tells the user)."""
    return await saved_answers(context, update) is not None
