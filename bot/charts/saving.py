"""Where savings hide: the tariff bands of the last 30 days and when the flexible appliances ran."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.collections import PolyCollection

from bot.charts import style
from bot.charts.base import Chart, Donut, Key, Texts, hbar_verts, style_axes
from bot.charts.kinds import ChartKind
from bot.charts.labels import appliance_name, band_name, date_range
from bot.digiwatt.models import BandEnergy, FlexibleUse, Saving, TariffBand
from bot.i18n import Translator
from bot.units import format_energy, format_power, format_share

RING = 0.36


def _green(use: FlexibleUse) -> float:
    """Share of an appliance's energy used inside green windows, in percent."""
    return 100 * use.green_wh / use.energy_wh if use.energy_wh else 0.0


def _bands(energy: BandEnergy) -> dict[TariffBand, float]:
    return {
        TariffBand.F1: float(energy.f1_wh),
        TariffBand.F2: float(energy.f2_wh),
        TariffBand.F3: float(energy.f3_wh),
    }


class SavingChart(Chart):
    kind = ChartKind.SAVING

    def build(self) -> None:
        self.donut = self.figure.add_axes((0.0, 0.08, 0.3, 0.62))
        self.donut.set_aspect("equal")
        self.donut.set_xlim(-1.05, 1.05)
        self.donut.set_ylim(-1.05, 1.05)
        self.donut.axis("off")
        self.ring = Donut(self.donut, len(TariffBand), RING)
        self.centre = self.donut.text(
            0, 0.1, "", ha="center", va="center", fontsize=style.BIG - 2, weight="bold"
        )
        self.centre.set_color(style.BAND_COLORS[TariffBand.F1])
        self.centre_note = self.donut.text(
            0, -0.22, "", ha="center", va="center", fontsize=style.SMALL, color=style.MUTED
        )
        # Names sit above their bars so the bars get the whole width, and long names still fit.
        self.ax = self.figure.add_axes((0.5, 0.13, 0.47, 0.55))
        style_axes(self.ax)
        self.ax.spines["bottom"].set_visible(False)
        self.segments = {
            band: PolyCollection([], facecolors=style.BAND_COLORS[band], edgecolors="white")
            for band in TariffBand
        }
        for collection in self.segments.values():
            collection.set_linewidth(0.4)
            self.ax.add_collection(collection, autolim=False)
        self.flexible_title = self.figure.text(
            0.5, 0.745, "", fontsize=style.LABEL, weight="bold", color=style.INK
        )
        self.key = Key(self.figure, (0.31, 0.46), len(TariffBand), fontsize=style.SMALL)
        self.names = Texts(
            lambda: self.ax.text(0, 0, "", va="bottom", fontsize=style.SMALL + 0.5, color=style.INK)
        )
        self.amounts = Texts(
            lambda: self.ax.text(
                0, 0, "", ha="right", va="bottom", fontsize=style.SMALL, color=style.MUTED
            )
        )
        self.footer = self.figure.text(0.03, 0.03, "", fontsize=style.LABEL, color=style.INK)

    def draw(self, data: Saving, lang: str, _: Translator) -> None:
        self.headline(
            _("When you use energy, and what could move"),
            " · ".join(
                [
                    date_range(data.start, data.end, lang),
                    _("total {energy}").format(energy=format_energy(data.total_wh, lang)),
                ]
            ),
        )
        bands = _bands(data.bands)
        self._donut(bands, lang, _)
        self._flexible(data, lang, _)
        self.footer.set_text(
            _("Always on: {power} · {share} of your energy in green windows").format(
                power=format_power(data.baseload_w, lang),
                share=format_share(data.green_share_pct, lang),
            )
        )
        self.key.show([(style.BAND_COLORS[band], band_name(band, lang)) for band in TariffBand])

    def _donut(self, bands: dict[TariffBand, float], lang: str, _: Translator) -> None:
        total = sum(bands.values())
        self.ring.show(list(bands.values()), [style.BAND_COLORS[band] for band in bands])
        if total:
            self.centre.set_text(format_share(100 * bands[TariffBand.F1] / total, lang))
            self.centre_note.set_text(_("in F1"))
        else:
            self.centre.set_text("")
            self.centre_note.set_text(
                textwrap.fill(_("No consumption recorded in this period"), 18)
            )

    def _flexible(self, data: Saving, lang: str, _: Translator) -> None:
        """One bar per flexible appliance split by band, with how much of it ran in green windows."""
        uses = sorted(data.flexible, key=lambda use: -use.energy_wh)
        self.flexible_title.set_text(_("Appliances you can move") if uses else "")
        count = len(uses)
        y = np.arange(count, dtype=float)
        left = np.zeros(count)
        for band, collection in self.segments.items():
            length = np.array([_bands(use.bands)[band] for use in uses], dtype=float)
            collection.set_verts(hbar_verts(y + 0.17, left, length, 0.42))
            left = left + length
        right = max(float(left.max()) if count else 0.0, 1.0)
        self.ax.set_xlim(0, right)
        self.ax.set_ylim(max(count, 1) - 0.5, -0.5)
        # Names above their bars, energy and green share at the right end.
        self.names.show(
            [
                (0, position - 0.1, appliance_name(use.appliance, lang))
                for position, use in zip(y, uses, strict=True)
            ]
        )
        self.amounts.show(
            [
                (
                    right,
                    position - 0.1,
                    f"{format_energy(use.energy_wh, lang)} · "
                    + _("{share} green").format(share=format_share(_green(use), lang)),
                )
                for position, use in zip(y, uses, strict=True)
            ]
        )
        if not count:
            self.notice(self.ax, _("None of your appliances can be moved in time"))
