"""When a local time is due across daylight saving, and which clock the timeline is drawn in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.alerts.chart_cache import ChartCache, ChartKey, chart_zone
from bot.alerts.dispatcher import due_instant
from bot.charts import ChartError, ChartKind
from bot.digiwatt.models import Greenness, HourlyShare

ROME = ZoneInfo("Europe/Rome")


def test_an_ordinary_time_is_due_when_the_wall_clock_shows_it() -> None:
    assert due_instant(date(2025, 6, 2), "08:00", ROME) == datetime(2025, 6, 2, 6, 0, tzinfo=UTC)


def test_a_time_skipped_in_spring_is_due_at_the_first_minute_after_the_gap() -> None:
    # 30 March 2025: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    assert due_instant(date(2025, 3, 30), "02:30", ROME) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert due_instant(date(2025, 3, 30), "03:00", ROME) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)


def test_a_time_repeated_in_autumn_is_due_at_its_first_occurrence() -> None:
    # 26 October 2025: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:30 happens twice.
    assert due_instant(date(2025, 10, 26), "02:30", ROME) == datetime(
        2025, 10, 26, 0, 30, tzinfo=UTC
    )


def greenness(day: date = date(2025, 6, 2)) -> Greenness:
    start = datetime(day.year, day.month, day.day, tzinfo=ROME)
    return Greenness(
        date=day,
        timezone="Europe/Rome",
        updated_at=start,
        renewable_pct=40.0,
        windows=[],
        hourly=[
            HourlyShare(start=(start + timedelta(hours=h)).astimezone(ROME), renewable_pct=40.0)
            for h in range(24)
        ],
    )


def test_zones_with_the_grids_clock_share_its_chart() -> None:
    day = greenness()
    assert chart_zone(day, "Europe/Berlin") == "Europe/Rome"
    assert chart_zone(day, "Europe/London") == "Europe/London"
    assert chart_zone(day, "America/New_York") == "America/New_York"


async def test_a_chart_is_drawn_once_and_forgotten_the_day_after_next() -> None:
    drawn: list[tuple[ChartKind, str, str]] = []

    async def render(kind: ChartKind, data: Greenness, lang: str) -> bytes:
        drawn.append((kind, data.timezone, lang))
        return b"jpeg"

    cache = ChartCache()
    key = cache.key(greenness(), "it", "Europe/London")
    assert key == ChartKey(date(2025, 6, 2), "it", "Europe/London")
    assert await cache.image(key, greenness(), render) == b"jpeg"
    assert await cache.image(key, greenness(), render) == b"jpeg"
    assert drawn == [(ChartKind.GREENNESS, "Europe/London", "it")]  # labelled in London's clock
    cache.uploaded(key, "file-1")
    assert cache.file_id(key) == "file-1"
    later = cache.key(greenness(date(2025, 6, 4)), "it", "Europe/London")
    cache.uploaded(later, "file-3")
    assert cache.file_id(key) is None and cache.file_id(later) == "file-3"


async def test_a_chart_that_cannot_be_drawn_is_not_retried_at_once() -> None:
    attempts = 0

    async def broken(kind: ChartKind, data: Greenness, lang: str) -> bytes:
        nonlocal attempts
        attempts += 1
        raise ChartError("worker died")

    now = [0.0]
    cache = ChartCache(clock=lambda: now[0])
    key = cache.key(greenness(), "en", "Europe/Rome")
    assert await cache.image(key, greenness(), broken) is None
    assert await cache.image(key, greenness(), broken) is None
    assert attempts == 1
    now[0] = 3600
    assert await cache.image(key, greenness(), broken) is None
    assert attempts == 2
