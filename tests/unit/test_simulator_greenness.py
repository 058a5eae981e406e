"""Greenness: a plausible Italian grid day, deterministic per date, with sorted windows inside it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digiwatt.models import Greenness
from simulator.greenness import green_day, greenness_data, weather

TZ = "Europe/Rome"
ROME = ZoneInfo(TZ)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), ROME)


@settings(max_examples=150, deadline=None)
@given(day=days)
def test_windows_are_one_to_three_sorted_and_inside_the_day(day: date) -> None:
    greenness = Greenness.model_validate(greenness_data(day, TZ))
    start, end = _midnight(day), _midnight(day + timedelta(days=1))
    hours = round((end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(hours=1))
    assert greenness.date == day
    assert len(greenness.hourly) == hours  # 23, 24 or 25
    assert [h.start for h in greenness.hourly] == sorted(h.start for h in greenness.hourly)
    assert 1 <= len(greenness.windows) <= 3
    previous_stop = start
    for window in greenness.windows:
        assert previous_stop <= window.start < window.stop <= end
        previous_stop = window.stop
        inside = [
            h.renewable_pct for h in greenness.hourly if window.start <= h.start < window.stop
        ]
        assert window.renewable_pct == pytest.approx(sum(inside) / len(inside), abs=0.1)
        assert window.renewable_pct > greenness.renewable_pct  # better than the day's average
    mean = sum(h.renewable_pct for h in greenness.hourly) / hours
    assert greenness.renewable_pct == pytest.approx(mean, abs=0.1)


@settings(max_examples=50, deadline=None)
@given(day=days)
def test_the_same_date_gives_the_same_day(day: date) -> None:
    first = greenness_data(day, TZ)
    for cached in (greenness_data, green_day, weather):
        cached.cache_clear()
    assert greenness_data(day, TZ) == first


def test_a_year_looks_like_italy() -> None:
    shares = [green_day(date(2025, 1, 1) + timedelta(days=n), TZ).average for n in range(365)]
    assert 35 <= sum(shares) / len(shares) <= 55  # Italy: roughly 40-50 % renewable
    assert min(shares) >= 10
    assert max(shares) <= 90
    assert len({round(s) for s in shares}) > 30  # the weather changes from day to day


def test_clear_summer_days_are_greenest_around_midday() -> None:
    clear = [
        date(2025, 6, 1) + timedelta(days=n)
        for n in range(92)
        if weather(date(2025, 6, 1) + timedelta(days=n)).cloud < 0.3
    ]
    assert clear
    for day in clear:
        green = green_day(day, TZ)
        best = max(range(len(green.shares)), key=green.shares.__getitem__)
        assert 10 <= green.hours[best].wall_hour <= 15
        assert green.shares[best] > min(green.shares) + 20


def test_summer_is_greener_than_winter() -> None:
    def month_mean(month: int) -> float:
        return sum(green_day(date(2025, month, d), TZ).average for d in range(1, 29)) / 28

    assert month_mean(6) > month_mean(12) + 10
