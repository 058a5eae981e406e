"""Render a chart kind in this process, reusing one chart object (and its figure) per kind.

This imports matplotlib: the bot process reaches it only through the worker pool
(`bot.charts.pool`), tests and benchmarks call it directly.
"""

from __future__ import annotations

import logging
import threading

import matplotlib

from bot.charts.analytics import DistributionChart, TrendChart
from bot.charts.base import Chart
from bot.charts.comparison import HabitsChart, PerformanceChart
from bot.charts.green import GreennessChart
from bot.charts.kinds import ChartData, ChartKind, check_input
from bot.charts.live import LatestChart
from bot.charts.saving import SavingChart
from bot.charts.shares import TotalsChart
from bot.charts.stacked import CompoundChart, ConsumptionChart
from bot.i18n import LANGUAGES

log = logging.getLogger(__name__)

CHARTS: dict[ChartKind, type[Chart]] = {
    ChartKind.CONSUMPTION: ConsumptionChart,
    ChartKind.TOTALS: TotalsChart,
    ChartKind.LATEST: LatestChart,
    ChartKind.PERFORMANCE: PerformanceChart,
    ChartKind.HABITS: HabitsChart,
    ChartKind.TREND: TrendChart,
    ChartKind.DISTRIBUTION: DistributionChart,
    ChartKind.COMPOUND: CompoundChart,
    ChartKind.SAVING: SavingChart,
    ChartKind.GREENNESS: GreennessChart,
}

# FreeType's hinting is a fifth of a chart's time and invisible at 1280 px: skip it.
RC = {"text.hinting": "no_hinting"}

_charts: dict[ChartKind, Chart] = {}
# matplotlib is not thread-safe; a worker process renders one chart at a time anyway.
_lock = threading.Lock()


def render_chart(kind: ChartKind | str, data: ChartData, lang: str) -> bytes:
    """The chart of `data` as JPEG bytes, labels and numbers in `lang` ('it' or 'en')."""
    kind = check_input(kind, data)
    with _lock, matplotlib.rc_context(RC):
        chart = _charts.get(kind)
        if chart is None:
            chart = _charts[kind] = CHARTS[kind]()
        try:
            return chart.render(data, lang)
        except Exception:
            # A half-updated figure must not leak into the next render: rebuild it next time.
            del _charts[kind]
            raise


def warm() -> None:
    """Build every chart kind and render a sample: fonts, caches and both catalogs load now."""
    from bot.charts.samples import sample

    for index, kind in enumerate(ChartKind):
        try:
            render_chart(kind, sample(kind), LANGUAGES[index % len(LANGUAGES)])
        except Exception:  # a broken sample must not keep the pool from starting
            log.exception("warming the %s chart failed", kind)
