"""A plausible Italian grid day: hourly renewable share from hydro, wind and solar, and best windows.

Deterministic per date. The weather (clouds, wind, temperature anomaly) is a smoothed hash of the
date, so neighbouring days look alike; the household model reads the same weather, so a cloudy day
means both a browner grid and less from a home's solar panels. Solar follows the sun's elevation
over central Italy (42° N, 12.5° E), computed in UTC, so daylight-saving days need no special case.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from simulator.clock import HOUR, LocalHour, day_hours, midnight

LATITUDE = math.radians(42.0)
LONGITUDE_HOURS = 12.5 / 15  # solar time = UTC + this


def _noise(key: str, day: date) -> float:
    """A uniform number in [0, 1) fixed for (key, day)."""
    return (zlib.crc32(f"{key}:{day.toordinal()}".encode()) & 0xFFFFFF) / 0x1000000


def _smooth(key: str, day: date) -> float:
    # A 1-2-1 average over three days: weather fronts last more than a day.
    before, after = date.fromordinal(day.toordinal() - 1), date.fromordinal(day.toordinal() + 1)
    return (_noise(key, before) + 2 * _noise(key, day) + _noise(key, after)) / 4


@dataclass(frozen=True, slots=True)
class Weather:
    cloud: float  # 0 clear .. 1 overcast
    wind: float  # 0 calm .. 1 windy
    temp_anomaly: float  # -1 warmer than usual .. +1 colder


@lru_cache(maxsize=4096)
def weather(day: date) -> Weather:
    """The day's weather over Italy; winters are cloudier than summers."""
    # 1 in mid-January, -1 in mid-July.
    season = math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)
    cloud = min(1.0, max(0.0, 1.6 * _smooth("cloud", day) - 0.55 + 0.25 * season))
    wind = min(1.0, max(0.0, 1.5 * _smooth("wind", day) - 0.25))
    temp = min(1.0, max(-1.0, 3.2 * (_smooth("temp", day) - 0.5)))
    return Weather(cloud, wind, temp)


def sun_elevation_sine(moment: datetime) -> float:
    """Sine of the sun's elevation over central Italy at `moment` (negative at night)."""
    utc = moment.astimezone(UTC)
    doy = utc.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
    solar_hours = utc.hour + utc.minute / 60 + LONGITUDE_HOURS
    hour_angle = math.radians(15 * (solar_hours - 12))
    return math.sin(LATITUDE) * math.sin(declination) + math.cos(LATITUDE) * math.cos(
        declination
    ) * math.cos(hour_angle)


def clear_sky(day: date) -> float:
    """Fraction of clear-sky sunshine that reaches the ground on `day`."""
    return 1 - 0.75 * weather(day).cloud


# Italy's demand relative to its daily mean, by local hour: low at night, two daytime humps.
_DEMAND = (
    0.72, 0.68, 0.66, 0.65, 0.66, 0.70, 0.80, 0.93, 1.05, 1.12, 1.15, 1.16,
    1.12, 1.08, 1.10, 1.12, 1.14, 1.17, 1.20, 1.22, 1.15, 1.05, 0.92, 0.80,
)  # fmt: skip


def _hydro(day: date) -> float:
    # Snowmelt fills the Alpine reservoirs in late spring; late summer is dry.
    return 0.15 + 0.07 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 140) / 365.25)


def renewable_share(hour: LocalHour) -> float:
    """Renewable share of the grid, 0..1, during a local hour."""
    day = hour.start.date()
    w = weather(day)
    middle = hour.utc + HOUR / 2
    solar = 0.62 * max(0.0, sun_elevation_sine(middle)) ** 1.2 * clear_sky(day)
    wind = 0.03 + 0.16 * w.wind * (1.1 if hour.wall_hour < 7 else 1.0)
    # Hydro reservoirs follow demand; wind, sun, geothermal and bioenergy (0.08) do not.
    return min(0.95, _hydro(day) + (0.08 + wind + solar) / _DEMAND[hour.wall_hour])


@dataclass(frozen=True, slots=True)
class GreenDay:
    day: date
    hours: tuple[LocalHour, ...]
    shares: tuple[float, ...]  # percent, one per hour
    windows: tuple[tuple[int, int], ...]  # [first, last) hour indexes, in time order
    average: float


def _windows(shares: list[float]) -> tuple[tuple[int, int], ...]:
    """One to three runs of the greenest hours, best first by mean share, returned in time order."""
    top, mean = max(shares), sum(shares) / len(shares)
    threshold = mean + 0.6 * (top - mean)
    runs: list[tuple[int, int]] = []
    start = None
    for i, share in enumerate([*shares, -1.0]):
        if share >= threshold and start is None:
            start = i
        elif share < threshold and start is not None:
            runs.append((start, i))
            start = None
    runs.sort(key=lambda r: -sum(shares[r[0] : r[1]]) / (r[1] - r[0]))
    return tuple(sorted(runs[:3]))


@lru_cache(maxsize=2048)
def green_day(day: date, tzname: str) -> GreenDay:
    """The grid's renewable share for each local hour of `day`, with the best windows."""
    hours = day_hours(day, tzname)
    shares = [round(100 * renewable_share(h), 1) for h in hours]
    average = round(sum(shares) / len(shares), 1)
    return GreenDay(day, hours, tuple(shares), _windows(shares), average)


def green_hour_flags(day: date, tzname: str) -> tuple[bool, ...]:
    """For each local hour of `day`, whether it lies in one of the day's green windows."""
    green = green_day(day, tzname)
    flags = [False] * len(green.hours)
    for first, last in green.windows:
        for i in range(first, last):
            flags[i] = True
    return tuple(flags)


@lru_cache(maxsize=64)
def greenness_data(day: date, tzname: str) -> dict[str, object]:
    """The `data` of GET /greenness for `day` (cached: callers must not change it)."""
    green = green_day(day, tzname)
    hours = green.hours
    windows = []
    for first, last in green.windows:
        stop = hours[last - 1].utc + HOUR
        pct = round(sum(green.shares[first:last]) / (last - first), 1)
        windows.append(
            {
                "start": hours[first].start.isoformat(),
                "stop": stop.astimezone(ZoneInfo(tzname)).isoformat(),
                "renewable_pct": pct,
            }
        )
    return {
        "date": day.isoformat(),
        "timezone": tzname,
        "updated_at": midnight(day, ZoneInfo(tzname)).isoformat(),
        "renewable_pct": green.average,
        "windows": windows,
        "hourly": [
            {"start": h.start.isoformat(), "renewable_pct": share}
            for h, share in zip(hours, green.shares, strict=True)
        ],
    }
