"""The last 12 months: by tariff band (trend) and by appliance (distribution)."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection

from bot.charts import style
from bot.charts.base import (
    AxisLabels,
    Chart,
    Key,
    Texts,
    ValueAxis,
    bar_verts,
    energy_scale,
    hbar_verts,
    series_color,
    series_name,
    style_axes,
    top_appliances,
)
from bot.charts.kinds import ChartKind
from bot.charts.labels import band_name, month_name, month_range
from bot.digiwatt.models import Appliance, Distribution, TariffBand, Trend
from bot.i18n import Translator, number
from bot.units import format_energy, format_share


class TrendChart(Chart):
    kind = ChartKind.TREND

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.085, 0.13, 0.89, 0.57))
        style_axes(self.ax)
        self.values = ValueAxis(self.ax)
        self.months = AxisLabels(self.ax, "x")
        self.bands = {
            band: PolyCollection(
                [], facecolors=style.BAND_COLORS[band], edgecolors="white", linewidths=0.4
            )
            for band in TariffBand
        }
        for collection in self.bands.values():
            self.ax.add_collection(collection, autolim=False)
        self.key = Key(self.figure, (0.13, 0.775), len(TariffBand), step=(0.21, 0.0))
        self.totals = Texts(
            lambda: self.ax.text(
                0, 0, "", ha="center", va="bottom", fontsize=style.SMALL - 1, color=style.MUTED
            )
        )

    def draw(self, data: Trend, lang: str, _: Translator) -> None:
        months = data.months
        values = {
            TariffBand.F1: np.array([m.f1_wh for m in months], dtype=float),
            TariffBand.F2: np.array([m.f2_wh for m in months], dtype=float),
            TariffBand.F3: np.array([m.f3_wh for m in months], dtype=float),
        }
        x = np.arange(len(months), dtype=float)
        bottom = np.zeros(len(months))
        for band, collection in self.bands.items():
            collection.set_verts(bar_verts(x, bottom, values[band]))
            bottom = bottom + values[band]
        top = float(bottom.max()) if len(months) else 0.0
        scale, unit = energy_scale(top)
        self.values.set(top, lang, scale, unit)
        self.ax.set_xlim(-0.6, max(len(months), 1) - 0.4)
        self.months.set(
            list(x),
            [
                month_name(m.month, lang)
                + (f"\n{m.month[:4]}" if index == 0 or m.month.endswith("-01") else "")
                for index, m in enumerate(months)
            ],
        )
        # Each month's total above its bar, in the axis unit, so the numbers need no unit.
        self.totals.show(
            [
                (
                    position,
                    height + top * 0.015,
                    number(height / scale, lang, 1 if height < 10 * scale else 0),
                )
                for position, height in zip(x, bottom, strict=True)
                if height > 0
            ]
        )
        if top == 0:
            self.notice(self.ax, _("No consumption recorded in this period"))
        self.key.show([(style.BAND_COLORS[band], band_name(band, lang)) for band in TariffBand])
        total = float(bottom.sum())
        parts = [month_range(months[0].month, months[-1].month, lang)] if months else []
        parts.append(_("total {energy}").format(energy=format_energy(total, lang)))
        if total:
            share = format_share(100 * values[TariffBand.F1].sum() / total, lang)
            parts.append(_("{share} in F1").format(share=share))
        self.headline(_("Last 12 months by tariff band"), " · ".join(parts))


class DistributionChart(Chart):
    kind = ChartKind.DISTRIBUTION

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.27, 0.06, 0.7, 0.72))
        style_axes(self.ax)
        self.ax.spines["bottom"].set_visible(False)
        self.names = AxisLabels(self.ax, "y", pad=6)
        self.values = Texts(
            lambda: self.ax.text(0, 0, "", va="center", fontsize=style.SMALL, color=style.MUTED)
        )
        self.bars = PolyCollection([], edgecolors="none")
        self.ax.add_collection(self.bars, autolim=False)

    def draw(self, data: Distribution, lang: str, _: Translator) -> None:
        energy = {item.appliance: item.energy_wh for item in data.appliances}
        shown: list[Appliance | None] = list(top_appliances(energy))
        values = [energy[a] for a in shown if a]
        rest = data.total_wh - sum(values)
        if rest > 0:
            shown.append(None)
            values.append(rest)
        count = len(values)
        y = np.arange(count, dtype=float)
        length = np.array(values, dtype=float)
        self.bars.set_verts(hbar_verts(y, np.zeros(count), length))
        self.bars.set_facecolors([series_color(s) for s in shown])
        right = float(length.max()) if count else 0.0
        self.ax.set_xlim(0, right * 1.45 if right else 1)
        self.ax.set_ylim(max(count, 1) - 0.5, -0.5)
        self.names.set(
            list(y),
            [series_name(s, lang, _) for s in shown],
            fontsize=style.LABEL,
            color=style.INK,
        )
        total = data.total_wh
        self.values.show(
            [
                (
                    wh + right * 0.02,
                    position,
                    f"{format_energy(wh, lang)} · {format_share(100 * wh / total if total else 0, lang)}",
                )
                for position, wh in zip(y, values, strict=True)
            ]
        )
        if not count:
            self.notice(self.ax, _("No consumption recorded in this period"))
        self.headline(
            _("Last 12 months by appliance"),
            " · ".join(
                [
                    month_range(data.start_month, data.end_month, lang),
                    _("total {energy}").format(energy=format_energy(total, lang)),
                ]
            ),
        )
