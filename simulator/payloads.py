"""The `data` of every read operation, built from the household's hourly figures.

Pure functions of (account, profile, now, time zone): the app passes its clock's `now`, tests pass
any instant. Every sum here adds the same integers, so the endpoints agree with each other.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.digiwatt.models import FLEXIBLE_APPLIANCES, Period
from simulator.appliances import Dice
from simulator.clock import HOUR, Window, last_complete_months, midnight, period_windows
from simulator.greenness import green_hour_flags
from simulator.household import Profile, account_seed, day_usage, month_usage, traits

QUARTER = timedelta(minutes=15)
LATEST_SPAN = timedelta(hours=6)


def _iso(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat()


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


class _Sums:
    """Energy of a window: per appliance (profile order), per band, and in all."""

    def __init__(self, size: int) -> None:
        self.appliances = [0] * size
        self.bands = [0, 0, 0]

    @property
    def total(self) -> int:
        return sum(self.appliances)


def _window_sums(seed: int, profile: Profile, window: Window, tzname: str) -> _Sums:
    sums = _Sums(len(profile.appliances))
    for day in window.days():
        usage = day_usage(seed, profile, day, tzname)
        hours = window.hour_range(day, tzname)
        if len(hours) == len(usage.hours):
            values, bands = usage.appliance_totals, usage.band_totals
        else:
            values = [sum(row[i] for i in hours) for row in usage.wh]
            bands = [0, 0, 0]
            for i in hours:
                bands[usage.band_of(i)] += usage.hour_totals[i]
        for i, value in enumerate(values):
            sums.appliances[i] += value
        for i, value in enumerate(bands):
            sums.bands[i] += value
    return sums


def _window(period: Period, now: datetime, tz: ZoneInfo) -> Window:
    return period_windows(period, now, tz)[0]


# --- consumption ----------------------------------------------------------------------------------


def consumption(account: str, profile: Profile, period: Period, now: datetime, tzname: str) -> dict:
    """Hourly intervals for yesterday, daily ones for the longer periods."""
    tz = ZoneInfo(tzname)
    seed = account_seed(account)
    window = _window(period, now, tz)
    names = [a.value for a, _ in profile.appliances]
    hourly = period is Period.YESTERDAY
    intervals = []
    for day in window.days():
        usage = day_usage(seed, profile, day, tzname)
        hours = window.hour_range(day, tzname)
        if not hours:
            continue
        groups = [range(i, i + 1) for i in hours] if hourly else [hours]
        for group in groups:
            if len(group) == len(usage.hours):
                values = list(usage.appliance_totals)
            else:
                values = [sum(row[i] for i in group) for row in usage.wh]
            intervals.append(
                {
                    "start": usage.hours[group[0]].start.isoformat(),
                    "end": _iso(usage.hours[group[-1]].utc + HOUR, tz),
                    "total_wh": sum(values),
                    "appliances": dict(zip(names, values, strict=True)),
                }
            )
    return {
        "account_number": account,
        "period": period.value,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "granularity": "hour" if hourly else "day",
        "unit": "Wh",
        "intervals": intervals,
    }


def _appliance_totals(profile: Profile, now_sums: list[int], before: list[int]) -> list[dict]:
    whole = sum(now_sums)
    rows = [
        {
            "appliance": appliance.value,
            "energy_wh": energy,
            "previous_energy_wh": previous,
            "share_pct": _pct(energy, whole),
        }
        for (appliance, _), energy, previous in zip(
            profile.appliances, now_sums, before, strict=True
        )
    ]
    return sorted(rows, key=lambda row: -row["energy_wh"])


def totals(account: str, profile: Profile, period: Period, now: datetime, tzname: str) -> dict:
    """The period's energy by appliance, against the previous period of the same length."""
    tz = ZoneInfo(tzname)
    seed = account_seed(account)
    window, previous = period_windows(period, now, tz)
    current = _window_sums(seed, profile, window, tzname)
    before = _window_sums(seed, profile, previous, tzname)
    total, previous_total = current.total, before.total
    change = round(100 * (total - previous_total) / previous_total, 1) if previous_total else None
    return {
        "account_number": account,
        "period": period.value,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "previous_start": previous.start.isoformat(),
        "previous_end": previous.end.isoformat(),
        "unit": "Wh",
        "total_wh": total,
        "previous_total_wh": previous_total,
        "change_pct": change,
        "appliances": _appliance_totals(profile, current.appliances, before.appliances),
    }


