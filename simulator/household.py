"""A household's hourly energy by appliance, deterministic per (account, profile, date).

The profile comes from onboarding (or a default family of three in Rome until then). Every figure
is grid energy in whole Wh per local hour, so every total the API shows is a sum of the same
integers: interval totals, appliance totals, bands, months. Shaping rules, all per local hour:

- the fridge runs around the clock; a television has a standby floor (router, decoder);
- washing machine, dishwasher, oven, cooktop and microwave follow meals and evenings; people at
  home in the daytime (elderlies, weekends, holidays) move use into the day; about one account in
  four is a "night owl" whose timers run flexible loads in F3;
- an electric vehicle (or a charging station without one) charges at night from 00:00 at 2.3 kW;
- the electric heater and the heat pump's heating follow a cold index by climate zone, month and
  the day's weather; air conditioners and the heat pump's cooling follow a hot index;
- solar panels cover part of each daylit hour's use (never more than 90%), a solar battery
  carries the surplus into the evening; both show only their standby draw as appliances;
- a second home is lived in on weekends, holidays and in August; otherwise only fridge and
  standby run;
- more residents never mean less: each draw of the dice is fixed per (account, date, appliance)
  and the amounts grow with the residents, so only the thresholds move.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from bot.digiwatt.models import DEFAULT_APPLIANCES, Appliance, OnboardingRequest, TariffBand
from bot.provinces import PROVINCES
from bot.tariff_bands import national_holidays
from simulator.appliances import APPLIANCE_INDEX, MODELS, DayContext, Dice
from simulator.clock import HOUR, LocalHour, day_hours, month_days
from simulator.greenness import clear_sky, sun_elevation_sine, weather

A = Appliance
BANDS = (TariffBand.F1, TariffBand.F2, TariffBand.F3)
_BAND_INDEX = {band: i for i, band in enumerate(BANDS)}


@dataclass(frozen=True, slots=True)
class Profile:
    """What onboarding tells about a home; hashable, so computations can be cached per profile."""

    house_type: str = "apartment"
    area: int = 85
    province: str = "RM"
    adults: int = 2
    children: int = 1
    elderlies: int = 0
    appliances: tuple[tuple[Appliance, int], ...] = field(
        default_factory=lambda: tuple((a, 1) for a in DEFAULT_APPLIANCES)
    )

    @classmethod
    def from_onboarding(cls, request: OnboardingRequest) -> Profile:
        items = request.appliances
        appliances = (
            tuple((i.appliance, i.quantity) for i in items)
            if items
            else tuple((a, 1) for a in DEFAULT_APPLIANCES)
        )
        return cls(
            house_type=request.house.type.value,
            area=request.house.dimesion,
            province=request.house.province,
            adults=request.residents.adults,
            children=request.residents.children,
            elderlies=request.residents.elderlies,
            appliances=appliances,
        )

    @property
    def people(self) -> float:
        return self.adults + 0.75 * self.children + self.elderlies

    def quantity(self, appliance: Appliance) -> int:
        return dict(self.appliances).get(appliance, 0)


DEFAULT_PROFILE = Profile()


def account_seed(account_number: str) -> int:
    return zlib.crc32(account_number.encode())


# --- climate --------------------------------------------------------------------------------------

_NORTH = {
    "Piemonte", "Valle d'Aosta", "Lombardia", "Trentino-Alto Adige", "Veneto",
    "Friuli-Venezia Giulia", "Liguria", "Emilia-Romagna",
}  # fmt: skip
_CENTRE = {"Toscana", "Umbria", "Marche", "Lazio", "Abruzzo", "Molise"}

# Mid-month indexes, January first: how much heating (cold) or cooling (hot) a home needs.
_COLD = {
    "north": (1.0, 0.9, 0.6, 0.3, 0.05, 0, 0, 0, 0, 0.2, 0.6, 0.95),
    "centre": (0.85, 0.75, 0.45, 0.15, 0, 0, 0, 0, 0, 0.05, 0.45, 0.8),
    "south": (0.6, 0.55, 0.3, 0.05, 0, 0, 0, 0, 0, 0, 0.25, 0.55),
}
_HOT = {
    "north": (0, 0, 0, 0, 0.05, 0.45, 0.8, 0.7, 0.25, 0, 0, 0),
    "centre": (0, 0, 0, 0, 0.1, 0.55, 0.9, 0.85, 0.35, 0.05, 0, 0),
    "south": (0, 0, 0, 0, 0.2, 0.65, 1.0, 1.0, 0.5, 0.1, 0, 0),
}


def climate_zone(province: str) -> str:
    region = PROVINCES[province].region if province in PROVINCES else "Lazio"
    return "north" if region in _NORTH else "centre" if region in _CENTRE else "south"


def _seasonal(table: tuple[float, ...], day: date) -> float:
    # Linear between mid-month values, so the index has no jumps on the 1st.
    position = day.month - 1 + (day.day - 15) / 30
    low = math.floor(position)
    frac = position - low
    return table[low % 12] * (1 - frac) + table[(low + 1) % 12] * frac


# --- solar ----------------------------------------------------------------------------------------

PV_KWP = 3.0  # one unit of solarPanel: a typical 3 kWp roof
BATTERY_WH = 5000  # one unit of solarBattery


def _solar_production(hours: tuple[LocalHour, ...], day: date, kwp: float) -> list[float]:
    sky = clear_sky(day)
    return [
        1000 * kwp * 0.78 * max(0.0, sun_elevation_sine(h.utc + HOUR / 2)) ** 1.15 * sky
        for h in hours
    ]


def _grid_share(use: list[float], production: list[float], battery_wh: float) -> list[float]:
    """Per hour, the fraction of use drawn from the grid once sun and battery have covered theirs."""
    stored = 0.0
    shares = []
    for u, p in zip(use, production, strict=True):
        if u <= 0:
            shares.append(1.0)
            stored = min(battery_wh, stored + 0.9 * p)
            continue
        covered = min(0.9 * u, p)
        stored = min(battery_wh, stored + 0.9 * (p - covered))
        from_battery = min(stored, 0.9 * u - covered)
        stored -= from_battery
        shares.append(1 - (covered + from_battery) / u)
    return shares


# --- the day --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayUsage:
    """Grid energy of one local day: `wh[a][h]` for appliance index a and hour index h."""

    day: date
    hours: tuple[LocalHour, ...]
    appliances: tuple[Appliance, ...]
    wh: tuple[tuple[int, ...], ...]
    hour_totals: tuple[int, ...]
    appliance_totals: tuple[int, ...]
    band_totals: tuple[int, int, int]  # F1, F2, F3
    total: int

    def band_of(self, hour_index: int) -> int:
        return _BAND_INDEX[self.hours[hour_index].band]


@lru_cache(maxsize=4096)
def traits(seed: int) -> tuple[float, bool, float]:
    """Habits that belong to an account: usage scale, night-owl timers, EV charges per week."""
    rng = random.Random(seed)
    return 0.95 + 0.35 * rng.random(), rng.random() < 0.25, 2 + 2.5 * rng.random()


def _context(seed: int, profile: Profile, day: date, hours: tuple[LocalHour, ...]) -> DayContext:
    habit, night_owl, ev_per_week = traits(seed)
    weekday = day.isoweekday()
    free_day = weekday >= 6 or day in national_holidays(day.year)
    occupied = profile.house_type != "second" or free_day or day.month == 8
    zone = climate_zone(profile.province)
    anomaly = weather(day).temp_anomaly
    cold = max(0.0, _seasonal(_COLD[zone], day) * (1 + 0.35 * anomaly))
    hot = max(0.0, _seasonal(_HOT[zone], day) * (1 - 0.35 * anomaly))
    return DayContext(
        wall=tuple(h.wall_hour for h in hours),
        weekday=weekday,
        free_day=free_day,
        people=profile.people,
        elderlies=profile.elderlies,
        home_by_day=free_day or profile.elderlies > 0,
        occupied=occupied,
        cold=cold,
        hot=hot,
        area=profile.area,
        house_type=profile.house_type,
        habit=habit,
        night_owl=night_owl,
        ev_per_week=ev_per_week,
    )


@lru_cache(maxsize=8192)
def day_usage(seed: int, profile: Profile, day: date, tzname: str) -> DayUsage:
    """The day's grid energy per appliance and local hour; cached, it is asked for again and again."""
    hours = day_hours(day, tzname)
    c = _context(seed, profile, day, hours)
    appliances = tuple(a for a, _ in profile.appliances)
    has_ev = profile.quantity(A.ELECTRIC_VEHICLE) > 0
    ordinal = day.toordinal()
    raw: list[list[float]] = []
    for appliance, quantity in profile.appliances:
        rng = Dice((seed * 1_000_003 + ordinal) * 37 + APPLIANCE_INDEX[appliance])
        if appliance is A.CHARGING_STATION and has_ev:
            raw.append([2.0 * quantity] * len(hours))  # the car's charge is counted as the EV's
        else:
            raw.append(MODELS[appliance](c, rng, quantity))

    panels = profile.quantity(A.SOLAR_PANEL)
    if panels:
        production = _solar_production(hours, day, PV_KWP * min(panels, 4))
        # The inverter draws a little only when the panels produce nothing.
        raw[appliances.index(A.SOLAR_PANEL)] = [3.0 if p <= 0 else 0.0 for p in production]
        use = [sum(col) for col in zip(*raw, strict=True)]
        battery = BATTERY_WH * min(profile.quantity(A.SOLAR_BATTERY), 3)
        shares = _grid_share(use, production, battery)
        raw = [[x * s for x, s in zip(row, shares, strict=True)] for row in raw]

    wh = tuple(tuple(map(round, row)) for row in raw)
    hour_totals = tuple(sum(col) for col in zip(*wh, strict=True)) if wh else (0,) * len(hours)
    bands = [0, 0, 0]
    for h, total in zip(hours, hour_totals, strict=True):
        bands[_BAND_INDEX[h.band]] += total
    return DayUsage(
        day=day,
        hours=hours,
        appliances=appliances,
        wh=wh,
        hour_totals=hour_totals,
        appliance_totals=tuple(sum(row) for row in wh),
        band_totals=(bands[0], bands[1], bands[2]),
        total=sum(hour_totals),
    )


@dataclass(frozen=True, slots=True)
class MonthUsage:
    total: int
    appliance_totals: tuple[int, ...]  # in the profile's appliance order
    band_totals: tuple[int, int, int]


@lru_cache(maxsize=65536)
def month_usage(seed: int, profile: Profile, year: int, month: int, tzname: str) -> MonthUsage:
    """A whole month's sums, from the same days as everything else."""
    totals = [0] * len(profile.appliances)
    bands = [0, 0, 0]
    for day in month_days(year, month):
        usage = day_usage(seed, profile, day, tzname)
        for i, value in enumerate(usage.appliance_totals):
            totals[i] += value
        for i, value in enumerate(usage.band_totals):
            bands[i] += value
    return MonthUsage(sum(totals), tuple(totals), (bands[0], bands[1], bands[2]))
