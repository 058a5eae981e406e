"""Typed answers: a size, a province, a head count, or a house type by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.context import BotContext
from bot.i18n import LANGUAGES, translator
from handlers.common import MAX_INPUT_CHARS
from handlers.onboarding import keyboards, texts
from handlers.onboarding.draft import Draft, Step
from handlers.onboarding.parsing import ADULTS_MIN, BadAnswer, fold, match_province
from handlers.onboarding.parsing import parse_count as read_count
from handlers.onboarding.parsing import parse_size as read_size
from handlers.onboarding.screen import END, State, load, next_question, say, show


async def on_text(update: Update, context: BotContext) -> State:
    """A typed answer to the current question; guidance (state unchanged) when it is not one."""
    _ = context._
    draft = load(context)
    message = update.effective_message
    assert message is not None and message.text is not None
    if draft is None:
        await say(update, context, texts.lost_track(_))
        return END
    if not draft.active:  # the first question or the /profile card: buttons only
        await say(update, context, texts.use_buttons(draft.step, _))
        return END
    text = message.text
    if len(text) > MAX_INPUT_CHARS:
        await say(update, context, texts.too_long(draft.step, _))
        return None
    answer = _TYPED.get(draft.step)
    if answer is None:  # appliances and summary take buttons only
        await say(update, context, texts.use_buttons(draft.step, _))
        return None
    return await answer(update, context, draft, text)


async def _typed_house_type(update: Update, context: BotContext, draft: Draft, text: str) -> State:
    wanted = fold(text)
    for value, label in texts.HOUSE_TYPES.items():
        names = {fold(translator(lang)(label)) for lang in LANGUAGES} | {fold(value.value)}
        if wanted in names:
            draft.answers.house_type = value
            return await next_question(update, context, draft)
    await say(update, context, texts.use_buttons(draft.step, context._))
    return None


async def _typed_size(update: Update, context: BotContext, draft: Draft, text: str) -> State:
    try:
        draft.answers.size = read_size(text)
    except BadAnswer as error:
        await say(update, context, texts.bad_size(error, context._))
        return None
    return await next_question(update, context, draft)


async def _typed_province(update: Update, context: BotContext, draft: Draft, text: str) -> State:
    found = match_province(text)
    if found.code is not None:
        draft.answers.province = found.code
        return await next_question(update, context, draft)
    if found.suggestion is not None:
        draft.suggestion = found.suggestion
        markup = keyboards.for_step(draft, context._, context.lang)
        await show(
            update, context, draft, texts.suggestion(text, found.suggestion, context._), markup
        )
        return None
    await say(update, context, texts.unknown_province(text, context._))
    return None


async def _typed_count(update: Update, context: BotContext, draft: Draft, text: str) -> State:
    minimum = ADULTS_MIN if draft.step == Step.ADULTS else 0
    try:
        value = read_count(text, minimum=minimum)
    except BadAnswer as error:
        await say(update, context, texts.bad_count(error, draft.step, context._))
        return None
    draft.answers.set_count(draft.step, value)
    return await next_question(update, context, draft)


Typed = Callable[[Update, BotContext, Draft, str], Awaitable[State]]
_TYPED: dict[Step, Typed] = {
    Step.HOUSE_TYPE: _typed_house_type,
    Step.SIZE: _typed_size,
    Step.PROVINCE: _typed_province,
    Step.ADULTS: _typed_count,
    Step.CHILDREN: _typed_count,
    Step.ELDERLY: _typed_count,
}