def performance(account: str, profile: Profile, period: Period, now: datetime, tzname: str) -> dict:
    """The home's energy against similar homes (same province, house type and residents)."""
    tz = ZoneInfo(tzname)
    seed = account_seed(account)
    window = _window(period, now, tz)
    user = _window_sums(seed, profile, window, tzname).total
    key = f"{profile.province}:{profile.house_type}:{round(profile.people)}"
    similar = 40 + zlib.crc32(key.encode()) % 460
    wobble = Dice(zlib.crc32(f"{key}:{period.value}:{window.start.date()}".encode())).random()
    # Similar homes use what this one would without its own habits (traits' usage scale).
    average = round(user / traits(seed)[0] * (1.05 + 0.1 * wobble))
    low, high = round(average * 0.55), round(average * 1.75)
    return {
        "account_number": account,
        "period": period.value,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "unit": "Wh",
        "user_wh": user,
        "min_wh": min(low, user),
        "average_wh": average,
        "max_wh": max(high, user),
        "similar_homes": similar,
    }


def habits(account: str, profile: Profile, period: Period, now: datetime, tzname: str) -> dict:
    """Mean energy per ISO weekday and wall-clock hour over the period's days."""
    tz = ZoneInfo(tzname)
    seed = account_seed(account)
    window = _window(period, now, tz)
    energy: dict[tuple[int, int], int] = {}
    days: dict[tuple[int, int], int] = {}
    for day in window.days():
        usage = day_usage(seed, profile, day, tzname)
        weekday = day.isoweekday()
        seen: dict[int, int] = {}  # the autumn change shows 02:00 twice: one hour of that day
        for i in window.hour_range(day, tzname):
            wall = usage.hours[i].wall_hour
            seen[wall] = seen.get(wall, 0) + usage.hour_totals[i]
        for wall, value in seen.items():
            energy[weekday, wall] = energy.get((weekday, wall), 0) + value
            days[weekday, wall] = days.get((weekday, wall), 0) + 1
    cells = [
        {"weekday": weekday, "hour": hour, "energy_wh": round(energy[weekday, hour] / count)}
        for (weekday, hour), count in sorted(days.items())
    ]
    return {
        "account_number": account,
        "period": period.value,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "unit": "Wh",
        "cells": cells,
    }


# --- power ----------------------------------------------------------------------------------------


def _hour_wh(seed: int, profile: Profile, hour_utc: datetime, tzname: str) -> int:
    """Energy of the local hour that starts at `hour_utc` (a whole UTC hour)."""
    day = hour_utc.astimezone(ZoneInfo(tzname)).date()
    usage = day_usage(seed, profile, day, tzname)
    index = round((hour_utc - usage.hours[0].utc) / HOUR)
    return usage.hour_totals[index]


