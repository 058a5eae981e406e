"""bot/provinces.py: Italy's provinces by code, and what users type for them."""

from __future__ import annotations

import pytest

from bot.provinces import PROVINCES, find_province, is_province


def test_all_107_provinces_with_two_letter_codes_and_names() -> None:
    assert len(PROVINCES) == 107
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in PROVINCES)
    assert len({p.name for p in PROVINCES.values()}) == 107
    assert len({p.region for p in PROVINCES.values()}) == 20  # Italy's regions


@pytest.mark.parametrize(
    ("code", "name"),
    [("MI", "Milano"), ("RM", "Roma"), ("NA", "Napoli"), ("SU", "Sud Sardegna"), ("NO", "Novara")],
)
def test_known_codes(code: str, name: str) -> None:
    assert is_province(code)
    assert PROVINCES[code].name == name


@pytest.mark.parametrize("code", ["XX", "mi", "", "MIL", "EE"])
def test_unknown_codes(code: str) -> None:
    assert not is_province(code)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("mi", "MI"),
        (" rm ", "RM"),
        ("Milano", "MI"),
        ("forli-cesena", "FC"),
        ("Forlì Cesena", "FC"),
        ("l'aquila", "AQ"),
        ("REGGIO EMILIA", "RE"),
        ("monza e brianza", "MB"),
        ("Atlantide", None),
        ("", None),
    ],
)
def test_find_province_reads_codes_and_names(typed: str, code: str | None) -> None:
    assert find_province(typed) == code
