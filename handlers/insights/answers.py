"""One function per answer: read Digiwatt, pick the chart, write the caption.

Rendering and sending are the same for every answer (handlers.insights.delivery); the functions
here only know which endpoints, which chart kind and which caption an answer needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.charts import ChartKind, LivePower
from bot.charts.kinds import ChartData
from bot.digiwatt.client import DigiwattClient
from bot.intents import IntentKind
from handlers.insights import captions
from handlers.insights.asks import Ask, View
from handlers.insights.savings import Prices, advise

A = TypeVar("A")
B = TypeVar("B")


@dataclass(frozen=True, slots=True)
class Source:
    """Where an answer reads from, and for whom."""

    digiwatt: DigiwattClient
    account: str
    lang: str
    prices: Prices
    fresh: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """A chart to render and the caption that goes with it."""

    chart: ChartKind
    data: ChartData
    lines: list[str]


async def _both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Two reads at once; when one fails the other is cancelled and the error raised as it is."""
    tasks = (asyncio.ensure_future(first), asyncio.ensure_future(second))
    try:
        a, b = await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return a, b


async def consumption(src: Source, ask: Ask) -> Answer:
    """Over time (stacked bars) or by appliance (donut); the caption from the period's totals."""
    assert ask.period is not None
    d, account, fresh = src.digiwatt, src.account, src.fresh
    totals_read = d.totals(account, ask.period, fresh=fresh)
    lines_of = captions.consumption
    if ask.view is View.BY_APPLIANCE:
        totals = await totals_read
        return Answer(ChartKind.TOTALS, totals, lines_of(totals, src.lang, ask.appliance))
    series, totals = await _both(d.consumption(account, ask.period, fresh=fresh), totals_read)
    return Answer(ChartKind.CONSUMPTION, series, lines_of(totals, src.lang, ask.appliance))


async def now(src: Source, ask: Ask) -> Answer:
    """The power right now, on the line of the last six hours."""
    realtime, latest = await _both(
        src.digiwatt.realtime(src.account, fresh=src.fresh),
        src.digiwatt.latest(src.account, fresh=src.fresh),
    )
    lines = captions.now(realtime, latest, src.lang)
    return Answer(ChartKind.LATEST, LivePower(latest, realtime), lines)


async def last_six_hours(src: Source, ask: Ask) -> Answer:
    """The last six hours of power, with the power right now."""
    latest, realtime = await _both(
        src.digiwatt.latest(src.account, fresh=src.fresh),
        src.digiwatt.realtime(src.account, fresh=src.fresh),
    )
    lines = captions.last_six_hours(latest, realtime, src.lang)
    return Answer(ChartKind.LATEST, LivePower(latest, realtime), lines)


async def compare(src: Source, ask: Ask) -> Answer:
    """The account against similar homes over the period."""
    assert ask.period is not None
    data = await src.digiwatt.performance(src.account, ask.period, fresh=src.fresh)
    return Answer(ChartKind.PERFORMANCE, data, captions.compare(data, src.lang))


async def habits(src: Source, ask: Ask) -> Answer:
    """Weekday by hour over the period."""
    assert ask.period is not None
    data = await src.digiwatt.habits(src.account, ask.period, fresh=src.fresh)
    return Answer(ChartKind.HABITS, data, captions.habits(data, src.lang))


async def trend(src: Source, ask: Ask) -> Answer:
    """12 months by tariff band."""
    data = await src.digiwatt.trend(src.account, fresh=src.fresh)
    return Answer(ChartKind.TREND, data, captions.trend(data, src.lang))


async def appliances(src: Source, ask: Ask) -> Answer:
    """12 months by appliance: the whole year, or month by month."""
    if ask.view is View.MONTHS:
        months = await src.digiwatt.compound(src.account, fresh=src.fresh)
        lines = captions.compound(months, src.lang, ask.appliance)
        return Answer(ChartKind.COMPOUND, months, lines)
    year = await src.digiwatt.distribution(src.account, fresh=src.fresh)
    return Answer(
        ChartKind.DISTRIBUTION, year, captions.distribution(year, src.lang, ask.appliance)
    )


async def savings(src: Source, ask: Ask) -> Answer:
    """The last 30 days by band and the flexible appliances; the 12-month trend for comparison."""
    saving, trend_data = await _both(
        src.digiwatt.saving(src.account, fresh=src.fresh),
        src.digiwatt.trend(src.account, fresh=src.fresh),
    )
    advice = advise(saving, trend_data, src.prices)
    return Answer(ChartKind.SAVING, saving, captions.savings(advice, src.lang))


async def green(src: Source, ask: Ask) -> Answer:
    """Today's green windows on a 24-hour timeline."""
    data = await src.digiwatt.greenness(fresh=src.fresh)
    return Answer(ChartKind.GREENNESS, data, captions.green(data, src.lang, ask.appliance))


ANSWERS: dict[IntentKind, Callable[[Source, Ask], Awaitable[Answer]]] = {
    IntentKind.CONSUMPTION: consumption,
    IntentKind.NOW: now,
    IntentKind.LAST6H: last_six_hours,
    IntentKind.COMPARE: compare,
    IntentKind.HABITS: habits,
    IntentKind.TREND: trend,
    IntentKind.APPLIANCES: appliances,
    IntentKind.SAVINGS: savings,
    IntentKind.GREEN: green,
}


async def answer(src: Source, ask: Ask) -> Answer:
    """The answer to `ask`, read from Digiwatt (raises DigiwattError)."""
    return await ANSWERS[ask.topic](src, ask)
