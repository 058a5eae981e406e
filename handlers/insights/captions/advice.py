"""Captions that advise: savings in euro and today's green hours."""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.lists import format_list

from bot.charts.labels import appliance_name, clock, day, language
from bot.digiwatt.models import Appliance, Greenness
from bot.i18n import translator
from bot.units import format_energy, format_power, format_share
from handlers.insights.captions.common import format_euro, in_sentence
from handlers.insights.savings import SavingsAdvice

TOP_WINDOWS = 3


def savings(advice: SavingsAdvice, lang: str) -> list[str]:
    """The F1 share, what moving flexible appliances to F3 saves, what always-on costs a year."""
    _ = translator(language(lang))
    a = advice
    if a.f1_share_pct is None:
        lines = [_("Last 30 days: no consumption recorded.")]
    else:
        first = _("Last 30 days: {share} of your energy in F1, the dearest band").format(
            share=format_share(a.f1_share_pct, lang)
        )
        if a.year_f1_share_pct is not None:
            first += _(" (12 months: {share})").format(
                share=format_share(a.year_f1_share_pct, lang)
            )
        lines = [f"{first}."]
    if not a.moves:
        lines.append(_("None of your appliances can be moved in time."))
    elif a.move_saving_eur < 0.01:
        lines.append(_("Your flexible appliances already run in F3: nothing to gain there."))
    else:
        names = format_list(
            [in_sentence(m.appliance, lang) for m in a.moves if m.saving_eur > 0],
            locale=language(lang),
        )
        text = _(
            "Running your {appliances} at night or on Sunday (F3) would save {month} in 30 days, "
            "{year} a year."
        ).format(
            appliances=names,
            month=format_euro(a.move_saving_eur, lang),
            year=format_euro(a.move_saving_eur_year, lang, cents=False),
        )
        if a.flexible_green_pct is not None:
            text += " " + _("{share} of their energy already runs in green windows.").format(
                share=format_share(a.flexible_green_pct, lang)
            )
        lines.append(text)
    lines.append(
        _("Always on: {power}, about {energy} and {cost} a year.").format(
            power=format_power(a.baseload_w, lang),
            energy=format_energy(a.baseload_kwh_year * 1000, lang),
            cost=format_euro(a.baseload_eur_year, lang, cents=False),
        )
    )
    lines.append(
        _("Prices used: F1 {f1}, F2 {f2}, F3 {f3} per kWh.").format(
            f1=format_euro(a.prices.f1, lang),
            f2=format_euro(a.prices.f2, lang),
            f3=format_euro(a.prices.f3, lang),
        )
    )
    return lines


def _zone(data: Greenness) -> tzinfo | None:
    try:
        return ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def green(data: Greenness, lang: str, appliance: Appliance | None = None) -> list[str]:
    """Today's renewable share and the best windows, greenest first."""
    _ = translator(language(lang))
    zone = _zone(data)
    lines = [
        _("Green energy on {day}: {share} renewable on average.").format(
            day=day(data.date, lang), share=format_share(data.renewable_pct, lang)
        )
    ]
    best = sorted(data.windows, key=lambda w: (-w.renewable_pct, w.start))[:TOP_WINDOWS]
    if not best:
        lines.append(_("No green window today: renewables stay below their best level."))
        return lines
    hours = [f"{clock(w.start.astimezone(zone))}–{clock(w.stop.astimezone(zone))}" for w in best]
    spans = [
        f"{h} ({format_share(w.renewable_pct, lang)})" for h, w in zip(hours, best, strict=True)
    ]
    lines.append(_("Greenest hours: {windows}.").format(windows=", ".join(spans)))
    if appliance is not None:
        lines.append(
            _("{appliance}: the best time is {window}.").format(
                appliance=appliance_name(appliance, lang), window=hours[0]
            )
        )
    else:
        lines.append(_("A good time for the dishwasher, the washing machine or charging the car."))
    return lines
