"""Which local times are due in a UTC minute: every zone, daylight-saving days included."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage import schedule
from storage.schedule import (
    MINUTE,
    LocalRange,
    check_hhmm,
    check_time_zone,
    due_ranges,
    in_quiet_hours,
    local_ranges,
    prepare,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def due_at(zone: str, moment: datetime) -> list[LocalRange]:
    """The local times due in the minute ending at `moment`."""
    return list(local_ranges(zone, moment - MINUTE, moment))


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/Rome", date(2025, 3, 30)),  # spring forward: 02:00-02:59 do not exist
        ("Europe/Rome", date(2025, 10, 26)),  # fall back: 02:00-02:59 happen twice
        ("Europe/Rome", date(2025, 6, 2)),
        ("America/New_York", date(2025, 3, 9)),
        ("America/New_York", date(2025, 11, 2)),
        ("Asia/Kolkata", date(2025, 3, 30)),  # +05:30, no DST
        ("Australia/Lord_Howe", date(2025, 4, 6)),  # a half-hour shift
        ("America/Havana", date(2025, 3, 9)),  # the clock jumps at midnight
    ],
)
def test_every_local_time_of_a_day_is_due_exactly_once(zone: str, day: date) -> None:
    tz = ZoneInfo(zone)
    # Walk minute by minute over a UTC span that surely covers the local day.
    start = datetime.combine(day, time(0), tz).astimezone(UTC) - timedelta(hours=3)
    seen: Counter[str] = Counter()
    moment = start
    while moment < start + timedelta(hours=30):
        moment += MINUTE
        for found in due_at(zone, moment):
            if found.day != day:
                continue
            minute = datetime.combine(day, time.fromisoformat(found.first))
            while f"{minute:%H:%M}" <= found.last and minute.date() == day:
                seen[f"{minute:%H:%M}"] += 1
                minute += MINUTE
    assert len(seen) == 24 * 60
    assert set(seen.values()) == {1}


def test_spring_forward_sends_missing_times_at_the_next_valid_minute() -> None:
    # Rome, 30 March 2025: at 01:00 UTC the clock jumps from 02:00 to 03:00.
    assert due_at("Europe/Rome", utc(2025, 3, 30, 0, 59)) == [
        LocalRange(date(2025, 3, 30), "01:59", "01:59")
    ]
    assert due_at("Europe/Rome", utc(2025, 3, 30, 1, 0)) == [
        LocalRange(date(2025, 3, 30), "02:00", "03:00")
    ]
    assert due_at("Europe/Rome", utc(2025, 3, 30, 1, 1)) == [
        LocalRange(date(2025, 3, 30), "03:01", "03:01")
    ]


def test_fall_back_sends_repeated_times_at_their_first_occurrence_only() -> None:
    # Rome, 26 October 2025: 02:00-02:59 happen at 00:00-00:59 UTC and again at 01:00-01:59.
    assert due_at("Europe/Rome", utc(2025, 10, 26, 0, 30)) == [
        LocalRange(date(2025, 10, 26), "02:30", "02:30")
    ]
    assert due_at("Europe/Rome", utc(2025, 10, 26, 1, 30)) == []
    assert due_at("Europe/Rome", utc(2025, 10, 26, 2, 0)) == [
        LocalRange(date(2025, 10, 26), "03:00", "03:00")
    ]


def test_catch_up_interval_covers_missed_minutes_across_midnight() -> None:
    ranges = local_ranges("Asia/Kolkata", utc(2025, 3, 29, 18, 20), utc(2025, 3, 29, 18, 40))
    assert ranges == (
        LocalRange(date(2025, 3, 29), "23:51", "23:59"),
        LocalRange(date(2025, 3, 30), "00:00", "00:10"),
    )


def test_too_long_an_interval_is_refused_and_an_empty_one_is_nothing() -> None:
    with pytest.raises(ValueError, match="longer"):
        local_ranges("Europe/Rome", utc(2025, 1, 1), utc(2025, 1, 2))
    assert local_ranges("Europe/Rome", utc(2025, 1, 1, 8), utc(2025, 1, 1, 8)) == ()
    # Seconds do not count: the same minute is the same minute.
    assert local_ranges("Europe/Rome", utc(2025, 1, 1, 8, 0, 5), utc(2025, 1, 1, 8, 0, 50)) == ()


def test_zones_are_grouped_by_what_is_due() -> None:
    groups = due_ranges(utc(2025, 6, 2, 5, 59), utc(2025, 6, 2, 6, 0))
    by_zone = {name: ranges for ranges, names in groups.items() for name in names}
    assert by_zone["Europe/Rome"] == (LocalRange(date(2025, 6, 2), "08:00", "08:00"),)
    assert by_zone["Europe/Berlin"] == by_zone["Europe/Rome"]
    assert by_zone["Asia/Kolkata"] == (LocalRange(date(2025, 6, 2), "11:30", "11:30"),)
    assert by_zone["America/New_York"] == (LocalRange(date(2025, 6, 2), "02:00", "02:00"),)
    # Far fewer groups than zones: the query has one clause per group.
    assert len(groups) < 60 < len(by_zone)


def test_a_day_prepared_at_start_up_gives_the_same_answers_across_a_clock_change() -> None:
    # prepare() probes every zone once at start-up; the minutes after it must still see
    # Europe's clocks go forward at 01:00 UTC (Rome's missing hour sent then) and Tokyo's not.
    start = utc(2025, 3, 29, 23, 30)
    minutes = [start + MINUTE * n for n in range(1, 24 * 60, 7)] + [utc(2025, 3, 30, 1, 0)]
    fresh = []
    for moment in minutes:
        schedule._STABLE.clear()  # each answer worked out from nothing
        fresh.append(due_ranges(moment - MINUTE, moment))
    schedule._STABLE.clear()
    prepare(start)
    assert set(schedule._STABLE) == schedule.available_zones()  # all probed now, not later
    assert [due_ranges(moment - MINUTE, moment) for moment in minutes] == fresh
    by_zone = {n: r for r, names in fresh[-1].items() for n in names}
    assert by_zone["Europe/Rome"] == (LocalRange(date(2025, 3, 30), "02:00", "03:00"),)
    assert by_zone["Asia/Tokyo"] == (LocalRange(date(2025, 3, 30), "10:00", "10:00"),)


def test_time_and_zone_validation() -> None:
    assert check_hhmm("7:05") == "07:05"
    assert check_hhmm(" 23:59 ") == "23:59"
    for bad in ("24:00", "12:60", "1205", ""):
        with pytest.raises(ValueError, match="HH:MM"):
            check_hhmm(bad)
    assert check_time_zone("Asia/Kolkata") == "Asia/Kolkata"
    with pytest.raises(ValueError, match="unknown"):
        check_time_zone("Europe/Atlantis")


def test_quiet_hours_may_span_midnight() -> None:
    assert in_quiet_hours("22:00", "07:00", "23:00")
    assert in_quiet_hours("22:00", "07:00", "00:30")
    assert not in_quiet_hours("22:00", "07:00", "07:00")
    assert in_quiet_hours("13:00", "15:00", "14:00")
    assert not in_quiet_hours("13:00", "15:00", "15:30")
    assert not in_quiet_hours(None, "07:00", "03:00")
