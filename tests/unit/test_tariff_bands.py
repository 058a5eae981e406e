"""bot/tariff_bands.py: ARERA's F1/F2/F3 by local hour, Italian holidays included."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.digiwatt.models import TariffBand
from bot.tariff_bands import band_of, band_of_hour, national_holidays

F1, F2, F3 = TariffBand.F1, TariffBand.F2, TariffBand.F3
WEDNESDAY, SATURDAY, SUNDAY = date(2024, 5, 15), date(2024, 5, 18), date(2024, 5, 19)


@pytest.mark.parametrize(
    ("day", "hour", "band"),
    [
        (WEDNESDAY, 6, F3),
        (WEDNESDAY, 7, F2),
        (WEDNESDAY, 8, F1),
        (WEDNESDAY, 18, F1),
        (WEDNESDAY, 19, F2),
        (WEDNESDAY, 22, F2),
        (WEDNESDAY, 23, F3),
        (SATURDAY, 6, F3),
        (SATURDAY, 7, F2),
        (SATURDAY, 12, F2),
        (SATURDAY, 23, F3),
        (SUNDAY, 12, F3),
        (date(2024, 4, 25), 12, F3),  # Liberation Day, a Thursday
        (date(2024, 4, 1), 10, F3),  # Easter Monday 2024
        (date(2025, 4, 21), 10, F3),  # Easter Monday 2025
        (date(2024, 12, 26), 10, F3),  # Santo Stefano
        (date(2024, 12, 27), 10, F1),
    ],
)
def test_bands_by_weekday_hour_and_holiday(day: date, hour: int, band: TariffBand) -> None:
    assert band_of_hour(day, hour) is band
    assert band_of(datetime(day.year, day.month, day.day, hour, 30)) is band


def test_every_week_has_55_hours_of_f1() -> None:
    week = [date(2024, 5, 13 + i) for i in range(7)]  # no holiday
    bands = [band_of_hour(day, hour) for day in week for hour in range(24)]
    assert bands.count(F1) == 5 * 11
    assert bands.count(F2) == 5 * 5 + 16
    assert bands.count(F3) == 168 - 55 - 41


def test_eleven_national_holidays_a_year() -> None:
    assert len(national_holidays(2024)) == 11
    assert date(2026, 4, 6) in national_holidays(2026)  # Easter Monday 2026
