"""Alert texts, personal and translated: pure functions of greenness, household and language.

Only the text is personal: the chart beside it is the same for everyone (see chart_cache).
Times are shown in the subscriber's zone; the Digiwatt forecast is in the grid's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import Enum

from babel.dates import format_date
from babel.lists import format_list

from bot.charts.labels import clock, day, language
from bot.digiwatt.models import (
    DEFAULT_APPLIANCES,
    FLEXIBLE_APPLIANCES,
    Appliance,
    ConsumptionTotals,
    Greenness,
    GreenWindow,
    OnboardingRequest,
    Saving,
)
from bot.i18n import N_, translator
from bot.units import format_change, format_energy, format_share

# A flexible appliance whose energy is already this green needs no advice.
GREEN_ENOUGH_PCT = 70.0


class Action(Enum):
    """What one does with an appliance in a green window; each has its own sentence."""

    RUN = "run"  # short cycles: the best window
    CHARGE = "charge"  # long loads: the longest window
    HEAT = "heat"


ACTIONS: dict[Appliance, Action] = {
    Appliance.DISHWASHER: Action.RUN,
    Appliance.WASHING_MACHINE: Action.RUN,
    Appliance.CHARGING_STATION: Action.CHARGE,
    Appliance.ELECTRIC_VEHICLE: Action.CHARGE,
    Appliance.BOILER: Action.HEAT,
}

# Names as they read inside a sentence ("run the dishwasher"), unlike the chart labels.
SENTENCE_NAMES: dict[Appliance, str] = {
    Appliance.DISHWASHER: N_("the dishwasher"),
    Appliance.WASHING_MACHINE: N_("the washing machine"),
    Appliance.CHARGING_STATION: N_("the EV charger"),
    Appliance.ELECTRIC_VEHICLE: N_("the electric car"),
    Appliance.BOILER: N_("the water heater"),
}


def flexible_appliances(profile: OnboardingRequest | None) -> tuple[Appliance, ...]:
    """The household's appliances that can wait for a green window, in a fixed order.

    No profile, or one naming no appliance, means Digiwatt's default set."""
    owned = (
        {item.appliance for item in profile.appliances}
        if profile is not None and profile.appliances
        else set(DEFAULT_APPLIANCES)
    )
    return tuple(a for a in FLEXIBLE_APPLIANCES if a in owned)


def hours(window: GreenWindow, zone: tzinfo, today: date, lang: str) -> str:
    """'13:00–15:00' in the subscriber's zone; the weekday first when it is another day there."""
    start, stop = window.start.astimezone(zone), window.stop.astimezone(zone)
    text = f"{clock(start)}–{clock(stop)}"
    if start.date() != today:
        text = f"{format_date(start.date(), 'EEE', locale=lang)} {text}"
    return text


@dataclass(frozen=True, slots=True)
class PlanLine:
    action: Action
    appliances: tuple[Appliance, ...]
    window: GreenWindow


def plan(windows: Sequence[GreenWindow], appliances: Iterable[Appliance]) -> list[PlanLine]:
    """Which appliance to use in which window: short cycles in the greenest window, long
    loads (charging, water heating) in the longest one."""
    if not windows:
        return []
    best = max(windows, key=lambda w: w.renewable_pct)
    longest = max(windows, key=lambda w: (w.stop - w.start, w.renewable_pct))
    grouped: dict[Action, list[Appliance]] = {}
    for appliance in appliances:
        grouped.setdefault(ACTIONS[appliance], []).append(appliance)
    return [
        PlanLine(action, tuple(items), best if action is Action.RUN else longest)
        for action, items in grouped.items()
    ]


def _names(appliances: Iterable[Appliance], lang: str) -> str:
    _ = translator(lang)
    return format_list([_(SENTENCE_NAMES[a]) for a in appliances], locale=lang)


def _plan_text(line: PlanLine, zone: tzinfo, today: date, lang: str) -> str:
    _ = translator(lang)
    when = hours(line.window, zone, today, lang)
    if line.action is Action.RUN:
        text = _("Run {appliances} {hours}").format(
            appliances=_names(line.appliances, lang), hours=when
        )
    elif line.action is Action.CHARGE:
        text = _("Charge the car {hours}").format(hours=when)
    else:
        text = _("Heat water with the water heater {hours}").format(hours=when)
    return f"▸ {text}"


