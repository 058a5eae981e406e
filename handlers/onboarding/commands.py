"""/profile, /cancel, and what else may arrive mid-dialogue: unknown commands, stickers, photos."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from handlers.common import linked_only
from handlers.onboarding import keyboards, texts
from handlers.onboarding.draft import Draft, Step
from handlers.onboarding.screen import (
    END,
    State,
    drop,
    has_profile,
    load,
    present,
    say,
    show,
    state_of,
    stored_profile,
    strip,
)
from storage.models import AccountLink


@linked_only
async def on_profile(update: Update, context: BotContext, link: AccountLink) -> State:
    """/profile: the saved household with "change" buttons, or where an unfinished dialogue is."""
    draft = load(context)
    if draft is not None and draft.active:
        await present(update, context, draft, notice=texts.resume_note(context._), new=True)
        return state_of(draft)
    card = Draft(step=Step.PROFILE, message_id=draft.message_id if draft else None)
    stored = await stored_profile(context, link)
    if stored is None:
        text, markup = texts.no_profile(context._), keyboards.no_profile(context._)
    else:
        text = texts.profile_card(*stored, context._, context.lang)
        markup = keyboards.profile(context._)
    await show(update, context, card, text, markup, new=True)
    return None


async def on_cancel(update: Update, context: BotContext) -> State:
    """/cancel: forget the unfinished answers and say so."""
    draft = load(context)
    drop(context)
    assert update.effective_chat is not None
    if draft is not None and draft.message_id is not None:
        await strip(context, update.effective_chat.id, draft.message_id)
    had_profile = await has_profile(context, update)
    await say(update, context, texts.cancelled(context._, had_profile=had_profile))
    return END


def _step(context: BotContext) -> Step:
    draft = load(context)
    return draft.step if draft is not None else Step.HOUSE_TYPE


async def on_unknown_command(update: Update, context: BotContext) -> State:
    """A command nobody knows, mid-dialogue: say what is expected; the state stays."""
    await say(update, context, texts.unknown_command(_step(context), context._))
    return None


async def on_other_message(update: Update, context: BotContext) -> State:
    """A sticker, photo, voice... mid-dialogue: say what is expected; the state stays."""
    await say(update, context, texts.not_text(_step(context), context._))
    return None
