"""What every chart shares: a figure built once and redrawn with new data, axes style, encoding.

A chart object owns its `Figure` (object API and an Agg canvas, never pyplot) and the artists
that do not change between renders; `update` only replaces data and text. Building figures,
axes and ticks is most of matplotlib's cost, so a worker keeps one chart object per kind.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle, Wedge
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator
from matplotlib.transforms import ScaledTranslation
from PIL import Image

from bot.charts import style
from bot.charts.kinds import FIGURE_INCHES, ChartKind
from bot.charts.labels import OTHER, appliance_name, language
from bot.digiwatt.models import Appliance
from bot.i18n import Translator, number, translator

A = TypeVar("A", bound=Artist)

# Telegram re-encodes every photo as JPEG: sending JPEG costs a few ms instead of PNG's tens.
# 4:4:4 keeps coloured text crisp; quality 88 keeps charts well under 200 KB.
JPEG_OPTIONS: dict[str, Any] = {"quality": 88, "subsampling": 0, "optimize": False}


class Chart:
    """One chart kind drawn into a figure that is reused across renders."""

    kind: ClassVar[ChartKind]

    def __init__(self, figure: Figure | None = None) -> None:
        if figure is None:
            figure = Figure(figsize=FIGURE_INCHES[self.kind], dpi=style.DPI)
            FigureCanvasAgg(figure)
        self.figure = figure
        figure.set_facecolor(style.BACKGROUND)
        self._transient: list[Artist] = []
        self.title = figure.text(
            0.03, 0.955, "", fontsize=style.TITLE, weight="bold", color=style.INK, va="top"
        )
        self.subtitle = figure.text(
            0.03, 0.87, "", fontsize=style.SUBTITLE, color=style.MUTED, va="top"
        )
        self.build()

    def build(self) -> None:
        """Create the axes and the artists every render reuses."""

    def draw(self, data: Any, lang: str, _: Translator) -> None:
        """Put `data` into the figure: replace artists' data, text, limits and ticks."""
        raise NotImplementedError

    def update(self, data: Any, lang: str) -> None:
        """Forget the previous render's one-off artists and draw `data`."""
        for artist in self._transient:
            artist.remove()
        self._transient.clear()
        lang = language(lang)
        self.draw(data, lang, translator(lang))

    def render(self, data: Any, lang: str) -> bytes:
        """The chart of `data` as JPEG bytes."""
        self.update(data, lang)
        return encode(self.figure)

    def keep(self, artist: A) -> A:
        """Register an artist that belongs to this render only."""
        self._transient.append(artist)
        return artist

    def headline(self, title: str, subtitle: str) -> None:
        self.title.set_text(title)
        self.subtitle.set_text(subtitle)

    def notice(self, ax: Axes, text: str) -> None:
        """A centred message where the data would be: what an empty chart means."""
        self.keep(
            ax.text(
                0.5,
                0.5,
                text,
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=style.LABEL,
                color=style.MUTED,
                wrap=True,
            )
        )


