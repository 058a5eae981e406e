"""What every caption shares: money, changes, the largest users, appliance names in a sentence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from babel import Locale
from babel.numbers import format_currency

from bot.charts.labels import appliance_name, language, month_name
from bot.digiwatt.models import Appliance, ApplianceTotal
from bot.i18n import N_, Translator
from bot.units import format_energy, format_share

TOP_APPLIANCES = 3


def format_euro(value: float, lang: str, *, cents: bool = True) -> str:
    """'4,20 €' in Italian, '€4.20' in English; without `cents`, whole euros: '24 €', '€24'."""
    lang = language(lang)
    if cents:
        return format_currency(value, "EUR", locale=lang)
    pattern = Locale.parse(lang).currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(value, "EUR", locale=lang, format=pattern, currency_digits=False)


def in_sentence(appliance: Appliance, lang: str) -> str:
    """An appliance's name inside a sentence: 'the dishwasher' reads 'dishwasher', 'TV' stays."""
    name = appliance_name(appliance, lang)
    return name if name[:2].isupper() else name[0].lower() + name[1:]


def change_pct(now: float, before: float) -> float | None:
    """Percent change from `before` to `now`; None when there is nothing to compare with."""
    return 100 * (now - before) / before if before > 0 else None


@dataclass(frozen=True, slots=True)
class Against:
    """What a change is measured against, as 'than X' and 'about the same as X' (Italian needs both)."""

    than: str
    same: str


MONTH_BEFORE = Against(N_("than the month before"), N_("about the same as the month before"))
AVERAGE = Against(N_("than the average"), N_("about the same as the average"))


def comparison(pct: float | None, against: Against, lang: str, _: Translator) -> str | None:
    """'12% less than the day before', 'about the same as the day before'; None when unknown."""
    if pct is None:
        return None
    if round(abs(pct)) == 0:
        return _(against.same)
    template = _("{pct} less {than}") if pct < 0 else _("{pct} more {than}")
    return template.format(pct=format_share(abs(pct), lang), than=_(against.than))


def top_users(items: Iterable[ApplianceTotal], lang: str) -> str:
    """'Heat pump 41%, Fridge 18%, Oven 9%': the largest users with their shares."""
    ranked = sorted((i for i in items if i.energy_wh > 0), key=lambda i: -i.energy_wh)
    return ", ".join(
        f"{appliance_name(i.appliance, lang)} {format_share(i.share_pct, lang)}"
        for i in ranked[:TOP_APPLIANCES]
    )


def focus(
    items: list[ApplianceTotal],
    appliance: Appliance,
    lang: str,
    _: Translator,
    against: Against | None = None,
) -> str:
    """The asked-for appliance's line, with its change when `against` says what it compares with."""
    name = appliance_name(appliance, lang)
    item = next((i for i in items if i.appliance is appliance), None)
    if item is None:
        return _("{appliance}: not among your appliances (see /profile).").format(appliance=name)
    line = _("{appliance}: {energy}, {share} of the total").format(
        appliance=name,
        energy=format_energy(item.energy_wh, lang),
        share=format_share(item.share_pct, lang),
    )
    if against is not None:
        pct = change_pct(item.energy_wh, item.previous_energy_wh)
        if compared := comparison(pct, against, lang, _):
            line = f"{line}; {compared}"
    return f"{line}."


def extremes(months: Iterable[tuple[str, float]], lang: str, _: Translator) -> str:
    """'Highest month: Jan 2026 (310 kWh); lowest: Jun 2025 (180 kWh).'"""
    ordered = list(months)
    high = max(ordered, key=lambda m: m[1])
    low = min(ordered, key=lambda m: m[1])
    return _("Highest month: {high} ({high_energy}); lowest: {low} ({low_energy}).").format(
        high=month_name(high[0], lang, with_year=True),
        high_energy=format_energy(high[1], lang),
        low=month_name(low[0], lang, with_year=True),
        low_energy=format_energy(low[1], lang),
    )
