"""What charts exist, the data each one takes and its size: light enough for the bot process."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from bot.charts.style import DPI, STRIP, WIDE
from bot.digiwatt.models import (
    Compound,
    Consumption,
    ConsumptionTotals,
    Distribution,
    Greenness,
    Habits,
    LatestConsumption,
    Performance,
    Realtime,
    Saving,
    Trend,
)


class ChartKind(StrEnum):
    CONSUMPTION = "consumption"  # stacked bars per appliance over the period
    TOTALS = "totals"  # donut of appliance shares, change against the previous period
    LATEST = "latest"  # the last six hours as a line, with the current power
    PERFORMANCE = "performance"  # min, average, max of similar homes and you
    HABITS = "habits"  # weekday by hour heatmap
    TREND = "trend"  # 12 months stacked by F1/F2/F3
    DISTRIBUTION = "distribution"  # 12 months by appliance, largest first
    COMPOUND = "compound"  # month by month stacked by appliance
    SAVING = "saving"  # bands of the last 30 days and the flexible appliances
    GREENNESS = "greenness"  # the day's green windows on a 24-hour timeline


@dataclass(frozen=True, slots=True)
class LivePower:
    """The latest six hours and, when known, the power right now: the data of `ChartKind.LATEST`."""

    latest: LatestConsumption
    now: Realtime | None = None


ChartData = BaseModel | LivePower

INPUT_TYPES: dict[ChartKind, type] = {
    ChartKind.CONSUMPTION: Consumption,
    ChartKind.TOTALS: ConsumptionTotals,
    ChartKind.LATEST: LivePower,
    ChartKind.PERFORMANCE: Performance,
    ChartKind.HABITS: Habits,
    ChartKind.TREND: Trend,
    ChartKind.DISTRIBUTION: Distribution,
    ChartKind.COMPOUND: Compound,
    ChartKind.SAVING: Saving,
    ChartKind.GREENNESS: Greenness,
}

FIGURE_INCHES: dict[ChartKind, tuple[float, float]] = {
    kind: (STRIP if kind is ChartKind.GREENNESS else WIDE) for kind in ChartKind
}


def image_size(kind: ChartKind) -> tuple[int, int]:
    """Width and height in pixels of the image a chart kind renders to."""
    width, height = FIGURE_INCHES[kind]
    return round(width * DPI), round(height * DPI)


def check_input(kind: ChartKind | str, data: object) -> ChartKind:
    """The kind as an enum; a TypeError names the expected model when the data does not fit it."""
    kind = ChartKind(kind)
    expected = INPUT_TYPES[kind]
    if not isinstance(data, expected):
        raise TypeError(f"{kind} chart takes {expected.__name__}, not {type(data).__name__}")
    return kind
