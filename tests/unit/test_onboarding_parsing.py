"""What people type during onboarding: sizes, head counts and provinces, read kindly but strictly."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.digiwatt.models import House, HouseType, Residents
from bot.provinces import PROVINCES
from handlers.onboarding.parsing import (
    PEOPLE_MAX,
    SIZE_MAX,
    SIZE_MIN,
    BadAnswer,
    Problem,
    match_province,
    parse_count,
    parse_size,
)


@pytest.mark.parametrize(
    ("typed", "size"),
    [
        ("85", 85),
        (" 85 ", 85),
        ("85 m2", 85),
        ("85m2", 85),
        ("85 m²", 85),
        ("85mq", 85),
        ("85 MQ", 85),
        ("85 sqm", 85),
        ("85 square metres", 85),
        ("85 metri quadri", 85),
        ("85,5", 86),  # rounded half up, not to even
        ("84,5", 85),
        ("85.4", 85),
        ("1.200", 1200),  # Italian thousands separator
        ("1 200 mq", 1200),
        ("10", 10),
        ("2000", 2000),
    ],
)
def test_sizes_people_type_are_read(typed: str, size: int) -> None:
    assert parse_size(typed) == size


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", Problem.NOT_A_NUMBER),
        ("eighty", Problem.NOT_A_NUMBER),
        ("85 5", Problem.NOT_A_NUMBER),
        ("85 km", Problem.NOT_A_NUMBER),
        ("9", Problem.TOO_SMALL),
        ("9,4", Problem.TOO_SMALL),
        ("-85", Problem.TOO_SMALL),
        ("0", Problem.TOO_SMALL),
        ("2001", Problem.TOO_LARGE),
        ("100.000", Problem.TOO_LARGE),
    ],
)
def test_sizes_that_cannot_be_used_say_why(typed: str, problem: Problem) -> None:
    with pytest.raises(BadAnswer) as caught:
        parse_size(typed)
    assert caught.value.problem == problem


def test_size_bounds_are_the_data_contracts() -> None:
    House(type=HouseType.APARTMENT, dimesion=SIZE_MIN, province="MI")
    House(type=HouseType.APARTMENT, dimesion=SIZE_MAX, province="MI")
    for outside in (SIZE_MIN - 1, SIZE_MAX + 1):
        with pytest.raises(ValidationError):
            House(type=HouseType.APARTMENT, dimesion=outside, province="MI")


@given(st.integers(min_value=SIZE_MIN, max_value=SIZE_MAX))
def test_every_whole_size_in_range_is_accepted(size: int) -> None:
    assert parse_size(str(size)) == size
    assert parse_size(f"{size} m2") == size


def test_counts_are_digits_within_bounds() -> None:
    assert parse_count(" 3 ") == 3
    assert parse_count("0") == 0
    assert parse_count(str(PEOPLE_MAX)) == PEOPLE_MAX
    Residents(adults=PEOPLE_MAX, children=PEOPLE_MAX, elderlies=PEOPLE_MAX)
    with pytest.raises(BadAnswer) as caught:
        parse_count("0", minimum=1)
    assert caught.value.problem == Problem.TOO_SMALL
    with pytest.raises(BadAnswer) as caught:
        parse_count(str(PEOPLE_MAX + 1))
    assert caught.value.problem == Problem.TOO_LARGE
    for typed in ("two", "2.5", "", "-"):
        with pytest.raises(BadAnswer) as caught:
            parse_count(typed)
        assert caught.value.problem == Problem.NOT_A_NUMBER


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("BO", "BO"),
        ("bo", "BO"),
        (" mi ", "MI"),
        ("Bologna", "BO"),
        ("bologna", "BO"),
        ("FORLI-CESENA", "FC"),
        ("Forlì Cesena", "FC"),
        ("forli", "FC"),
        ("l'aquila", "AQ"),
        ("Laquila", None),  # not a name: offered as a suggestion instead (below)
        ("Rome", "RM"),
        ("Milan", "MI"),
        ("Provincia di Bologna", "BO"),
        ("prov. BO", "BO"),
        ("Bologna (BO)", "BO"),
        ("Monza", "MB"),
        ("Reggio Emilia", "RE"),
        ("reggio calabria", "RC"),
    ],
)
def test_provinces_by_code_or_name(typed: str, code: str | None) -> None:
    assert match_province(typed).code == code


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("Bolgna", "BO"), ("Milno", "MI"), ("Laquila", "AQ"), ("Fireze", "FI"), ("Napli", "NA")],
)
def test_a_typo_gets_a_suggestion(typed: str, suggested: str) -> None:
    assert match_province(typed) == type(match_province(typed))(code=None, suggestion=suggested)


@pytest.mark.parametrize("typed", ["XX", "QQ", "Atlantis", "", "x" * 5000, "12"])
def test_nonsense_gets_neither_code_nor_suggestion(typed: str) -> None:
    found = match_province(typed)
    assert found.code is None and found.suggestion is None


def test_every_official_name_and_code_is_found() -> None:
    for code, province in PROVINCES.items():
        assert match_province(province.name).code == code
        assert match_province(code.lower()).code == code
