"""The onboarding's inline keyboards: one per step, with the current answers ticked."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.charts import appliance_name
from bot.digiwatt.models import HouseType
from bot.i18n import Translator
from handlers.onboarding import actions
from handlers.onboarding.actions import Op
from handlers.onboarding.draft import COUNT_STEPS, Draft, Part, Step
from handlers.onboarding.texts import APPLIANCE_ORDER, PARTS, house_type_name, province_label

TICK = "✓ "
COUNT_BUTTONS = 5  # 0-5 (1-5 for adults) as buttons; more is typed


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def back_button(step: Step, _: Translator) -> InlineKeyboardButton:
    return _button(_("◀ Back"), actions.back(step))


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def for_step(
    draft: Draft, _: Translator, lang: str, *, retry: bool = False
) -> InlineKeyboardMarkup:
    """The keyboard of the draft's current step (`retry`: the summary after Digiwatt failed)."""
    step = draft.step
    if step == Step.HOUSE_TYPE:
        rows = _pairs(
            [
                _button(
                    (TICK if draft.answers.house_type == value else "") + house_type_name(value, _),
                    actions.house_type(value),
                )
                for value in HouseType
            ]
        )
        if draft.previous_step() is None:
            rows.append([_button(_("Not now"), actions.LATER)])
        else:
            rows.append([back_button(step, _)])
        return InlineKeyboardMarkup(rows)
    if step == Step.PROVINCE and draft.suggestion:
        yes = _("Yes, {province}").format(province=province_label(draft.suggestion))
        return InlineKeyboardMarkup(
            [[_button(yes, actions.province(draft.suggestion))], [back_button(step, _)]]
        )
    if step in COUNT_STEPS:
        current = draft.answers.count(step)
        low = 1 if step == Step.ADULTS else 0
        numbers = [
            _button((TICK if current == n else "") + str(n), actions.count(step, n))
            for n in range(low, COUNT_BUTTONS + 1)
        ]
        return InlineKeyboardMarkup([numbers, [back_button(step, _)]])
    if step == Step.APPLIANCES:
        return appliances(draft, _, lang)
    if step == Step.SUMMARY:
        return summary(_, retry=retry)
    return InlineKeyboardMarkup([[back_button(step, _)]])  # size, province: typed answers


def appliances(draft: Draft, _: Translator, lang: str) -> InlineKeyboardMarkup:
    """One row per appliance: a toggle, and − / + beside the chosen ones."""
    rows = []
    chosen = draft.answers.appliances
    for appliance in APPLIANCE_ORDER:
        name = appliance_name(appliance, lang)
        quantity = chosen.get(appliance, 0)
        if not quantity:
            rows.append([_button(name, actions.appliance(Op.TOGGLE, appliance))])
            continue
        label = "✅ " + name + (f" ×{quantity}" if quantity > 1 else "")
        rows.append(
            [
                _button(label, actions.appliance(Op.TOGGLE, appliance)),
                _button("−", actions.appliance(Op.LESS, appliance)),
                _button("+", actions.appliance(Op.MORE, appliance)),
            ]
        )
    rows.append([back_button(Step.APPLIANCES, _), _button(_("Done ✔"), actions.DONE)])
    return InlineKeyboardMarkup(rows)


def _change_buttons(_: Translator) -> list[list[InlineKeyboardButton]]:
    return _pairs([_button("✏️ " + _(PARTS[part]), actions.change(part)) for part in Part])


def summary(_: Translator, *, retry: bool = False) -> InlineKeyboardMarkup:
    confirm = _("🔄 Try again") if retry else _("✅ Confirm")
    return InlineKeyboardMarkup(
        [[_button(confirm, actions.CONFIRM)], *_change_buttons(_), [back_button(Step.SUMMARY, _)]]
    )


def profile(_: Translator) -> InlineKeyboardMarkup:
    """The /profile card's buttons: change a part, or start over."""
    return InlineKeyboardMarkup([*_change_buttons(_), [_button(_("🔄 Start over"), actions.NEW)]])


def no_profile(_: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(_("🏠 Describe my home"), actions.NEW)]])
