"""Appliance models: one local day of energy (Wh per hour) for each appliance the docs name.

Each model gets the day's context, its own dice and the quantity declared at onboarding. The dice
are drawn a fixed number of times whatever the profile, and amounts only grow with residents,
area and quantity, so a bigger household never uses less on the same day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.digiwatt.models import Appliance

A = Appliance


class Dice:
    """splitmix64: one cheap, independent stream per (account, date, appliance).

    Seeding random.Random costs more than a whole appliance's day, and thousands of days are
    computed for one year of analytics.
    """

    __slots__ = ("_state",)
    _MASK = (1 << 64) - 1

    def __init__(self, seed: int) -> None:
        self._state = seed & self._MASK

    def random(self) -> float:
        """A uniform float in [0, 1)."""
        mask = self._MASK
        self._state = z = (self._state + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return ((z ^ (z >> 31)) >> 11) / 9007199254740992.0


@dataclass(frozen=True, slots=True)
class DayContext:
    wall: tuple[int, ...]
    weekday: int
    free_day: bool  # weekend or holiday
    people: float
    elderlies: int
    home_by_day: bool
    occupied: bool
    cold: float
    hot: float
    area: int
    house_type: str
    habit: float
    night_owl: bool
    ev_per_week: float


def _spread(c: DayContext, energy: float, weights: dict[int, float]) -> list[float]:
    """`energy` over the day's hours in proportion to `weights` by wall hour."""
    w = [weights.get(h, 0.0) for h in c.wall]
    total = sum(w)
    return [energy * x / total for x in w] if total else [0.0] * len(c.wall)


def _cycle(c: DayContext, start_hour: int, energy: float, split: tuple[float, ...]) -> list[float]:
    """A run starting at wall hour `start_hour`, its energy split over the following hours."""
    out = [0.0] * len(c.wall)
    if start_hour not in c.wall:  # skipped by the spring change: the timer fires an hour later
        start_hour += 1
    i = c.wall.index(start_hour) if start_hour in c.wall else len(c.wall) - 1
    for part in split:
        out[min(i, len(out) - 1)] += energy * part
        i += 1
    return out


def _fridge(c: DayContext, rng: Dice, q: int) -> list[float]:
    base = 58 * q * (1 + 0.25 * c.hot)
    return [base * (0.8 + 0.4 * rng.random()) * (1.08 if 7 <= h <= 22 else 0.92) for h in c.wall]


_TV_EVENING = {7: 0.2, 13: 0.35, 19: 0.5, 20: 0.85, 21: 0.9, 22: 0.75, 23: 0.35}


def _television(c: DayContext, rng: Dice, q: int) -> list[float]:
    power = 175 * q**0.7 * (c.people / 2.75) ** 0.4 * c.habit
    out = []
    for h in c.wall:
        chance = _TV_EVENING.get(h, 0.0)
        if c.home_by_day and 9 <= h <= 18:
            chance = max(chance, 0.45)
        on = c.occupied and rng.random() < chance
        out.append(24.0 * q + (power if on else 0.0))
    return out


def _washing_machine(c: DayContext, rng: Dice, q: int) -> list[float]:
    run, pick, size = rng.random(), rng.random(), rng.random()
    per_week = (1.6 + 1.3 * c.people) * c.habit * q**0.5
    if not c.occupied or run >= min(0.95, per_week / 7):
        return [0.0] * len(c.wall)
    if c.night_owl:
        start = 23 if pick < 0.5 else 0
    elif c.home_by_day:
        start = (9, 10, 11, 15)[int(pick * 4)]
    else:
        start = (7, 18, 19, 20)[int(pick * 4)]
    energy = (900 + 400 * size) * (1 + 0.15 * c.cold) * (c.people / 2.75) ** 0.2
    return _cycle(c, start, energy, (0.75, 0.25))


def _dishwasher(c: DayContext, rng: Dice, q: int) -> list[float]:
    run, pick, size = rng.random(), rng.random(), rng.random()
    per_week = (2.2 + 1.35 * c.people) * c.habit * q**0.5
    if not c.occupied or run >= min(0.97, per_week / 7):
        return [0.0] * len(c.wall)
    if c.night_owl:
        start = 1 if pick < 0.6 else 2
    elif c.home_by_day and pick < 0.3:
        start = 14
    else:
        start = 21 if pick < 0.7 else 22
    energy = (1050 + 400 * size) * (c.people / 2.75) ** 0.2
    return _cycle(c, start, energy, (0.55, 0.45))


def _oven(c: DayContext, rng: Dice, q: int) -> list[float]:
    run, size = rng.random(), rng.random()
    season = 1.25 - 0.6 * c.hot
    per_week = (1.8 + 0.9 * c.people) * season * c.habit
    if not c.occupied or run >= min(0.9, per_week / 7):
        return [0.0] * len(c.wall)
    start = 12 if c.weekday == 7 else 19
    energy = (1000 + 700 * size) * q**0.3
    return _cycle(c, start, energy, (0.8, 0.2))


def _microwave(c: DayContext, rng: Dice, q: int) -> list[float]:
    out = [0.0] * len(c.wall)
    scale = (c.people / 2.75) ** 0.5 * q**0.3
    for hour, chance in ((7, 0.5), (13, 0.45), (20, 0.5)):
        used, size = rng.random(), rng.random()
        if c.occupied and used < chance and hour in c.wall:
            out[c.wall.index(hour)] += (80 + 100 * size) * scale
    return [x + 1.5 for x in out]  # its clock