def _advice(
    windows: Sequence[GreenWindow],
    appliances: Sequence[Appliance],
    zone: tzinfo,
    today: date,
    lang: str,
) -> list[str]:
    _ = translator(lang)
    if not appliances:
        return [_("Shift what you can into these hours: washing, dishes, charging.")]
    return [_plan_text(line, zone, today, lang) for line in plan(windows, appliances)]


def daily_text(
    greenness: Greenness,
    appliances: Sequence[Appliance],
    lang: str,
    zone: tzinfo,
    now: datetime,
) -> str:
    """The daily push: today's windows still ahead, the renewable share, what to run when."""
    lang = language(lang)
    _ = translator(lang)
    today = now.astimezone(zone).date()
    title = _("Green energy today")
    lines = [
        f"🌿 <b>{title}</b> · {day(today, lang)}",
        _("Renewable share today: {share} on average.").format(
            share=format_share(greenness.renewable_pct, lang)
        ),
    ]
    ahead = [w for w in greenness.windows if w.stop > now]
    if not greenness.windows:
        lines.append(_("No green window today: renewables stay below their best level"))
    elif not ahead:
        lines.append(_("Today's green windows are over: the next forecast comes tomorrow."))
    else:
        best = ", ".join(
            f"{hours(w, zone, today, lang)} ({format_share(w.renewable_pct, lang)})" for w in ahead
        )
        lines.append(_("Best hours: {windows}").format(windows=best))
        lines.append("")
        lines.extend(_advice(ahead, appliances, zone, today, lang))
    return "\n".join(lines)


def reminder_text(
    window: GreenWindow,
    lead_minutes: int,
    appliances: Sequence[Appliance],
    lang: str,
    zone: tzinfo,
    now: datetime,
) -> str:
    """The "starting soon" reminder for one window."""
    lang = language(lang)
    _ = translator(lang)
    today = now.astimezone(zone).date()
    title = _("Green window in {minutes} min").format(minutes=lead_minutes)
    lines = [
        f"⏰ <b>{title}</b>",
        _("{hours}, {share} renewable").format(
            hours=hours(window, zone, today, lang), share=format_share(window.renewable_pct, lang)
        ),
        *_advice([window], appliances, zone, today, lang),
    ]
    return "\n".join(lines)


def forecast_missing_text(lang: str) -> str:
    """Said once, instead of the daily push, when the day's forecast never came."""
    _ = translator(language(lang))
    return _(
        "Today's green-energy forecast is missing: Digiwatt has not published it. "
        "Sorry! Your alert will be back tomorrow at the usual time."
    )


def _suggestion(saving: Saving, lang: str) -> str:
    _ = translator(lang)
    # The appliance with the most energy outside the green windows has the most to gain.
    candidates = [f for f in saving.flexible if f.energy_wh > 0 and f.appliance in SENTENCE_NAMES]
    if not candidates:
        return _("Next week: move one wash or one dishwasher run into the daily green window.")
    worst = max(candidates, key=lambda f: f.energy_wh - f.green_wh)
    share = 100 * worst.green_wh / worst.energy_wh
    if share >= GREEN_ENOUGH_PCT:
        return _(
            "Next week: keep it up, your flexible appliances already run mostly on green energy."
        )
    return _(
        "Next week: run {appliance} in the green windows; only {share} of its energy was green."
    ).format(appliance=_(SENTENCE_NAMES[worst.appliance]), share=format_share(share, lang))


def recap_text(totals: ConsumptionTotals, saving: Saving, lang: str) -> str:
    """The Sunday recap: the week against the one before, the green share, one suggestion."""
    lang = language(lang)
    _ = translator(lang)
    energy = format_energy(totals.total_wh, lang)
    if totals.change_pct is None:
        week = _("This week you used {energy}.").format(energy=energy)
    else:
        week = _(
            "This week you used {energy}: {change} against the week before ({previous})."
        ).format(
            energy=energy,
            change=format_change(totals.change_pct, lang),
            previous=format_energy(totals.previous_total_wh, lang),
        )
    green = _("{share} of your energy in the last 30 days was used in green windows.").format(
        share=format_share(saving.green_share_pct, lang)
    )
    title = _("Your week")
    return "\n".join([f"📊 <b>{title}</b>", week, green, "", f"💡 {_suggestion(saving, lang)}"])
