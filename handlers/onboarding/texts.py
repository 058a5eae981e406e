"""What the onboarding dialogue says: questions, summary, /profile card and guidance (HTML).

Every string is English source text marked for gettext; `_` is the user's translator. Anything a
user typed is escaped before it is shown back.
"""

from __future__ import annotations

import html
from datetime import datetime

from babel.dates import format_date

from bot.charts import appliance_name
from bot.digiwatt.models import DEFAULT_APPLIANCES, Appliance, HouseType
from bot.i18n import N_, Translator
from bot.provinces import PROVINCES
from handlers.onboarding.draft import QUESTIONS, Answers, Draft, Part, Step
from handlers.onboarding.parsing import PEOPLE_MAX, SIZE_MAX, SIZE_MIN, BadAnswer, Problem

HOUSE_TYPES: dict[HouseType, str] = {
    HouseType.APARTMENT: N_("Apartment"),
    HouseType.TOWNHOUSE: N_("Townhouse"),
    HouseType.DETACHED: N_("Detached house"),
    HouseType.SECOND: N_("Second home"),
}

PARTS: dict[Part, str] = {
    Part.HOUSE_TYPE: N_("Type of home"),
    Part.SIZE: N_("Size"),
    Part.PROVINCE: N_("Province"),
    Part.PEOPLE: N_("People"),
    Part.APPLIANCES: N_("Appliances"),
}

# The order people think of their appliances in, commonest first (the enum is alphabetical).
APPLIANCE_ORDER: tuple[Appliance, ...] = (
    Appliance.FRIDGE,
    Appliance.WASHING_MACHINE,
    Appliance.DISHWASHER,
    Appliance.OVEN,
    Appliance.MICROWAVE,
    Appliance.TELEVISION,
    Appliance.INDUCTION_COOKTOP,
    Appliance.BOILER,
    Appliance.ELECTRIC_HEATER,
    Appliance.AIR_CONDITIONER,
    Appliance.HEAT_PUMP,
    Appliance.SOLAR_PANEL,
    Appliance.SOLAR_BATTERY,
    Appliance.CHARGING_STATION,
    Appliance.ELECTRIC_VEHICLE,
)

# Shown back from what a user typed: enough to recognise it, never a wall of text.
_ECHO_CHARS = 40


def echo(text: str) -> str:
    """User text, shortened and HTML-escaped, to quote it back."""
    text = " ".join(text.split())
    if len(text) > _ECHO_CHARS:
        text = text[: _ECHO_CHARS - 1] + "…"
    return html.escape(text, quote=False)


def house_type_name(value: HouseType, _: Translator) -> str:
    return _(HOUSE_TYPES[value])


def province_label(code: str) -> str:
    """The province as plain text, e.g. "Bologna (BO)", for buttons."""
    return f"{PROVINCES[code].name} ({code})"


def province_name(code: str) -> str:
    """The province HTML-escaped for messages ("L'Aquila" has an apostrophe)."""
    return html.escape(province_label(code), quote=False)


def appliances_text(appliances: dict[Appliance, int], _: Translator, lang: str) -> str:
    """The chosen appliances, e.g. "Fridge, Dishwasher ×2"; when none, the default set, saying so."""
    if not appliances:
        usual = ", ".join(appliance_name(a, lang) for a in DEFAULT_APPLIANCES)
        return _("none chosen, so Digiwatt assumes the usual set: {appliances}").format(
            appliances=html.escape(usual, quote=False)
        )
    names = [
        appliance_name(a, lang) + (f" ×{appliances[a]}" if appliances[a] > 1 else "")
        for a in APPLIANCE_ORDER
        if a in appliances
    ]
    return html.escape(", ".join(names), quote=False)


def household_lines(answers: Answers, _: Translator, lang: str) -> str:
    """The household, one line per part, as the summary and the /profile card show it."""
    missing = "—"
    house_type = house_type_name(answers.house_type, _) if answers.house_type else missing
    size = _("{size} m²").format(size=answers.size) if answers.size is not None else missing
    province = province_name(answers.province) if answers.province else missing
    people = _("Adults: {adults} · Children: {children} · Aged 65 or over: {elderly}").format(
        adults=_show(answers.adults),
        children=_show(answers.children),
        elderly=_show(answers.elderly),
    )
    return "\n".join(
        (
            "🏠 " + _("Type of home: <b>{value}</b>").format(value=house_type),
            "📐 " + _("Size: <b>{value}</b>").format(value=size),
            "📍 " + _("Province: <b>{value}</b>").format(value=province),
            "👥 " + people,
            "🔌 "
            + _("Appliances: {value}").format(value=appliances_text(answers.appliances, _, lang)),
        )
    )