def _induction_cooktop(c: DayContext, rng: Dice, q: int) -> list[float]:
    out = [0.0] * len(c.wall)
    scale = (c.people / 2.75) ** 0.7 * q**0.3
    lunch = 0.9 if c.home_by_day else 0.35
    for hour, chance, meal in ((7, 0.6, 80), (12, lunch, 600), (19, 0.92, 750)):
        used, size = rng.random(), rng.random()
        if c.occupied and used < chance and hour in c.wall:
            out[c.wall.index(hour)] += meal * (0.7 + 0.6 * size) * scale
    return out


def _boiler(c: DayContext, rng: Dice, q: int) -> list[float]:
    size = rng.random()
    if not c.occupied:
        return [0.0] * len(c.wall)
    need = 1000 * c.people * (1 + 0.35 * c.cold) * (0.85 + 0.3 * size) * c.habit * q**0.5
    losses = [25.0 * q] * len(c.wall)
    if c.night_owl:
        heat = _spread(c, need, dict.fromkeys(range(0, 7), 1.0))
    else:
        heat = _spread(c, need, {6: 1.5, 7: 2.0, 8: 1.2, 13: 0.5, 19: 1.0, 20: 1.4, 21: 1.2})
    return [a + b for a, b in zip(losses, heat, strict=True)]


def _electric_heater(c: DayContext, rng: Dice, q: int) -> list[float]:
    size = rng.random()
    if not c.occupied or c.cold <= 0.02:
        return [0.0] * len(c.wall)
    energy = 6000 * c.cold * q**0.8 * (c.area / 85) ** 0.5 * (0.8 + 0.4 * size)
    energy *= 1 + 0.1 * c.elderlies + 0.05 * c.people
    weights = {6: 1.0, 7: 1.2, 8: 0.6, 17: 0.6, 18: 1.0, 19: 1.2, 20: 1.2, 21: 1.1, 22: 0.8}
    if c.home_by_day:
        weights |= dict.fromkeys(range(9, 17), 0.5)
    return [min(x, 2000.0 * q) for x in _spread(c, energy, weights)]


_HOUSE_LOSSES = {"apartment": 1.0, "townhouse": 1.15, "detached": 1.35, "second": 1.1}


def _heat_pump(c: DayContext, rng: Dice, q: int) -> list[float]:
    size = rng.random()
    if not c.occupied:
        return [0.0] * len(c.wall)
    losses = _HOUSE_LOSSES.get(c.house_type, 1.0) * (0.85 + 0.3 * size) * q**0.3
    heating = 100 * c.area * c.cold * losses
    cooling = 45 * c.area * c.hot * losses
    heat = _spread(
        c, heating, {h: 1.4 if 6 <= h <= 9 else 1.3 if 17 <= h <= 22 else 0.6 for h in range(24)}
    )
    cool = _spread(
        c, cooling, {h: 1.5 if 14 <= h <= 18 else 1.0 if 11 <= h <= 22 else 0.3 for h in range(24)}
    )
    # A home heat pump draws at most about 3.5 kW, however big the house.
    return [min(a + b, 3500.0 * q) + 6 for a, b in zip(heat, cool, strict=True)]


def _air_conditioner(c: DayContext, rng: Dice, q: int) -> list[float]:
    size = rng.random()
    if not c.occupied or c.hot <= 0.02:
        return [0.0] * len(c.wall)
    energy = 3200 * c.hot * q**0.8 * (c.area / 85) ** 0.3 * (0.8 + 0.4 * size)
    energy *= 1 + 0.05 * c.people
    daytime = 1.2 if c.home_by_day else 0.2
    weights = dict.fromkeys(range(9, 20), daytime) | {20: 1.0, 21: 1.0, 22: 1.0, 23: 0.8}
    weights |= dict.fromkeys(range(0, 7), 0.5)
    return [min(x, 1000.0 * q) for x in _spread(c, energy, weights)]


EV_POWER_WH = 2300  # a 3 kW contract charges at 2.3 kW


def _charging(c: DayContext, rng: Dice, q: int) -> list[float]:
    """Night charging from 00:00 (or 01:00) until the car is full or it is 07:00."""
    run, size, pick = rng.random(), rng.random(), rng.random()
    out = [0.0] * len(c.wall)
    if not c.occupied or run >= min(0.95, c.ev_per_week * q / 7):
        return out
    energy = (6000 + 6000 * size) * q**0.5
    first = 0 if pick < 0.7 else 1
    for i, h in enumerate(c.wall):
        if first <= h < 7 and energy > 0:
            out[i] = min(EV_POWER_WH * min(q, 2), energy)
            energy -= out[i]
    return out


Model = Callable[[DayContext, Dice, int], list[float]]


def _standby(watts: float) -> Model:
    def model(c: DayContext, rng: Dice, q: int) -> list[float]:
        return [watts * q] * len(c.wall)

    return model


MODELS: dict[Appliance, Model] = {
    A.FRIDGE: _fridge,
    A.TELEVISION: _television,
    A.WASHING_MACHINE: _washing_machine,
    A.DISHWASHER: _dishwasher,
    A.OVEN: _oven,
    A.MICROWAVE: _microwave,
    A.INDUCTION_COOKTOP: _induction_cooktop,
    A.BOILER: _boiler,
    A.ELECTRIC_HEATER: _electric_heater,
    A.HEAT_PUMP: _heat_pump,
    A.AIR_CONDITIONER: _air_conditioner,
    A.ELECTRIC_VEHICLE: _charging,
    A.CHARGING_STATION: _charging,
    A.SOLAR_PANEL: _standby(0.0),  # only at night, set below
    A.SOLAR_BATTERY: _standby(4.0),
}
APPLIANCE_INDEX = {a: i for i, a in enumerate(Appliance)}
