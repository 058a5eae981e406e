"""Captions of the answers over a period: consumption, similar homes, habits."""

from __future__ import annotations

from collections import defaultdict

from babel.dates import get_day_names

from bot.charts.labels import date_range, language, period_name
from bot.digiwatt.models import Appliance, ConsumptionTotals, Habits, Performance, Period
from bot.i18n import N_, translator
from bot.units import format_energy
from handlers.insights.captions.common import (
    AVERAGE,
    MONTH_BEFORE,
    Against,
    change_pct,
    comparison,
    focus,
    top_users,
)

# What Digiwatt compares each period with: a running period with the same span before it.
BEFORE: dict[Period, Against] = {
    Period.YESTERDAY: Against(N_("than the day before"), N_("about the same as the day before")),
    Period.LAST_SEVEN_DAYS: Against(
        N_("than the 7 days before"), N_("about the same as the 7 days before")
    ),
    Period.THIS_WEEK: Against(
        N_("than at this point last week"), N_("about the same as at this point last week")
    ),
    Period.LAST_WEEK: Against(N_("than the week before"), N_("about the same as the week before")),
    Period.THIS_MONTH: Against(
        N_("than at this point last month"), N_("about the same as at this point last month")
    ),
    Period.LAST_MONTH: MONTH_BEFORE,
}


def consumption(
    totals: ConsumptionTotals, lang: str, appliance: Appliance | None = None
) -> list[str]:
    """'Yesterday (Tuesday 3 March): 7.9 kWh, 12% less than the day before.' + the largest users."""
    _ = translator(language(lang))
    head = _("{period} ({dates}): {energy}").format(
        period=period_name(totals.period, lang),
        dates=date_range(totals.start, totals.end, lang),
        energy=format_energy(totals.total_wh, lang),
    )
    before = BEFORE[totals.period]
    compared = comparison(totals.change_pct, before, lang, _)
    lines = [f"{head}, {compared}." if compared else f"{head}."]
    if totals.total_wh == 0:
        lines.append(_("No consumption recorded in this period."))
    elif top := top_users(totals.appliances, lang):
        lines.append(_("Biggest users: {list}.").format(list=top))
    if appliance is not None:
        lines.append(focus(totals.appliances, appliance, lang, _, before))
    return lines


def compare(performance: Performance, lang: str) -> list[str]:
    """You against similar homes: your energy, their average, the range."""
    _ = translator(language(lang))
    p = performance
    lines = [
        _("{period} ({dates}): you used {you}; similar homes {average} on average.").format(
            period=period_name(p.period, lang),
            dates=date_range(p.start, p.end, lang),
            you=format_energy(p.user_wh, lang),
            average=format_energy(p.average_wh, lang),
        )
    ]
    compared = comparison(change_pct(p.user_wh, p.average_wh), AVERAGE, lang, _)
    if compared:
        lines.append(_("That is {comparison}.").format(comparison=compared))
    lines.append(
        _("The {homes} similar homes range from {low} to {high}.").format(
            homes=p.similar_homes,
            low=format_energy(p.min_wh, lang),
            high=format_energy(p.max_wh, lang),
        )
    )
    return lines


def _hours(hour: int) -> str:
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def habits(data: Habits, lang: str) -> list[str]:
    """When energy goes: the busiest hour of the week, the busiest day, the quietest hour."""
    _ = translator(language(lang))
    head = f"{period_name(data.period, lang)} ({date_range(data.start, data.end, lang)})"
    cells = data.cells
    if not cells or not any(c.energy_wh for c in cells):
        return [head, _("No consumption recorded in this period.")]
    names = get_day_names("wide", locale=language(lang))
    peak = max(cells, key=lambda c: (c.energy_wh, -c.weekday, -c.hour))
    days: dict[int, int] = defaultdict(int)
    hours: dict[int, list[int]] = defaultdict(list)
    for cell in cells:
        days[cell.weekday] += cell.energy_wh
        hours[cell.hour].append(cell.energy_wh)
    busiest = max(sorted(days), key=days.__getitem__)
    quiet = min(sorted(hours), key=lambda h: sum(hours[h]) / len(hours[h]))
    return [
        _("{period}: you use the most on {weekday}, {hours} ({energy} on average).").format(
            period=head,
            weekday=names[peak.weekday - 1],
            hours=_hours(peak.hour),
            energy=format_energy(peak.energy_wh, lang),
        ),
        _("Busiest day: {weekday} ({energy} on average).").format(
            weekday=names[busiest - 1], energy=format_energy(days[busiest], lang)
        ),
        _("Quietest hour: {hours} ({energy} on average).").format(
            hours=_hours(quiet), energy=format_energy(sum(hours[quiet]) / len(hours[quiet]), lang)
        ),
    ]
