"""Captions of the last 12 months: by tariff band, by appliance, month by month."""

from __future__ import annotations

from bot.charts.labels import appliance_name, language, month_name, month_range
from bot.digiwatt.models import Appliance, Compound, Distribution, Trend
from bot.i18n import translator
from bot.units import format_energy, format_share
from handlers.insights.captions.common import (
    MONTH_BEFORE,
    change_pct,
    comparison,
    extremes,
    focus,
    top_users,
)


def trend(data: Trend, lang: str) -> list[str]:
    """12 months: the total and its split by band, the highest and lowest month, the last one."""
    _ = translator(language(lang))
    months = data.months
    if not months:
        return [_("12 months"), _("No consumption recorded in this period.")]
    total = sum(m.total_wh for m in months)
    bands = [sum(m.f1_wh for m in months), sum(m.f2_wh for m in months)]
    bands.append(sum(m.f3_wh for m in months))
    band_total = sum(bands) or 1
    lines = [
        _("12 months ({months}): {energy}; {f1} in F1, {f2} in F2, {f3} in F3.").format(
            months=month_range(months[0].month, months[-1].month, lang),
            energy=format_energy(total, lang),
            f1=format_share(100 * bands[0] / band_total, lang),
            f2=format_share(100 * bands[1] / band_total, lang),
            f3=format_share(100 * bands[2] / band_total, lang),
        ),
        extremes(((m.month, m.total_wh) for m in months), lang, _),
    ]
    if len(months) >= 2:
        last, before = months[-1], months[-2]
        compared = comparison(change_pct(last.total_wh, before.total_wh), MONTH_BEFORE, lang, _)
        if compared:
            lines.append(
                _("{month}: {energy}, {comparison}.").format(
                    month=month_name(last.month, lang, with_year=True),
                    energy=format_energy(last.total_wh, lang),
                    comparison=compared,
                )
            )
    return lines


def distribution(data: Distribution, lang: str, appliance: Appliance | None = None) -> list[str]:
    """12 months by appliance: the total and the largest users."""
    _ = translator(language(lang))
    lines = [
        _("12 months ({months}): {energy}.").format(
            months=month_range(data.start_month, data.end_month, lang),
            energy=format_energy(data.total_wh, lang),
        )
    ]
    if top := top_users(data.appliances, lang):
        lines.append(_("Biggest users: {list}.").format(list=top))
    else:
        lines.append(_("No consumption recorded in this period."))
    if appliance is not None:
        lines.append(focus(data.appliances, appliance, lang, _))
    return lines


def compound(data: Compound, lang: str, appliance: Appliance | None = None) -> list[str]:
    """Month by month: the highest and lowest month, and who used the most in the last one."""
    _ = translator(language(lang))
    months = data.months
    if not months:
        return [_("Month by month"), _("No consumption recorded in this period.")]
    lines = [
        _("Month by month ({months}).").format(
            months=month_range(months[0].month, months[-1].month, lang)
        ),
        extremes(((m.month, m.total_wh) for m in months), lang, _),
    ]
    last = months[-1]
    if appliance is not None:
        values = [(m.month, m.appliances.get(appliance, 0)) for m in months]
        if not any(v for _m, v in values):
            lines.append(
                _("{appliance}: not among your appliances (see /profile).").format(
                    appliance=appliance_name(appliance, lang)
                )
            )
        else:
            lines.append(
                _("{appliance}: {energy} in {month}; highest in {high} ({high_energy}).").format(
                    appliance=appliance_name(appliance, lang),
                    energy=format_energy(last.appliances.get(appliance, 0), lang),
                    month=month_name(last.month, lang, with_year=True),
                    high=month_name(max(values, key=lambda v: v[1])[0], lang, with_year=True),
                    high_energy=format_energy(max(v for _m, v in values), lang),
                )
            )
    elif last.total_wh and last.appliances:
        top, energy = max(sorted(last.appliances.items()), key=lambda item: item[1])
        lines.append(
            _("In {month} the biggest user was {appliance}: {energy} ({share}).").format(
                month=month_name(last.month, lang, with_year=True),
                appliance=appliance_name(top, lang),
                energy=format_energy(energy, lang),
                share=format_share(100 * energy / last.total_wh, lang),
            )
        )
    return lines
