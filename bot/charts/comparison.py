"""How a home compares: against similar homes (min, average, max) and against its own week (habits)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Colormap
from matplotlib.lines import Line2D

from bot.charts import style
from bot.charts.base import AxisLabels, Chart, energy_scale, numbers, style_axes
from bot.charts.kinds import ChartKind
from bot.charts.labels import date_range, period_name, weekday_names
from bot.digiwatt.models import Habits, Performance
from bot.i18n import Translator
from bot.units import format_change, format_energy


class PerformanceChart(Chart):
    kind = ChartKind.PERFORMANCE

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.06, 0.4, 0.88, 0.26))
        style_axes(self.ax)
        self.ax.set_ylim(-1, 1)
        self.ax.spines["bottom"].set_visible(False)
        # A thick line with round caps: a pill whose ends do not depend on the data's scale.
        self.band = Line2D([], [], linewidth=16, solid_capstyle="round", color=style.GRID, zorder=1)
        self.ax.add_line(self.band)
        self.marks = Line2D(
            [], [], linestyle="none", marker="|", markersize=22, mew=2, color=style.MUTED
        )
        self.marks.set_zorder(2)
        self.ax.add_line(self.marks)
        self.you = Line2D(
            [], [], linestyle="none", marker="o", markersize=15, markeredgecolor="white", mew=2
        )
        self.you.set_zorder(3)
        self.ax.add_line(self.you)
        self.you_label = self.ax.text(0, 0.62, "", va="bottom", fontsize=style.LABEL, weight="bold")
        # Three figures under the range: what the neighbours' homes used.
        self.stats = [
            (
                self.figure.text(x, 0.29, "", ha="center", fontsize=style.SMALL, color=style.MUTED),
                self.figure.text(x, 0.2, "", ha="center", fontsize=style.LABEL + 1, weight="bold"),
            )
            for x in (0.2, 0.5, 0.8)
        ]
        self.verdict = self.figure.text(
            0.5, 0.06, "", ha="center", fontsize=style.LABEL, color=style.INK
        )

    def draw(self, data: Performance, lang: str, _: Translator) -> None:
        self.headline(
            _("You and {count} similar homes").format(count=data.similar_homes),
            f"{period_name(data.period, lang)} · {date_range(data.start, data.end, lang)}",
        )
        low, high = min(data.min_wh, data.max_wh), max(data.min_wh, data.max_wh)
        right = max(high, data.user_wh, 1) * 1.08
        self.ax.set_xlim(-0.04 * right, right)
        self.band.set_data([low, high], [0, 0])
        self.marks.set_data([low, data.average_wh, high], [0, 0, 0])

        better = data.user_wh <= data.average_wh
        color = style.BETTER if better else style.WORSE
        self.you.set_data([data.user_wh], [0])
        self.you.set_color(color)
        self.you.set_markeredgecolor("white")
        # Keep the label inside the figure when "you" sits near either end.
        where = data.user_wh / right
        align = "left" if where < 0.15 else "right" if where > 0.85 else "center"
        self.you_label.set_position((data.user_wh, 0.62))
        self.you_label.set_horizontalalignment(align)
        self.you_label.set_color(color)
        self.you_label.set_text(_("You: {energy}").format(energy=format_energy(data.user_wh, lang)))

        for (caption, value), (name, wh) in zip(
            self.stats,
            [
                (_("Lowest"), data.min_wh),
                (_("Average"), data.average_wh),
                (_("Highest"), data.max_wh),
            ],
            strict=True,
        ):
            caption.set_text(name)
            value.set_text(format_energy(wh, lang))
            value.set_color(style.INK)
        self.verdict.set_text(_verdict(data, lang, _))


def _verdict(data: Performance, lang: str, _: Translator) -> str:
    if data.average_wh == 0:
        return ""
    pct = 100 * (data.user_wh - data.average_wh) / data.average_wh
    if abs(pct) < 1:
        return _("You used about as much as the average home like yours.")
    amount = format_change(abs(pct), lang).lstrip("+")
    if pct > 0:
        return _("You used {pct} more than the average home like yours.").format(pct=amount)
    return _("You used {pct} less than the average home like yours.").format(pct=amount)


class HabitsChart(Chart):
    kind = ChartKind.HABITS

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.1, 0.12, 0.76, 0.66))
        style_axes(self.ax)
        self.ax.spines["bottom"].set_visible(False)
        cmap: Colormap = colormaps[style.HEATMAP_CMAP].with_extremes(bad=style.MISSING)
        self.image = self.ax.imshow(
            np.zeros((7, 24)),
            cmap=cmap,
            aspect="auto",
            interpolation="nearest",
            extent=(-0.5, 23.5, 6.5, -0.5),
            vmin=0,
            vmax=1,
        )
        self.hours = AxisLabels(self.ax, "x")
        self.hours.set(range(0, 24, 3), [f"{hour:02d}" for hour in range(0, 24, 3)])
        self.days = AxisLabels(self.ax, "y")
        self.colorbar_ax = self.figure.add_axes((0.885, 0.12, 0.018, 0.66))
        self.colorbar = self.figure.colorbar(self.image, cax=self.colorbar_ax)
        self.colorbar.outline.set_visible(False)
        self.colorbar_ax.tick_params(labelsize=style.SMALL, colors=style.MUTED, length=0)

    def draw(self, data: Habits, lang: str, _: Translator) -> None:
        grid = np.full((7, 24), np.nan)
        for cell in data.cells:
            grid[cell.weekday - 1, cell.hour] = cell.energy_wh
        known = grid[~np.isnan(grid)]
        top = float(known.max()) if known.size else 0.0
        scale, unit = energy_scale(top)
        self.image.set_data(np.ma.masked_invalid(grid))
        self.image.set_clim(0, top if top > 0 else 1)
        self.colorbar.formatter = numbers(lang, scale)
        self.colorbar.set_label(unit, fontsize=style.SMALL, color=style.MUTED)
        self.colorbar.update_ticks()
        self.days.set(range(7), weekday_names(lang))

        subtitle = f"{period_name(data.period, lang)} · {date_range(data.start, data.end, lang)}"
        if top > 0:
            weekday, hour = np.unravel_index(np.nanargmax(grid), grid.shape)
            busiest = _("busiest: {day} {start:02d}–{end:02d}").format(
                day=weekday_names(lang)[int(weekday)], start=int(hour), end=int(hour) + 1
            )
            subtitle = f"{subtitle} · {busiest}"
        else:
            self.notice(self.ax, _("No consumption recorded in this period"))
        self.headline(_("When you use energy, on average"), subtitle)