def encode(figure: Figure) -> bytes:
    """Draw once and encode the pixels; no tight bounding box, which would draw twice."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()
    # RGBX shares the canvas memory and JPEG ignores the fourth byte: no copy, no conversion.
    pixels = canvas.buffer_rgba()
    image = Image.frombuffer("RGBX", canvas.get_width_height(), pixels, "raw", "RGBX", 0, 1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **JPEG_OPTIONS)
    return buffer.getvalue()


def style_axes(ax: Axes) -> None:
    """The common look: no box and no matplotlib ticks (`AxisLabels` draws them for less)."""
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(style.GRID)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(NullLocator())
        axis.set_minor_locator(NullLocator())
    ax.set_facecolor(style.BACKGROUND)


class Texts:
    """Text artists made on demand and reused across renders: creating them costs more than drawing."""

    def __init__(self, make: Callable[[], Text]) -> None:
        self._make = make
        self.items: list[Text] = []

    def show(
        self, cells: Sequence[tuple[float, float, str]], colors: Sequence[str] | None = None
    ) -> None:
        """Put each (x, y, text) in place, coloured by `colors` if given; hide the rest."""
        while len(self.items) < len(cells):
            self.items.append(self._make())
        for index, item in enumerate(self.items):
            visible = index < len(cells)
            item.set_visible(visible)
            if visible:
                x, y, text = cells[index]
                item.set_position((x, y))
                item.set_text(text)
                if colors is not None:
                    item.set_color(colors[index])


class AxisLabels:
    """Tick labels (and grid lines) as plain texts and one line collection, built once.

    matplotlib's Axis lays out every tick, its marks, grid line and label again on each draw:
    about a millisecond per tick, a third of a chart. These only change text and position.
    """

    def __init__(self, ax: Axes, which: str, *, grid: bool = False, pad: float = 4.0) -> None:
        self.ax, self.which = ax, which
        points = pad / 72
        if which == "x":
            self._base = ax.get_xaxis_transform()  # x in data, y in axes fractions
            shift = ScaledTranslation(0, -points, ax.figure.dpi_scale_trans)
            self._align = {"ha": "center", "va": "top"}
        else:
            self._base = ax.get_yaxis_transform()
            shift = ScaledTranslation(-points, 0, ax.figure.dpi_scale_trans)
            self._align = {"ha": "right", "va": "center_baseline"}
        transform = self._base + shift
        self.texts = Texts(
            lambda: ax.text(0, 0, "", transform=transform, clip_on=False, **self._align)
        )
        self.grid: LineCollection | None = None
        if grid:
            self.grid = LineCollection(
                [], colors=style.GRID, linewidths=0.6, transform=self._base, zorder=0.5
            )
            ax.add_collection(self.grid, autolim=False)

    def set(
        self,
        positions: Sequence[float],
        labels: Sequence[str],
        *,
        fontsize: float = style.TICK,
        color: str = style.MUTED,
    ) -> None:
        """Show `labels` at data `positions` along the axis; earlier extra labels are hidden."""
        self.texts.show(
            [
                (p, 0, label) if self.which == "x" else (0, p, label)
                for p, label in zip(positions, labels, strict=True)
            ]
        )
        for text in self.texts.items:
            text.set_fontsize(fontsize)
            text.set_color(color)
        if self.grid is not None:
            segments = [
                [(p, 0), (p, 1)] if self.which == "x" else [(0, p), (1, p)] for p in positions
            ]
            self.grid.set_segments(segments)

    def shown(self) -> dict[str, float]:
        """What the axis reads: label -> position (for tests and debugging)."""
        return {
            t.get_text(): t.get_position()[0 if self.which == "x" else 1]
            for t in self.texts.items
            if t.get_visible()
        }


def tick_text(value: float, lang: str, scale: float = 1.0, suffix: str = "") -> str:
    """A tick value as a number in `lang` (decimal comma in Italian), divided by `scale`."""
    scaled = value / scale
    digits = 0 if abs(scaled) >= 10 or scaled == round(scaled) else 2
    return f"{number(scaled, lang, digits)}{suffix}"


def numbers(lang: str, scale: float = 1.0, suffix: str = "") -> FuncFormatter:
    """`tick_text` as a matplotlib formatter (the colour bar keeps its own axis)."""
    return FuncFormatter(lambda value, _position: tick_text(value, lang, scale, suffix))


def energy_scale(max_wh: float) -> tuple[float, str]:
    """Axis unit for energies up to `max_wh`: kWh from 1 kWh, Wh below."""
    return (1000.0, "kWh") if max_wh >= 1000 else (1.0, "Wh")


def power_scale(max_w: float) -> tuple[float, str]:
    return (1000.0, "kW") if max_w >= 1000 else (1.0, "W")


class ValueAxis:
    """A 0-based vertical value axis: localized labels, grid lines, the unit written above."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.labels = AxisLabels(ax, "y", grid=True)
        self.unit = ax.text(
            0, 1.03, "", transform=ax.transAxes, ha="right", va="bottom", fontsize=style.SMALL
        )
        self.unit.set_color(style.MUTED)

    def set(self, top: float, lang: str, scale: float, unit: str) -> None:
        """Values up to `top` (in base units, shown divided by `scale`) with a little headroom."""
        limit = top * 1.12 if top > 0 else scale
        self.ax.set_ylim(0, limit)
        ticks = [v for v in MaxNLocator(nbins=5, min_n_ticks=3).tick_values(0, limit) if v <= limit]
        self.labels.set(ticks, [tick_text(v, lang, scale) for v in ticks])
        self.unit.set_text(unit)


