"""Localized names for what charts (and captions) show: appliances, periods, bands, dates and hours."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from babel.dates import format_date, format_interval, get_day_names, get_month_names

from bot.digiwatt.models import Appliance, Period, TariffBand
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, gettext

APPLIANCE_NAMES: dict[Appliance, str] = {
    Appliance.AIR_CONDITIONER: N_("Air conditioner"),
    Appliance.BOILER: N_("Water heater"),
    Appliance.CHARGING_STATION: N_("EV charger"),
    Appliance.DISHWASHER: N_("Dishwasher"),
    Appliance.ELECTRIC_HEATER: N_("Electric heater"),
    Appliance.ELECTRIC_VEHICLE: N_("Electric car"),
    Appliance.FRIDGE: N_("Fridge"),
    Appliance.HEAT_PUMP: N_("Heat pump"),
    Appliance.INDUCTION_COOKTOP: N_("Induction hob"),
    Appliance.MICROWAVE: N_("Microwave"),
    Appliance.OVEN: N_("Oven"),
    Appliance.SOLAR_BATTERY: N_("Home battery"),
    Appliance.SOLAR_PANEL: N_("Solar panels"),
    Appliance.TELEVISION: N_("TV"),
    Appliance.WASHING_MACHINE: N_("Washing machine"),
}

PERIOD_NAMES: dict[Period, str] = {
    Period.YESTERDAY: N_("Yesterday"),
    Period.LAST_SEVEN_DAYS: N_("Last 7 days"),
    Period.THIS_WEEK: N_("This week"),
    Period.LAST_WEEK: N_("Last week"),
    Period.THIS_MONTH: N_("This month"),
    Period.LAST_MONTH: N_("Last month"),
}

BAND_NAMES: dict[TariffBand, str] = {
    TariffBand.F1: N_("F1 peak"),
    TariffBand.F2: N_("F2 mid-peak"),
    TariffBand.F3: N_("F3 off-peak"),
}

OTHER = N_("Other")


def language(lang: str) -> str:
    """A language the bot speaks: anything else falls back to English rather than failing."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def appliance_name(appliance: Appliance, lang: str) -> str:
    return gettext(language(lang), APPLIANCE_NAMES[appliance])


def period_name(period: Period, lang: str) -> str:
    return gettext(language(lang), PERIOD_NAMES[period])


def band_name(band: TariffBand, lang: str) -> str:
    return gettext(language(lang), BAND_NAMES[band])


def weekday_names(lang: str) -> list[str]:
    """Abbreviated weekday names, Monday first: ['lun', 'mar', ...] or ['Mon', 'Tue', ...]."""
    names = get_day_names("abbreviated", locale=language(lang))
    return [str(names[index]) for index in range(7)]


def month_name(month: str, lang: str, *, with_year: bool = False) -> str:
    """'2026-03' -> 'mar' / 'Mar', or 'mar 2026' with the year."""
    year, number = (int(part) for part in month.split("-"))
    name = str(get_month_names("abbreviated", locale=language(lang))[number])
    return f"{name} {year}" if with_year else name


def clock(moment: datetime) -> str:
    """Local wall time on a 24-hour clock, as both languages read it on an energy bill."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def last_day(end: datetime) -> date:
    """The last day a period covers: an end at midnight is exclusive and belongs to the day before."""
    if end.time() == datetime.min.time():
        return (end - timedelta(days=1)).date()
    return end.date()


def day(value: date, lang: str) -> str:
    """'martedì 3 marzo' / 'Tuesday 3 March'."""
    return format_date(value, "EEEE d MMMM", locale=language(lang))


def date_range(start: datetime, end: datetime, lang: str) -> str:
    """The days a period covers: one day in full, a range compactly ('3–9 mar 2026')."""
    first, last = start.date(), last_day(end)
    if last <= first:
        return day(first, lang)
    text = format_interval(first, last, "yMMMd", locale=language(lang))
    # CLDR pads Italian days ("03–09 mar"); nobody writes dates like that.
    return re.sub(r"\b0(\d)\b", r"\1", text)


def month_range(first: str, last: str, lang: str) -> str:
    """'mar 2025 – feb 2026'."""
    return f"{month_name(first, lang, with_year=True)} – {month_name(last, lang, with_year=True)}"