def _quarter_power(seed: int, profile: Profile, quarter_utc: datetime, tzname: str) -> int:
    """Mean power over a quarter hour; the four quarters of an hour average to its energy."""
    hour = quarter_utc.replace(minute=0, second=0, microsecond=0)
    rng = Dice(seed * 1_000_033 + int(hour.timestamp()) // 3600)
    weights = [0.6 + 0.8 * rng.random() for _ in range(4)]
    mean = sum(weights) / 4
    return round(_hour_wh(seed, profile, hour, tzname) * weights[quarter_utc.minute // 15] / mean)


def _floor_quarter(now: datetime) -> datetime:
    utc = now.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def realtime(account: str, profile: Profile, now: datetime, tzname: str) -> dict:
    """Power now: the current quarter's mean with a per-minute flicker."""
    seed = account_seed(account)
    quarter = _floor_quarter(now)
    minute = int(now.astimezone(UTC).timestamp()) // 60
    flicker = 0.9 + 0.2 * Dice(seed * 7_919 + minute).random()
    power = round(_quarter_power(seed, profile, quarter, tzname) * flicker)
    return {
        "account_number": account,
        "timestamp": _iso(now.replace(microsecond=0), ZoneInfo(tzname)),
        "unit": "W",
        "power_w": power,
    }


def latest(account: str, profile: Profile, now: datetime, tzname: str) -> dict:
    """The last six hours of mean power, one point per complete quarter hour."""
    tz = ZoneInfo(tzname)
    seed = account_seed(account)
    end = _floor_quarter(now)
    start = end - LATEST_SPAN
    points = []
    moment = start
    while moment < end:
        points.append(
            {
                "timestamp": _iso(moment, tz),
                "power_w": _quarter_power(seed, profile, moment, tzname),
            }
        )
        moment += QUARTER
    return {
        "account_number": account,
        "start": _iso(start, tz),
        "end": _iso(end, tz),
        "interval_minutes": 15,
        "unit": "W",
        "points": points,
    }


# --- analytics ------------------------------------------------------------------------------------


def _month_name(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def trend(account: str, profile: Profile, now: datetime, tzname: str) -> dict:
    """The last 12 complete months by tariff band, oldest first."""
    seed = account_seed(account)
    months = []
    for year, month in last_complete_months(now, ZoneInfo(tzname)):
        usage = month_usage(seed, profile, year, month, tzname)
        f1, f2, f3 = usage.band_totals
        months.append(
            {
                "month": _month_name(year, month),
                "f1_wh": f1,
                "f2_wh": f2,
                "f3_wh": f3,
                "total_wh": usage.total,
            }
        )
    return {"account_number": account, "unit": "Wh", "months": months}


def compound(account: str, profile: Profile, now: datetime, tzname: str) -> dict:
    """The last 12 complete months by appliance, oldest first."""
    seed = account_seed(account)
    names = [a.value for a, _ in profile.appliances]
    months = []
    for year, month in last_complete_months(now, ZoneInfo(tzname)):
        usage = month_usage(seed, profile, year, month, tzname)
        months.append(
            {
                "month": _month_name(year, month),
                "total_wh": usage.total,
                "appliances": dict(zip(names, usage.appliance_totals, strict=True)),
            }
        )
    return {"account_number": account, "unit": "Wh", "months": months}


def distribution(account: str, profile: Profile, now: datetime, tzname: str) -> dict:
    """The last 12 complete months by appliance, against the 12 before them."""
    seed = account_seed(account)
    tz = ZoneInfo(tzname)
    months = last_complete_months(now, tz, 24)
    current, before = [0] * len(profile.appliances), [0] * len(profile.appliances)
    for n, (year, month) in enumerate(months):
        target = current if n >= 12 else before
        for i, value in enumerate(month_usage(seed, profile, year, month, tzname).appliance_totals):
            target[i] += value
    return {
        "account_number": account,
        "start_month": _month_name(*months[12]),
        "end_month": _month_name(*months[-1]),
        "unit": "Wh",
        "total_wh": sum(current),
        "appliances": _appliance_totals(profile, current, before),
    }


# --- saving ---------------------------------------------------------------------------------------


def saving(account: str, profile: Profile, now: datetime, tzname: str) -> dict:
    """The last 30 complete days: bands, always-on power, green share and the flexible loads."""
    tz = ZoneInfo(tzname)
    seed = account_seed(account)
    today = now.astimezone(tz).date()
    first = today - timedelta(days=30)
    flexible = [i for i, (a, _) in enumerate(profile.appliances) if a in FLEXIBLE_APPLIANCES]
    flex_energy = {i: [0, 0, 0] for i in flexible}
    flex_green = dict.fromkeys(flexible, 0)
    bands = [0, 0, 0]
    green = 0
    baseload: int | None = None
    for n in range(30):
        day = date.fromordinal(first.toordinal() + n)
        usage = day_usage(seed, profile, day, tzname)
        flags = green_hour_flags(day, tzname)
        for b, value in enumerate(usage.band_totals):
            bands[b] += value
        for i, total in enumerate(usage.hour_totals):
            if usage.hours[i].wall_hour < 6:
                baseload = total if baseload is None else min(baseload, total)
            if flags[i]:
                green += total
        for a in flexible:
            row = usage.wh[a]
            for i, value in enumerate(row):
                flex_energy[a][usage.band_of(i)] += value
                if flags[i]:
                    flex_green[a] += value
    total = sum(bands)
    return {
        "account_number": account,
        "start": midnight(first, tz).isoformat(),
        "end": midnight(today, tz).isoformat(),
        "unit": "Wh",
        "total_wh": total,
        "bands": {"f1_wh": bands[0], "f2_wh": bands[1], "f3_wh": bands[2]},
        "baseload_w": baseload or 0,
        "green_share_pct": _pct(green, total),
        "flexible": [
            {
                "appliance": profile.appliances[a][0].value,
                "energy_wh": sum(flex_energy[a]),
                "bands": dict(zip(("f1_wh", "f2_wh", "f3_wh"), flex_energy[a], strict=True)),
                "green_wh": flex_green[a],
            }
            for a in flexible
        ],
    }
