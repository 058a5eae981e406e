"""Where the energy went: a donut of appliance shares with the change against the previous period."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from matplotlib.text import Text

from bot.charts import style
from bot.charts.base import Chart, Donut, Key, Texts, series_color, series_name, top_appliances
from bot.charts.kinds import ChartKind
from bot.charts.labels import date_range, period_name
from bot.digiwatt.models import Appliance, ApplianceTotal, ConsumptionTotals
from bot.i18n import Translator
from bot.units import format_change, format_energy, format_share

RING = 0.36  # donut thickness, as a fraction of the radius
SWATCH = 0.016  # colour square before each appliance, in figure widths
TABLE_TOP, ROW = 0.76, 0.078  # figure heights
HOLE_CHARS = 18  # characters per line inside the donut


@dataclass(frozen=True, slots=True)
class _Row:
    series: Appliance | None
    energy_wh: int
    previous_wh: int
    share_pct: float


def _rows(appliances: list[ApplianceTotal], total_wh: int, previous_wh: int) -> list[_Row]:
    """The largest appliances, then "Other" for the rest and for energy no appliance explains."""
    by_appliance = {item.appliance: item for item in appliances}
    shown = top_appliances({a: item.energy_wh for a, item in by_appliance.items()})
    rows = [
        _Row(
            a,
            by_appliance[a].energy_wh,
            by_appliance[a].previous_energy_wh,
            by_appliance[a].share_pct,
        )
        for a in shown
    ]
    rest = total_wh - sum(row.energy_wh for row in rows)
    if rest > 0:
        rest_before = max(previous_wh - sum(row.previous_wh for row in rows), 0)
        share = 100 * rest / total_wh if total_wh else 0.0
        rows.append(_Row(None, rest, rest_before, share))
    return rows


class TotalsChart(Chart):
    kind = ChartKind.TOTALS

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.02, 0.04, 0.42, 0.76))
        self.ax.set_aspect("equal")
        self.ax.set_xlim(-1.05, 1.05)
        self.ax.set_ylim(-1.05, 1.05)
        self.ax.axis("off")
        self.donut = Donut(self.ax, style.MAX_SERIES + 1, RING)
        self.total = self.ax.text(
            0, 0.12, "", ha="center", va="center", fontsize=style.BIG - 2, weight="bold"
        )
        self.total.set_color(style.INK)
        self.change = self.ax.text(
            0, -0.16, "", ha="center", va="center", fontsize=style.LABEL, weight="bold"
        )
        self.against = self.ax.text(
            0, -0.3, "", ha="center", va="top", fontsize=style.SMALL, color=style.MUTED
        )
        # The table beside the donut: built once, only its text changes.
        self.key = Key(
            self.figure, (0.47, TABLE_TOP), style.MAX_SERIES + 1, step=(0.0, -ROW), swatch=SWATCH
        )
        self.energy, self.share, self.trend = (Texts(self._cell) for _column in range(3))

    def _cell(self) -> Text:
        return self.figure.text(
            0, 0, "", ha="right", va="center", fontsize=style.LABEL, color=style.INK
        )

    def draw(self, data: ConsumptionTotals, lang: str, _: Translator) -> None:
        self.headline(
            _("Where your energy went"),
            f"{period_name(data.period, lang)} · {date_range(data.start, data.end, lang)}",
        )
        rows = _rows(data.appliances, data.total_wh, data.previous_total_wh)
        self.total.set_text(format_energy(data.total_wh, lang))
        change = data.change_pct
        self.change.set_text(format_change(change, lang))
        self.change.set_color(style.WORSE if (change or 0) > 0 else style.BETTER)
        self.against.set_text(_wrap(_("vs previous period")) if change is not None else "")

        self.donut.show([row.energy_wh for row in rows], [series_color(row.series) for row in rows])
        if not data.total_wh:
            self.against.set_text(_wrap(_("No consumption recorded in this period")))
        self._table(rows, lang, _)

    def _table(self, rows: list[_Row], lang: str, _: Translator) -> None:
        """One line per appliance: colour, name, energy, share and change against before."""
        self.key.show(
            [(series_color(row.series), series_name(row.series, lang, _)) for row in rows]
        )
        ys = [TABLE_TOP - index * ROW for index in range(len(rows))]
        self.energy.show(
            [(0.8, y, format_energy(row.energy_wh, lang)) for y, row in zip(ys, rows, strict=True)]
        )
        self.share.show(
            [
                (0.875, y, format_share(row.share_pct, lang))
                for y, row in zip(ys, rows, strict=True)
            ],
            [style.MUTED] * len(rows),
        )
        changes = [_change(row, lang, _) for row in rows]
        self.trend.show(
            [(0.985, y, text) for y, (text, _color) in zip(ys, changes, strict=True)],
            [color for _text, color in changes],
        )


def _wrap(text: str) -> str:
    """Short lines that fit inside the donut's hole, whatever the language."""
    return textwrap.fill(text, HOLE_CHARS)


def _change(row: _Row, lang: str, _: Translator) -> tuple[str, str]:
    """'▲ 15%' in red when an appliance used more than before, '▼ 8%' in green when less."""
    if row.previous_wh == 0:
        return (_("new") if row.energy_wh else "", style.MUTED)
    pct = round(100 * (row.energy_wh - row.previous_wh) / row.previous_wh)
    if pct == 0:
        return ("=", style.MUTED)
    arrow, color = ("▲", style.WORSE) if pct > 0 else ("▼", style.BETTER)
    return (f"{arrow} {format_change(abs(pct), lang).lstrip('+')}", color)
