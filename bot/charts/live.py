"""The last six hours of power as a line, with the power right now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D

from bot.charts import style
from bot.charts.base import AxisLabels, Chart, ValueAxis, power_scale, style_axes
from bot.charts.kinds import ChartKind, LivePower
from bot.charts.labels import clock
from bot.i18n import Translator
from bot.units import format_power


def _hours(moment: datetime, origin: datetime) -> float:
    # Through POSIX time: subtracting datetimes that share a tzinfo ignores DST changes.
    return (moment.timestamp() - origin.timestamp()) / 3600


class LatestChart(Chart):
    kind = ChartKind.LATEST

    def build(self) -> None:
        self.ax = self.figure.add_axes((0.09, 0.13, 0.87, 0.6))
        style_axes(self.ax)
        self.values = ValueAxis(self.ax)
        self.hours = AxisLabels(self.ax, "x")
        self.area = PolyCollection([], facecolors=style.ACCENT, alpha=0.15, edgecolors="none")
        self.ax.add_collection(self.area, autolim=False)
        (self.line,) = self.ax.plot([], [], color=style.ACCENT, linewidth=1.6)
        self.dot = Line2D(
            [], [], marker="o", markersize=6, color=style.WORSE, markeredgecolor="white"
        )
        self.ax.add_line(self.dot)
        self.now_label = self.figure.text(
            0.97, 0.955, "", ha="right", va="top", fontsize=style.SMALL, color=style.MUTED
        )
        self.now_value = self.figure.text(
            0.97, 0.89, "", ha="right", va="top", fontsize=style.BIG, weight="bold"
        )
        self.now_value.set_color(style.WORSE)

    def draw(self, data: LivePower, lang: str, _: Translator) -> None:
        latest, now = data.latest, data.now
        origin = latest.start
        points = sorted(latest.points, key=lambda p: p.timestamp)
        x = np.array([_hours(p.timestamp, origin) for p in points], dtype=float)
        y = np.array([p.power_w for p in points], dtype=float)
        self.line.set_data(x, y)
        if len(x):
            outline = np.column_stack([np.r_[x[0], x, x[-1]], np.r_[0, y, 0]])
            self.area.set_verts([outline])
        else:
            self.area.set_verts([])

        span = max(_hours(latest.end, origin), float(x.max()) if len(x) else 0.0, 1.0)
        if now is not None:
            now_x = min(max(_hours(now.timestamp, origin), 0.0), span + 0.25)
            span = max(span, now_x)
            self.dot.set_data([now_x], [now.power_w])
            self.now_label.set_text(_("now, at {time}").format(time=clock(now.timestamp)))
            self.now_value.set_text(format_power(now.power_w, lang))
        else:
            self.dot.set_data([], [])
            self.now_label.set_text("")
            self.now_value.set_text("")

        top = max(float(y.max()) if len(y) else 0.0, float(now.power_w) if now else 0.0)
        scale, unit = power_scale(top)
        self.values.set(top, lang, scale, unit)
        self.ax.set_xlim(0, span + 0.05)
        self._hour_ticks(origin, span)

        if len(y):
            peak = int(np.argmax(y))
            subtitle = _("peak {power} at {time} · average {average}").format(
                power=format_power(y[peak], lang),
                time=clock(points[peak].timestamp),
                average=format_power(float(y.mean()), lang),
            )
        else:
            subtitle = ""
            self.notice(self.ax, _("No readings in the last six hours"))
        self.headline(_("Power, last six hours"), subtitle)

    def _hour_ticks(self, origin: datetime, span: float) -> None:
        """A tick at each full hour of the local clock the data speaks."""
        first = origin.replace(minute=0, second=0, microsecond=0)
        if first < origin:
            first += timedelta(hours=1)
        positions, labels = [], []
        moment = first.astimezone(UTC)
        while (at := _hours(moment, origin)) <= span + 1e-9:
            positions.append(at)
            labels.append(clock(moment.astimezone(origin.tzinfo)))
            moment += timedelta(hours=1)
        self.hours.set(positions, labels)
