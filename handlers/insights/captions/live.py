"""Captions of live power: right now, and the last six hours."""

from __future__ import annotations

from bot.charts.labels import clock, language
from bot.digiwatt.models import LatestConsumption, Realtime
from bot.i18n import translator
from bot.units import format_energy, format_power


def _six_hours(latest: LatestConsumption) -> tuple[float, float, int | None]:
    """Energy (Wh), mean power (W) and the index of the peak of the last six hours' points."""
    powers = [p.power_w for p in latest.points]
    if not powers:
        return 0.0, 0.0, None
    energy = sum(powers) * latest.interval_minutes / 60
    peak = max(range(len(powers)), key=powers.__getitem__)
    return energy, sum(powers) / len(powers), peak


def now(realtime: Realtime, latest: LatestConsumption, lang: str) -> list[str]:
    """'Right now: 850 W (at 14:05).' and the last six hours' average and peak."""
    _ = translator(language(lang))
    lines = [
        _("Right now: {power} (at {time}).").format(
            power=format_power(realtime.power_w, lang), time=clock(realtime.timestamp)
        )
    ]
    _energy, mean, peak = _six_hours(latest)
    if peak is None:
        lines.append(_("No readings in the last six hours."))
    else:
        point = latest.points[peak]
        lines.append(
            _("Last six hours: average {average}, peak {peak} at {time}.").format(
                average=format_power(mean, lang),
                peak=format_power(point.power_w, lang),
                time=clock(point.timestamp),
            )
        )
    return lines


def last_six_hours(latest: LatestConsumption, realtime: Realtime | None, lang: str) -> list[str]:
    """'Last six hours: 3.2 kWh, average 600 W.' with the peak and the power right now."""
    _ = translator(language(lang))
    energy, mean, peak = _six_hours(latest)
    if peak is None:
        lines = [_("No readings in the last six hours.")]
    else:
        point = latest.points[peak]
        lines = [
            _("Last six hours: {energy}, average {average}.").format(
                energy=format_energy(energy, lang), average=format_power(mean, lang)
            ),
            _("Peak {peak} at {time}.").format(
                peak=format_power(point.power_w, lang), time=clock(point.timestamp)
            ),
        ]
    if realtime is not None:
        lines.append(
            _("Right now: {power} (at {time}).").format(
                power=format_power(realtime.power_w, lang), time=clock(realtime.timestamp)
            )
        )
    return lines
