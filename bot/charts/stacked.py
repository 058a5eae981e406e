"""Bars stacked by appliance: consumption over a period and the last 12 months month by month."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from babel.dates import format_date
from matplotlib.collections import PolyCollection

from bot.charts import style
from bot.charts.base import (
    AxisLabels,
    Chart,
    Key,
    ValueAxis,
    bar_verts,
    energy_scale,
    series_color,
    series_name,
    style_axes,
    top_appliances,
)
from bot.charts.kinds import ChartKind
from bot.charts.labels import clock, date_range, month_name, month_range, period_name
from bot.digiwatt.models import Appliance, Compound, Consumption, ConsumptionInterval
from bot.i18n import Translator
from bot.units import format_energy

Series = Appliance | None  # None is "Other"


class ApplianceBars(Chart):
    """Bars per interval, stacked by appliance (largest at the bottom), legend on the right."""

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.085, 0.13, 0.6, 0.6))
        style_axes(self.ax)
        self.values = ValueAxis(self.ax)
        self.x_labels = AxisLabels(self.ax, "x")
        # One collection per appliance, created once with its fixed colour; renders only move vertices.
        self.collections: dict[Series, PolyCollection] = {}
        for series in [*Appliance, None]:
            collection = PolyCollection(
                [], facecolors=series_color(series), edgecolors="white", linewidths=0.4
            )
            self.ax.add_collection(collection, autolim=False)
            self.collections[series] = collection
        self.key = Key(self.figure, (0.72, 0.75), style.MAX_SERIES + 1)

    def stack(
        self,
        energy: Sequence[dict[Appliance, int]],
        totals: Sequence[int],
        lang: str,
        _: Translator,
    ) -> None:
        """Draw one bar per entry of `energy`; what appliances do not explain goes into "Other"."""
        count = len(energy)
        sums: dict[Appliance, float] = {}
        for entry in energy:
            for appliance, wh in entry.items():
                sums[appliance] = sums.get(appliance, 0) + wh
        shown = top_appliances(sums)
        rows: dict[Series, np.ndarray] = {
            a: np.array([entry.get(a, 0) for entry in energy], dtype=float) for a in shown
        }
        explained = sum(rows.values(), np.zeros(count))
        other = np.clip(np.array(totals, dtype=float) - explained, 0, None)
        if other.any():
            rows[None] = other

        x = np.arange(count, dtype=float)
        bottom = np.zeros(count)
        for series, collection in self.collections.items():
            heights = rows.get(series)
            collection.set_visible(heights is not None)
            if heights is None:
                continue
            collection.set_verts(bar_verts(x, bottom, heights))
            bottom = bottom + heights

        top = float(bottom.max()) if count else 0.0
        scale, unit = energy_scale(top)
        self.values.set(top, lang, scale, unit)
        self.ax.set_xlim(-0.6, max(count, 1) - 0.4)
        if top == 0:
            self.notice(self.ax, _("No consumption recorded in this period"))

        self.key.show([(series_color(s), series_name(s, lang, _)) for s in rows])

    def ticks(self, labels: dict[int, str]) -> None:
        self.x_labels.set(list(labels), list(labels.values()))


class ConsumptionChart(ApplianceBars):
    kind = ChartKind.CONSUMPTION

    def draw(self, data: Consumption, lang: str, _: Translator) -> None:
        intervals = data.intervals
        self.stack(
            [interval.appliances for interval in intervals],
            [interval.total_wh for interval in intervals],
            lang,
            _,
        )
        self.ticks(_interval_labels(intervals, data.granularity, lang))
        total = sum(interval.total_wh for interval in intervals)
        self.headline(
            _("Energy use by appliance"),
            " · ".join(
                [
                    period_name(data.period, lang),
                    date_range(data.start, data.end, lang),
                    _("total {energy}").format(energy=format_energy(total, lang)),
                ]
            ),
        )


class CompoundChart(ApplianceBars):
    kind = ChartKind.COMPOUND

    def draw(self, data: Compound, lang: str, _: Translator) -> None:
        months = data.months
        self.stack([m.appliances for m in months], [m.total_wh for m in months], lang, _)
        self.ticks(
            {
                index: month_name(m.month, lang)
                + (f"\n{m.month[:4]}" if index == 0 or m.month.endswith("-01") else "")
                for index, m in enumerate(months)
            }
        )
        parts = []
        if months:
            parts.append(month_range(months[0].month, months[-1].month, lang))
        total = sum(m.total_wh for m in months)
        parts.append(_("total {energy}").format(energy=format_energy(total, lang)))
        self.headline(_("Month by month, by appliance"), " · ".join(parts))


def _interval_labels(
    intervals: Sequence[ConsumptionInterval], granularity: str, lang: str
) -> dict[int, str]:
    """Sparse x labels: every third hour, every day of a week, every fifth day of a month."""
    labels: dict[int, str] = {}
    count = len(intervals)
    for index, interval in enumerate(intervals):
        start = interval.start
        if granularity == "hour":
            if start.hour % 3 == 0 and start.minute == 0:
                labels[index] = clock(start)
        elif count <= 8:
            labels[index] = format_date(start.date(), "EEE d", locale=lang)
        elif start.day == 1 or start.day % 5 == 0:
            labels[index] = str(start.day)
    return labels
