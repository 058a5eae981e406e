"""Which local wall-clock minutes are due in a UTC interval, in every time zone, DST included.

A daily time `HH:MM` in zone Z on local date D is scheduled at:
- the instant D HH:MM in Z when that exists once;
- its first occurrence when the clock goes back and the time happens twice (sent once);
- the first valid minute after the gap when the clock goes forward and it does not exist
  (02:30 on the spring-forward night in Rome is sent at 03:00).
A subscriber is due in (start, end] when that instant falls inside it; `due_ranges` turns the
interval into, per zone, ranges of local times that a database index can answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

MINUTE = timedelta(minutes=1)
# Catch-up after downtime is allowed, but not unbounded: longer gaps are better skipped.
MAX_WINDOW = timedelta(hours=6)

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def check_hhmm(value: str) -> str:
    """`7:05` or `07:05` -> `07:05`; anything else is a ValueError."""
    match = _HHMM.fullmatch(value.strip())
    if not match:
        raise ValueError(f"expected a time as HH:MM, got {value!r}")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def in_quiet_hours(quiet_start: str | None, quiet_end: str | None, hhmm: str) -> bool:
    """Whether local `hhmm` falls in quiet hours [start, end), which may span midnight."""
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= hhmm < quiet_end
    return hhmm >= quiet_start or hhmm < quiet_end


# Files of the zone database that are not places a user lives in.
_NOT_ZONES = frozenset({"localtime", "Factory"})


@lru_cache(maxsize=1)
def available_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def check_time_zone(name: str) -> str:
    if name not in available_zones():
        raise ValueError(f"unknown time zone {name!r}")
    return name


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class LocalRange:
    """Local times `first`..`last` (inclusive, `HH:MM`) on local date `day`."""

    day: date
    first: str
    last: str

    def __contains__(self, hhmm: object) -> bool:
        return isinstance(hhmm, str) and self.first <= hhmm <= self.last


def floor_minute(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    return local.replace(tzinfo=None, fold=0)


def _second_pass(moment: datetime, tz: ZoneInfo) -> bool:
    """True during the repeated hour's second occurrence, whose times were already due."""
    local = moment.astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def _ambiguous(local: datetime) -> bool:
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _to_ranges(minutes: list[datetime]) -> tuple[LocalRange, ...]:
    """Sorted wall minutes -> maximal runs of consecutive minutes within one local date."""
    ranges: list[LocalRange] = []
    run_start = previous = None
    for minute in minutes:
        if (
            previous is not None
            and minute - previous == MINUTE
            and minute.date() == previous.date()
        ):
            previous = minute
            continue
        if run_start is not None and previous is not None:
            ranges.append(LocalRange(run_start.date(), f"{run_start:%H:%M}", f"{previous:%H:%M}"))
        run_start = previous = minute
    if run_start is not None and previous is not None:
        ranges.append(LocalRange(run_start.date(), f"{run_start:%H:%M}", f"{previous:%H:%M}"))
    return tuple(ranges)


def _regular_ranges(first: datetime, last: datetime) -> tuple[LocalRange, ...]:
    """Consecutive wall minutes first..last, split at local midnight."""
    ranges = []
    while first <= last:
        day_end = min(last, datetime.combine(first.date(), time(23, 59)))
        ranges.append(LocalRange(first.date(), f"{first:%H:%M}", f"{day_end:%H:%M}"))
        first = day_end + MINUTE
    return tuple(ranges)


def _irregular_ranges(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[LocalRange, ...]:
    due: set[datetime] = set()
    moment = start + MINUTE
    while moment <= end:
        if not _second_pass(moment, tz):
            now_wall, before = _wall(moment, tz), _wall(moment - MINUTE, tz)
            # Normally one minute; after a spring-forward gap, every skipped minute too.
            minute = before + MINUTE
            while minute <= now_wall:
                due.add(minute)
                minute += MINUTE
        moment += MINUTE
    return _to_ranges(sorted(due))


def _check_interval(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = floor_minute(start), floor_minute(end)
    if end - start > MAX_WINDOW:
        raise ValueError(f"interval longer than {MAX_WINDOW}: skip, do not catch up")
    return start, end


# Per zone: (from, until, offset) where the offset is known not to change, or None when it
# changes in that span. Probing a day once saves the per-minute zone arithmetic for ~600 zones
# (the dispatcher asks every minute).
_STABLE: dict[str, tuple[datetime, datetime, timedelta | None]] = {}
_PROBE_MARGIN = timedelta(hours=3)  # more than any clock shift: no repeated hour can hide in it
_STABLE_SPAN = timedelta(hours=24)


def prepare(start: datetime) -> None:
    """Probe every zone's clock for the day from `start` now (about a tenth of a second).

    The dispatcher calls it at start-up: otherwise its first run pays for the probing, in the
    middle of the updates the process is answering."""
    due_ranges(start, start + MINUTE)


def _stable_offset(name: str, tz: ZoneInfo, start: datetime, end: datetime) -> timedelta | None:
    cached = _STABLE.get(name)
    if cached is not None and cached[0] <= start and end <= cached[1]:
        return cached[2]
    first = start - _PROBE_MARGIN
    hours = int((_STABLE_SPAN + 2 * _PROBE_MARGIN) / timedelta(hours=1))
    if end > start + _STABLE_SPAN:
        return None
    offsets = {(first + timedelta(hours=h)).astimezone(tz).utcoffset() for h in range(hours + 1)}
    offset = offsets.pop() if len(offsets) == 1 else None
    _STABLE[name] = (start, start + _STABLE_SPAN, offset)
    return offset


def _ranges(
    name: str, start: datetime, end: datetime, memo: dict[timedelta | None, tuple[LocalRange, ...]]
) -> tuple[LocalRange, ...]:
    tz = zone(name)
    offset = _stable_offset(name, tz, start, end)
    if offset is None:
        a, b = start.astimezone(tz), end.astimezone(tz)
        if a.utcoffset() != b.utcoffset() or _ambiguous(a) or _ambiguous(b):
            return _irregular_ranges(start, end, tz)
        offset = a.utcoffset()
    # No clock change touches the interval: wall time moves with UTC, so zones that share the
    # offset share the answer.
    if offset not in memo:
        wall = start.replace(tzinfo=None) + (offset or timedelta(0))
        memo[offset] = _regular_ranges(wall + MINUTE, wall + (end - start))
    return memo[offset]


def local_ranges(name: str, start: datetime, end: datetime) -> tuple[LocalRange, ...]:
    """Local times in zone `name` whose scheduled instant falls in (start, end]."""
    start, end = _check_interval(start, end)
    if end <= start:
        return ()
    return _ranges(name, start, end, {})


def due_ranges(
    start: datetime, end: datetime, zones: frozenset[str] | None = None
) -> dict[tuple[LocalRange, ...], list[str]]:
    """Zones grouped by their due local ranges: a few dozen groups cover every zone on Earth."""
    start, end = _check_interval(start, end)
    groups: dict[tuple[LocalRange, ...], list[str]] = defaultdict(list)
    if end <= start:
        return {}
    memo: dict[timedelta | None, tuple[LocalRange, ...]] = {}
    for name in sorted(zones if zones is not None else available_zones()):
        ranges = _ranges(name, start, end, memo)
        if ranges:
            groups[ranges].append(name)
    return dict(groups)
