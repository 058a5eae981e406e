"""The day's green windows on a timeline of hourly renewable shares (23, 24 or 25 hours)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D

from bot.charts import style
from bot.charts.base import AxisLabels, Chart, Texts, bar_verts, style_axes, tick_text
from bot.charts.kinds import ChartKind
from bot.charts.labels import clock, day
from bot.digiwatt.models import Greenness, GreenWindow
from bot.i18n import Translator
from bot.units import format_share

LABEL_ROWS = (108.0, 121.0)  # window labels above the 100% line, two rows so neighbours fit
SHARE_TICKS = (0, 25, 50, 75, 100)
LABEL_HOURS = 3.6  # a label's width in hours of the axis, to tell when two would overlap


def _zone(data: Greenness) -> tzinfo:
    try:
        return ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        first = data.hourly[0].start.tzinfo if data.hourly else None
        return first or ZoneInfo("Europe/Rome")


def _hours(moment: datetime, origin: datetime) -> float:
    return (moment.timestamp() - origin.timestamp()) / 3600


class GreennessChart(Chart):
    kind = ChartKind.GREENNESS

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.075, 0.13, 0.9, 0.64))
        style_axes(self.ax)
        self.ax.set_ylim(0, 132)
        self.shares = AxisLabels(self.ax, "y", grid=True)
        self.hours = AxisLabels(self.ax, "x")
        self.bars = PolyCollection([], edgecolors="none", zorder=2)
        self.ax.add_collection(self.bars, autolim=False)
        self.average = Line2D(
            [], [], color=style.GREEN, linewidth=1.0, linestyle=(0, (4, 3)), zorder=3
        )
        self.ax.add_line(self.average)
        self.spans = PolyCollection(
            [],
            facecolors=style.GREEN_LIGHT,
            edgecolors="none",
            zorder=1,
            transform=self.ax.get_xaxis_transform(),
        )
        self.ax.add_collection(self.spans, autolim=False)
        self.window_labels = Texts(
            lambda: self.ax.text(
                0,
                0,
                "",
                ha="center",
                va="bottom",
                fontsize=style.SMALL,
                color=style.GREEN,
                weight="bold",
            )
        )
        self.average_label = self.ax.text(
            0, 0, "", ha="right", va="bottom", fontsize=style.SMALL, color=style.GREEN, zorder=4
        )

    def draw(self, data: Greenness, lang: str, _: Translator) -> None:
        zone = _zone(data)
        midnight = datetime.combine(data.date, time(), zone)
        origin = data.hourly[0].start if data.hourly else midnight
        next_midnight = datetime.combine(data.date + timedelta(days=1), time(), zone)
        span = max(_hours(next_midnight, origin), len(data.hourly), 1.0)

        starts = np.array([_hours(h.start, origin) for h in data.hourly], dtype=float)
        shares = np.array([h.renewable_pct for h in data.hourly], dtype=float)
        windows = [
            (max(_hours(w.start, origin), 0.0), min(_hours(w.stop, origin), span), w)
            for w in data.windows
        ]
        windows = [(a, b, w) for a, b, w in windows if b > a]
        green = [any(a < s + 1 and s < b for a, b, _w in windows) for s in starts]
        self.bars.set_verts(bar_verts(starts + 0.5, np.zeros(len(starts)), shares, 0.8))
        self.bars.set_facecolors([style.GREEN if g else style.NOT_GREEN for g in green])

        self.ax.set_xlim(0, span)
        self.shares.set(SHARE_TICKS, [tick_text(v, lang, suffix="%") for v in SHARE_TICKS])
        ticks = {
            at: clock(h.start.astimezone(zone))
            for at, h in zip(starts, data.hourly, strict=True)
            if h.start.astimezone(zone).hour % 3 == 0
        }
        self.hours.set(list(ticks), list(ticks.values()))

        self.average.set_data([0, span], [data.renewable_pct] * 2)
        self.average_label.set_position((span - 0.1, data.renewable_pct + 1.5))
        self.average_label.set_text(
            _("day average {share}").format(share=format_share(data.renewable_pct, lang))
        )
        self._windows(windows, zone, lang)

        if not data.hourly:
            self.notice(self.ax, _("No forecast for this day yet"))
        best = max(data.windows, key=lambda w: w.renewable_pct, default=None)
        if best is None:
            subtitle = _("No green window today: renewables stay below their best level")
        else:
            subtitle = _("best {start}–{stop} at {share} renewable").format(
                start=clock(best.start.astimezone(zone)),
                stop=clock(best.stop.astimezone(zone)),
                share=format_share(best.renewable_pct, lang),
            )
        title = _("Green energy")
        self.headline(f"{title} · {day(data.date, lang)}", subtitle)

    def _windows(
        self, windows: list[tuple[float, float, GreenWindow]], zone: tzinfo, lang: str
    ) -> None:
        """Shade each window and label it with its hours and share, skipping labels that would overlap."""
        row_end = [-np.inf] * len(LABEL_ROWS)
        labels = []
        for start, stop, window in windows:
            centre = (start + stop) / 2
            row = next(
                (r for r, end in enumerate(row_end) if centre - LABEL_HOURS / 2 >= end), None
            )
            if row is None:
                continue
            row_end[row] = centre + LABEL_HOURS / 2
            hours = f"{clock(window.start.astimezone(zone))}–{clock(window.stop.astimezone(zone))}"
            x = min(max(centre, LABEL_HOURS / 2), self.ax.get_xlim()[1] - LABEL_HOURS / 2)
            labels.append(
                (x, LABEL_ROWS[row], f"{hours} · {format_share(window.renewable_pct, lang)}")
            )
        self.window_labels.show(labels)
        # Full-height shading in axes fractions: x in hours, y from bottom to top.
        self.spans.set_verts(
            [[(start, 0), (start, 1), (stop, 1), (stop, 0)] for start, stop, _w in windows]
        )