def _show(value: int | None) -> str:
    return "—" if value is None else str(value)


def question(draft: Draft, _: Translator, lang: str) -> str:
    """The text of the draft's current question or summary."""
    step = draft.step
    if step == Step.SUMMARY:
        return (
            _("<b>Here is your home</b>")
            + "\n\n"
            + household_lines(draft.answers, _, lang)
            + "\n\n"
            + _("Is everything right? Tap <b>Confirm</b> to send it to Digiwatt, or change a part.")
        )
    lines: list[str] = []
    if step == Step.HOUSE_TYPE and draft.editing is None and draft.answers == Answers():
        lines += [
            _("🏠 <b>Tell me about your home</b>"),
            _(
                "With a few details Digiwatt compares you with similar homes and tailors its "
                "advice. It takes a minute."
            ),
            "",
        ]
    if draft.editing is None:
        lines.append(
            "<i>"
            + _("Question {number} of {total}").format(
                number=draft.position(), total=len(QUESTIONS)
            )
            + "</i>"
        )
    lines.append(_QUESTIONS[step](_))
    current = _current_answer(draft, _)
    if current:
        lines.append(_("Now: <b>{value}</b>").format(value=current))
    return "\n".join(lines)


def _current_answer(draft: Draft, _: Translator) -> str | None:
    a = draft.answers
    if draft.step == Step.SIZE and a.size is not None:
        return _("{size} m²").format(size=a.size)
    if draft.step == Step.PROVINCE and a.province:
        return province_name(a.province)
    return None  # buttons show the other answers with a tick


_QUESTIONS = {
    Step.HOUSE_TYPE: lambda _: _("<b>What kind of home is it?</b>"),
    Step.SIZE: lambda _: _(
        "<b>How big is it?</b> Type the floor area in square metres, for example 85."
    ),
    Step.PROVINCE: lambda _: _(
        "<b>Which province is it in?</b> Type the two-letter code, for example MI, "
        "or the name, for example Milano."
    ),
    Step.ADULTS: lambda _: _(
        "<b>How many adults live there?</b> Tap a number, or type it if there are more than 5."
    ),
    Step.CHILDREN: lambda _: _(
        "<b>How many children (under 18)?</b> Tap a number, or type it if there are more than 5."
    ),
    Step.ELDERLY: lambda _: _(
        "<b>How many people aged 65 or over?</b> Tap a number, or type it if there are more than 5."
    ),
    Step.APPLIANCES: lambda _: _(
        "<b>Which appliances do you have?</b> Tap one to select it, then + and − for how many. "
        "Tap <b>Done</b> when finished; if you select none, Digiwatt assumes the usual set."
    ),
}


def suggestion(typed: str, code: str, _: Translator) -> str:
    return _(
        "I don't know the province “{typed}”. Did you mean <b>{province}</b>? "
        "Tap yes, or type the province again."
    ).format(typed=echo(typed), province=province_name(code))


def unknown_province(typed: str, _: Translator) -> str:
    return _(
        "I don't know the province “{typed}”. Type the two-letter code from the car plates, "
        "for example BO, or the name, for example Bologna."
    ).format(typed=echo(typed))


def bad_size(error: BadAnswer, _: Translator) -> str:
    if error.problem == Problem.NOT_A_NUMBER:
        return _(
            "I need the floor area as a number of square metres between {min} and {max}, "
            "for example 85."
        ).format(min=SIZE_MIN, max=SIZE_MAX)
    return _("{value} m² is not a size I can use: type a number between {min} and {max}.").format(
        value=error.value, min=SIZE_MIN, max=SIZE_MAX
    )


def bad_count(error: BadAnswer, step: Step, _: Translator) -> str:
    if step == Step.ADULTS and error.problem == Problem.TOO_SMALL:
        return _("At least one adult lives in the home: tap or type a number from 1.")
    if error.problem == Problem.TOO_LARGE:
        return _("That is more people than I can count: the most is {max}.").format(max=PEOPLE_MAX)
    return _("Please tap a number, or type one between {min} and {max}.").format(
        min=1 if step == Step.ADULTS else 0, max=PEOPLE_MAX
    )


