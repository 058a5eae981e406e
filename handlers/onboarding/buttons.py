"""Buttons of the onboarding: answers, navigation, change, and the confirmation to Digiwatt."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import pydantic
from telegram import Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.digiwatt.errors import DigiwattError, NotFound, RateLimited, ValidationError
from bot.digiwatt.models import HouseType
from handlers.common import current_link, db, is_private, not_linked_text
from handlers.onboarding import keyboards, texts
from handlers.onboarding.actions import Action, Kind, Op
from handlers.onboarding.actions import parse as parse_action
from handlers.onboarding.draft import (
    COUNT_STEPS,
    QUANTITY_MAX,
    QUESTIONS,
    Answers,
    Draft,
    Part,
    Step,
    part_of,
    step_for_field,
)
from handlers.onboarding.parsing import ADULTS_MIN, BadAnswer, Problem
from handlers.onboarding.screen import (
    END,
    State,
    ack,
    drop,
    edit,
    has_profile,
    is_current,
    load,
    next_question,
    present,
    saved_answers,
    say,
    state_of,
    store,
)
from storage.repositories import profiles

if TYPE_CHECKING:
    from bot.digiwatt.client import DigiwattClient

log = logging.getLogger(__name__)


async def on_button(update: Update, context: BotContext) -> State:
    """Any "onb:" button: acted on if it belongs to the live message and step, else answered."""
    query = update.callback_query
    assert query is not None
    _ = context._
    action = parse_action(query.data)
    draft = load(context)
    if action is None or draft is None or not is_current(query, draft):
        await query.answer(texts.stale_button(_))
        return None
    # Starting (again) needs a private, linked chat: the answers end up on its account.
    starting = not draft.active or action.kind in (Kind.CHANGE, Kind.NEW)
    if starting and not await _may_start(update, context):
        await ack(update)
        await say(update, context, not_linked_text(context))  # too long for a toast
        return None
    handler = _BUTTONS[action.kind]
    return await handler(update, context, draft, action)


async def _may_start(update: Update, context: BotContext) -> bool:
    chat = update.effective_chat
    return (
        is_private(update) and chat is not None and await current_link(context, chat.id) is not None
    )


async def _stale(update: Update, context: BotContext) -> State:
    assert update.callback_query is not None
    await update.callback_query.answer(texts.stale_button(context._))
    return None


async def _pressed_house_type(
    update: Update, context: BotContext, draft: Draft, action: Action
) -> State:
    if draft.step != Step.HOUSE_TYPE:
        return await _stale(update, context)
    await ack(update)
    draft.answers.house_type = HouseType(str(action.value))
    return await next_question(update, context, draft)


async def _pressed_province(
    update: Update, context: BotContext, draft: Draft, action: Action
) -> State:
    if draft.step != Step.PROVINCE or draft.suggestion != action.value:
        return await _stale(update, context)
    await ack(update)
    draft.answers.province = str(action.value)
    return await next_question(update, context, draft)


async def _pressed_count(
    update: Update, context: BotContext, draft: Draft, action: Action
) -> State:
    if draft.step not in COUNT_STEPS or action.step != draft.step:
        return await _stale(update, context)
    assert isinstance(action.value, int) and update.callback_query is not None
    if draft.step == Step.ADULTS and action.value < ADULTS_MIN:
        error = BadAnswer(Problem.TOO_SMALL, action.value)
        await update.callback_query.answer(texts.bad_count(error, draft.step, context._))
        return None
    await ack(update)
    draft.answers.set_count(draft.step, action.value)
    return await next_question(update, context, draft)


async def _pressed_appliance(
    update: Update, context: BotContext, draft: Draft, action: Action
) -> State:
    """Toggle or change a quantity: only the keyboard changes, edited in place."""
    query = update.callback_query
    assert query is not None
    if draft.step != Step.APPLIANCES:
        return await _stale(update, context)
    chosen = draft.answers.appliances
    appliance = next(a for a in texts.APPLIANCE_ORDER if a.value == action.value)
    quantity = chosen.get(appliance, 0)
    if action.op == Op.TOGGLE:
        quantity = 0 if quantity else 1
    elif action.op == Op.MORE:
        if quantity >= QUANTITY_MAX:
            await query.answer(texts.at_most(QUANTITY_MAX, context._))
            return None
        quantity += 1
    else:
        quantity = max(0, quantity - 1)
    if quantity:
        chosen[appliance] = quantity
    else:
        chosen.pop(appliance, None)
    await ack(update)
    try:
        await query.edit_message_reply_markup(keyboards.appliances(draft, context._, context.lang))
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
    store(context, draft)
    return state_of(draft)


async def _pressed_done(update: Update, context: BotContext, draft: Draft, action: Action) -> State:
    if draft.step != Step.APPLIANCES:
        return await _stale(update, context)
    await ack(update)
    return await next_question(update, context, draft)


async def _pressed_back(update: Update, context: BotContext, draft: Draft, action: Action) -> State:
    if action.step != draft.step or draft.step == Step.PROFILE or not draft.go_back():
        return await _stale(update, context)
    await ack(update)
    await present(update, context, draft)
    return state_of(draft)


async def _pressed_change(
    update: Update, context: BotContext, draft: Draft, action: Action
) -> State:
    if draft.step == Step.PROFILE:
        saved = await saved_answers(context, update)
        draft = Draft(answers=saved or Answers(), message_id=draft.message_id)
        if saved is None:  # nothing to change yet: describe the home from the start
            draft.active = True
            await ack(update)
            await present(update, context, draft)
            return state_of(draft)
    elif draft.step != Step.SUMMARY:
        return await _stale(update, context)
    await ack(update)
    draft.change(Part(str(action.value)))
    await present(update, context, draft)
    return state_of(draft)


async def _pressed_new(update: Update, context: BotContext, draft: Draft, action: Action) -> State:
    if draft.step != Step.PROFILE:
        return await _stale(update, context)
    await ack(update)
    draft = Draft(active=True, message_id=draft.message_id)
    await present(update, context, draft)
    return state_of(draft)


async def _pressed_later(
    update: Update, context: BotContext, draft: Draft, action: Action
) -> State:
    if draft.step != Step.HOUSE_TYPE or draft.previous_step() is not None:
        return await _stale(update, context)
    await ack(update)
    drop(context)
    assert update.callback_query is not None
    text = texts.cancelled(context._, had_profile=await has_profile(context, update))
    await edit(context, update.callback_query, text, None)
    return END


async def _pressed_confirm(
    update: Update, context: BotContext, draft: Draft, action: Action
) -> State:
    """Send the household to Digiwatt, then keep it locally; on failure nothing is lost."""
    query = update.callback_query
    assert query is not None and query.message is not None
    _ = context._
    if draft.step != Step.SUMMARY:
        return await _stale(update, context)
    link = await current_link(context, query.message.chat.id)
    if link is None:
        await ack(update)
        drop(context)
        await edit(context, query, not_linked_text(context), None)
        return END
    try:
        request = draft.answers.request()
    except pydantic.ValidationError as error:  # only a damaged draft gets here
        step = _step_of_local_error(error)
        await ack(update)
        draft.change(part_of(step), step=step)
        await present(update, context, draft, notice=texts.refused(part_of(step), _))
        return state_of(draft)
    await query.answer(_("Sending to Digiwatt…"))
    try:
        await _digiwatt(context).onboard(link.account_number, request)
    except ValidationError as error:
        return await _refused(update, context, draft, error)
    except NotFound:
        drop(context)
        await edit(context, query, texts.account_gone(_), None)
        return END
    except RateLimited as error:
        await present(
            update,
            context,
            draft,
            notice=texts.digiwatt_down(_, error.retry_after or 0),
            retry=True,
        )
        return None
    except DigiwattError as error:
        log.warning("chat %s: onboarding not sent: %s", link.chat_id, type(error).__name__)
        await present(update, context, draft, notice=texts.digiwatt_down(_), retry=True)
        return None
    async with db(context) as session:
        await profiles.save(session, link.account_number, request)
    drop(context)
    await edit(context, query, texts.thanks(_), None)
    return END


async def _refused(
    update: Update, context: BotContext, draft: Draft, error: ValidationError
) -> State:
    """Digiwatt refused a field: ask that question again, then back to the summary."""
    steps = {step_for_field(name) for name in error.fields}
    step = next((s for s in QUESTIONS if s in steps), None)
    if step is None:
        log.warning("onboarding refused without a known field: %s", sorted(error.fields))
        await present(update, context, draft, notice=texts.digiwatt_down(context._), retry=True)
        return None
    draft.change(part_of(step), step=step)
    await present(update, context, draft, notice=texts.refused(part_of(step), context._))
    return state_of(draft)


def _step_of_local_error(error: pydantic.ValidationError) -> Step:
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"])
        model = {"House": "house", "Residents": "residents"}.get(error.title, "")
        step = step_for_field(f"{model}.{field}" if model else field)
        if step is not None:
            return step
    return Step.HOUSE_TYPE


Pressed = Callable[[Update, BotContext, Draft, Action], Awaitable[State]]
_BUTTONS: dict[Kind, Pressed] = {
    Kind.HOUSE_TYPE: _pressed_house_type,
    Kind.CHANGE: _pressed_change,
    Kind.NEW: _pressed_new,
    Kind.BACK: _pressed_back,
    Kind.LATER: _pressed_later,
    Kind.PROVINCE: _pressed_province,
    Kind.COUNT: _pressed_count,
    Kind.APPLIANCE: _pressed_appliance,
    Kind.DONE: _pressed_done,
    Kind.CONFIRM: _pressed_confirm,
}


def _digiwatt(context: BotContext) -> DigiwattClient:
    client = context.resources.digiwatt
    assert client is not None, "post_init opens the Digiwatt client"
    return client
