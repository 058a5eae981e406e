"""Italian time-of-use bands (ARERA): which of F1, F2, F3 a local wall-clock hour falls in.

F1: Monday to Friday 8-19. F2: Monday to Friday 7-8 and 19-23, Saturday 7-23. F3: every night
23-7, all of Sunday and of the national holidays. Shared by the simulator and the bot's advice.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from dateutil.easter import easter

from bot.digiwatt.models import TariffBand

# Fixed-date national holidays (month, day); Easter Monday moves and is added per year.
_FIXED_HOLIDAYS = (
    (1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26),
)  # fmt: skip


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    """Italy's national holidays in `year`, Easter Monday included."""
    easter_monday = date.fromordinal(easter(year).toordinal() + 1)
    return frozenset({date(year, month, day) for month, day in _FIXED_HOLIDAYS} | {easter_monday})


def band_of_hour(day: date, hour: int) -> TariffBand:
    """The band of the local hour starting at `hour` o'clock on `day`."""
    weekday = day.isoweekday()
    if weekday == 7 or day in national_holidays(day.year) or hour < 7 or hour >= 23:
        return TariffBand.F3
    if weekday == 6:
        return TariffBand.F2
    if 8 <= hour < 19:
        return TariffBand.F1
    return TariffBand.F2


def band_of(moment: datetime) -> TariffBand:
    """The band of an instant; naive or aware, it is read as local wall-clock time."""
    return band_of_hour(moment.date(), moment.hour)
