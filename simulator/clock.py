"""Wall-clock arithmetic in the configured time zone: local hours of a day and period windows.

A day has 23, 24 or 25 local hours (daylight saving); windows start and end on whole hours, and
the periods still running ("this week", "this month") end at the last complete hour. Arithmetic and
comparisons happen in UTC: Python compares two datetimes of the same zone by wall time, fold
ignored, so the two 02:00 hours of an autumn day would look equal.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.digiwatt.models import Period, TariffBand
from bot.tariff_bands import band_of_hour

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class LocalHour:
    utc: datetime  # the hour's first instant, in UTC: use it for arithmetic and comparisons
    start: datetime  # the same instant in the configured zone: use it for display
    wall_hour: int  # 0..23 as the wall clock shows it (2 twice in autumn, never in spring)
    band: TariffBand


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of `day` in `tz`, with the right offset."""
    return datetime.combine(day, time(0), tz).astimezone(UTC).astimezone(tz)


def wall_time(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at wall-clock `at`, normalised through UTC (a skipped time moves forward)."""
    return datetime.combine(day, at, tz).astimezone(UTC).astimezone(tz)


@lru_cache(maxsize=4096)
def day_hours(day: date, tzname: str) -> tuple[LocalHour, ...]:
    """Every local hour of `day`: 24, or 23 / 25 on daylight-saving days."""
    tz = ZoneInfo(tzname)
    start = midnight(day, tz).astimezone(UTC)
    end = midnight(day + timedelta(days=1), tz).astimezone(UTC)
    hours = []
    moment = start
    while moment < end:
        local = moment.astimezone(tz)
        hours.append(LocalHour(moment, local, local.hour, band_of_hour(local.date(), local.hour)))
        moment += HOUR
    return tuple(hours)


def floor_hour(moment: datetime, tz: ZoneInfo) -> datetime:
    """The start of the hour `moment` is in, in `tz`."""
    utc = moment.astimezone(UTC)
    return utc.replace(minute=0, second=0, microsecond=0).astimezone(tz)


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) on whole hours; both aware datetimes in the configured zone."""

    start: datetime
    end: datetime

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    def days(self) -> list[date]:
        """The local dates with at least one hour inside the window."""
        if self.end_utc <= self.start_utc:
            return []
        tz = self.start.tzinfo
        first = self.start.date()
        last = (self.end_utc - timedelta(microseconds=1)).astimezone(tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def hour_range(self, day: date, tzname: str) -> range:
        """Indexes into `day_hours(day)` of the hours that lie inside the window."""
        hours = day_hours(day, tzname)
        if not hours:
            return range(0)
        first = hours[0].utc
        low = math.ceil((self.start_utc - first) / HOUR)
        high = math.floor((self.end_utc - first) / HOUR)
        return range(max(0, low), min(len(hours), high))


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    return midnight(date(year, month, 1), tz)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def period_windows(period: Period, now: datetime, tz: ZoneInfo) -> tuple[Window, Window]:
    """The window of `period` at `now` and the previous one it is compared with."""
    now = now.astimezone(tz)
    today = now.date()
    cutoff = floor_hour(now, tz)
    day = timedelta(days=1)
    if period is Period.YESTERDAY:
        y = today - day
        return (
            Window(midnight(y, tz), midnight(today, tz)),
            Window(midnight(y - day, tz), midnight(y, tz)),
        )
    if period is Period.LAST_SEVEN_DAYS:
        # Assumed: the seven complete days before today, compared with the seven before them.
        return (
            Window(midnight(today - 7 * day, tz), midnight(today, tz)),
            Window(midnight(today - 14 * day, tz), midnight(today - 7 * day, tz)),
        )
    monday = today - timedelta(days=today.weekday())
    if period is Period.THIS_WEEK:
        week = timedelta(days=7)
        previous_end = wall_time(cutoff.date() - week, cutoff.time(), tz)
        return (
            Window(midnight(monday, tz), cutoff),
            Window(midnight(monday - week, tz), previous_end),
        )
    if period is Period.LAST_WEEK:
        return (
            Window(midnight(monday - 7 * day, tz), midnight(monday, tz)),
            Window(midnight(monday - 14 * day, tz), midnight(monday - 7 * day, tz)),
        )
    this_month = _month_start(today.year, today.month, tz)
    py, pm = _previous_month(today.year, today.month)
    last_month = _month_start(py, pm, tz)
    if period is Period.THIS_MONTH:
        # Compared with the same stretch of last month, or all of it when that month is shorter.
        if cutoff.day <= calendar.monthrange(py, pm)[1]:
            same_time = wall_time(date(py, pm, cutoff.day), cutoff.time(), tz)
            previous_end = min(same_time, this_month, key=lambda moment: moment.astimezone(UTC))
        else:
            previous_end = this_month
        return Window(this_month, cutoff), Window(last_month, previous_end)
    ppy, ppm = _previous_month(py, pm)
    return Window(last_month, this_month), Window(_month_start(ppy, ppm, tz), last_month)


def last_complete_months(now: datetime, tz: ZoneInfo, count: int = 12) -> list[tuple[int, int]]:
    """The `count` complete months before `now`'s month, oldest first, as (year, month)."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    months = []
    for _ in range(count):
        year, month = _previous_month(year, month)
        months.append((year, month))
    return months[::-1]


def month_days(year: int, month: int) -> list[date]:
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
