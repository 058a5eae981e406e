"""Energy and power read the way people write them, in Italian and in English."""

import pytest

from bot.units import format_change, format_energy, format_power, format_share


@pytest.mark.parametrize(
    ("wh", "lang", "expected"),
    [
        (7900, "it", "7,9 kWh"),
        (7900, "en", "7.9 kWh"),
        (850, "it", "850 Wh"),
        (0, "en", "0 Wh"),
        (999.6, "it", "1 kWh"),  # rounds up into kWh, never "1.000 Wh"
        (12_345, "it", "12,3 kWh"),
        (7000, "en", "7 kWh"),  # no stray ",0"
        (1_234_567, "it", "1.235 kWh"),  # thousands separator, no decimals on big numbers
        (1_234_567, "en", "1,235 kWh"),
    ],
)
def test_energy(wh: float, lang: str, expected: str) -> None:
    assert format_energy(wh, lang) == expected


@pytest.mark.parametrize(
    ("w", "lang", "expected"),
    [
        (850, "it", "850 W"),
        (2400, "it", "2,4 kW"),
        (2400, "en", "2.4 kW"),
        (3000, "it", "3 kW"),
        (12, "en", "12 W"),
    ],
)
def test_power(w: float, lang: str, expected: str) -> None:
    assert format_power(w, lang) == expected


def test_not_a_number_does_not_crash() -> None:
    assert format_energy(float("nan"), "it") == "–"


@pytest.mark.parametrize(
    ("pct", "lang", "expected"),
    [
        (12.0, "it", "+12%"),
        (-8.5, "it", "-8,5%"),
        (-8.5, "en", "-8.5%"),
        (0.0, "en", "0%"),
        (None, "it", ""),
    ],
)
def test_change(pct: float | None, lang: str, expected: str) -> None:
    assert format_change(pct, lang) == expected


def test_share() -> None:
    assert format_share(41.4, "it") == "41%"
    assert format_share(0.2, "it") == "<1%"
    assert format_share(0, "en") == "0%"