def hint(step: Step, _: Translator) -> str:
    """What to do at `step`, for guidance after an answer that could not be used."""
    return {
        Step.HOUSE_TYPE: lambda: _("Tap the kind of home in the message above."),
        Step.SIZE: lambda: _("Type the floor area in square metres, for example 85."),
        Step.PROVINCE: lambda: _("Type the province's two-letter code or its name, e.g. BO."),
        Step.ADULTS: lambda: _("Tap a number in the message above, or type one."),
        Step.CHILDREN: lambda: _("Tap a number in the message above, or type one."),
        Step.ELDERLY: lambda: _("Tap a number in the message above, or type one."),
        Step.APPLIANCES: lambda: _("Tap your appliances in the message above, then Done."),
        Step.SUMMARY: lambda: _("Tap Confirm in the message above, or change a part."),
    }.get(step, lambda: _("Send /profile to see your home."))()


def cancel_hint(_: Translator) -> str:
    return _("Send /cancel to stop.")


def profile_card(answers: Answers, submitted_at: datetime, _: Translator, lang: str) -> str:
    day = format_date(submitted_at.date(), format="long", locale=lang)
    return (
        _("<b>Your home</b>")
        + "\n\n"
        + household_lines(answers, _, lang)
        + "\n\n"
        + _("Last sent to Digiwatt on {day}. Tap a part to change it.").format(day=day)
    )


def no_profile(_: Translator) -> str:
    return _(
        "You haven't described your home yet. With a few details Digiwatt compares you with "
        "similar homes and tailors its advice."
    )


def thanks(_: Translator) -> str:
    return _(
        "✅ <b>Thank you!</b> Your home is saved and Digiwatt will use it for comparisons and "
        "advice. See what I can show you with /menu, and change your home any time with /profile."
    )


def cancelled(_: Translator, *, had_profile: bool) -> str:
    if had_profile:
        return _(
            "Stopped. I kept nothing from this conversation; the home you saved before is "
            "unchanged. Send /profile to see or change it."
        )
    return _(
        "Stopped. I kept nothing from this conversation. Send /profile whenever you want to "
        "describe your home."
    )


def digiwatt_down(_: Translator, retry_after: float | None = None) -> str:
    """Digiwatt failed; `retry_after` (seconds) when it said how long to wait (rate limited)."""
    if retry_after is not None and retry_after < 2:
        return _(
            "⚠️ Digiwatt is busy right now. Your answers are kept: tap <b>Try again</b> in a moment."
        )
    if retry_after is not None:
        return _(
            "⚠️ Digiwatt is busy right now. Your answers are kept: tap <b>Try again</b> in "
            "{seconds} seconds."
        ).format(seconds=max(1, round(retry_after)))
    return _(
        "⚠️ Digiwatt is not answering right now. Your answers are kept: tap <b>Try again</b> "
        "in a moment."
    )


def refused(part: Part, _: Translator) -> str:
    return _("⚠️ Digiwatt did not accept this answer ({part}). Please check it.").format(
        part=_(PARTS[part]).lower()
    )


def account_gone(_: Translator) -> str:
    return _(
        "Digiwatt no longer knows the account linked to this chat, so your home was not sent. "
        "Send /link to link your account again."
    )


def stale_button(_: Translator) -> str:
    return _("This button is from an older message. Please use the latest one, or send /profile.")


def at_most(maximum: int, _: Translator) -> str:
    return _("At most {max}.").format(max=maximum)


def use_buttons(step: Step, _: Translator) -> str:
    return hint(step, _) + " " + cancel_hint(_)


def not_text(step: Step, _: Translator) -> str:
    return _("I can only use text or the buttons here.") + " " + use_buttons(step, _)


def too_long(step: Step, _: Translator) -> str:
    return _("That message is too long to be an answer.") + " " + use_buttons(step, _)


def unknown_command(step: Step, _: Translator) -> str:
    return _("I don't know that command. We are describing your home:") + " " + use_buttons(step, _)


def lost_track(_: Translator) -> str:
    return _(
        "Sorry, I lost track of our conversation about your home. Send /profile to start again."
    )


def resume_note(_: Translator) -> str:
    return _("You are describing your home; here is where we were. Send /cancel to stop.")