def bar_verts(
    x: np.ndarray, bottom: np.ndarray, height: np.ndarray, width: float = 0.72
) -> np.ndarray:
    """Rectangles as (n, 4, 2) vertices: one PolyCollection draws many bars much faster than patches."""
    left, right = x - width / 2, x + width / 2
    top = bottom + height
    return np.stack(
        [
            np.column_stack([left, bottom]),
            np.column_stack([left, top]),
            np.column_stack([right, top]),
            np.column_stack([right, bottom]),
        ],
        axis=1,
    )


def hbar_verts(
    y: np.ndarray, left: np.ndarray, length: np.ndarray, height: float = 0.62
) -> np.ndarray:
    """Horizontal bars as (n, 4, 2) vertices."""
    return bar_verts(y, left, length, height)[:, :, ::-1]


def top_appliances(
    energy: Mapping[Appliance, float], limit: int = style.MAX_SERIES
) -> list[Appliance]:
    """Appliances with energy, largest first; beyond `limit` the rest is shown as "Other"."""
    used = sorted((a for a, wh in energy.items() if wh > 0), key=lambda a: (-energy[a], a.value))
    return used if len(used) <= limit + 1 else used[:limit]


def series_name(appliance: Appliance | None, lang: str, _: Translator) -> str:
    return appliance_name(appliance, lang) if appliance else _(OTHER)


def series_color(appliance: Appliance | None) -> str:
    return style.APPLIANCE_COLORS[appliance] if appliance else style.OTHER_COLOR


class Donut:
    """A ring of slices made once and only re-angled and re-coloured per render."""

    def __init__(self, ax: Axes, slots: int, ring: float = 0.36) -> None:
        self.wedges = [
            Wedge((0, 0), 1, 0, 0, width=ring, edgecolor="white", linewidth=1.2)
            for _ in range(slots)
        ]
        for wedge in self.wedges:
            ax.add_patch(wedge)

    def show(self, values: Sequence[float], colors: Sequence[str]) -> None:
        """Slices clockwise from the top in the order given; an all-zero ring is plain grey."""
        total = float(sum(values))
        if total <= 0:
            values, colors = [1.0], [style.GRID]
            total = 1.0
        angle = 90.0
        for index, wedge in enumerate(self.wedges):
            visible = index < len(values) and values[index] > 0
            wedge.set_visible(visible)
            if visible:
                sweep = 360.0 * values[index] / total
                wedge.set_theta1(angle - sweep)
                wedge.set_theta2(angle)
                wedge.set_facecolor(colors[index])
                angle -= sweep


class Key:
    """A legend of colour squares and names, built once from plain artists.

    matplotlib's Legend lays itself out again on every draw, which cost a third of a chart's
    time; here a render only changes colours and text.
    """

    def __init__(
        self,
        figure: Figure,
        origin: tuple[float, float],
        slots: int,
        *,
        step: tuple[float, float] = (0.0, -0.062),
        fontsize: float = style.LABEL,
        swatch: float = 0.016,
    ) -> None:
        x, y = origin
        height = swatch * figure.get_figwidth() / figure.get_figheight()  # square on screen
        self.entries: list[tuple[Rectangle, Text]] = []
        for slot in range(slots):
            left, middle = x + slot * step[0], y + slot * step[1]
            square = Rectangle(
                (left, middle - height / 2),
                swatch,
                height,
                transform=figure.transFigure,
                edgecolor="none",
            )
            figure.add_artist(square)
            name = figure.text(
                left + swatch * 1.7,
                middle,
                "",
                va="center",
                fontsize=fontsize,
                color=style.INK,
            )
            self.entries.append((square, name))

    def show(self, items: Sequence[tuple[str, str]]) -> None:
        """(colour, name) pairs in slot order; slots beyond them are hidden."""
        for index, (square, name) in enumerate(self.entries):
            visible = index < len(items)
            square.set_visible(visible)
            name.set_visible(visible)
            if visible:
                color, label = items[index]
                square.set_facecolor(color)
                name.set_text(label)
