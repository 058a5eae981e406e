"""What handlers keep in user_data comes back from the database exactly as it went in."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.codec import canonical, decode, encode


def through_database(value: Any) -> Any:
    """What a JSON column does to a value: encode, serialise, parse, decode."""
    return decode(json.loads(json.dumps(encode(value))))


scalars = (
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False) | st.dates()
)
hashable = st.recursive(
    scalars, lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3), max_leaves=6
)
values = st.recursive(
    scalars | st.datetimes(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(), inner, max_size=4)
        | st.dictionaries(st.integers(), inner, max_size=4)
        | st.dictionaries(hashable, inner, max_size=3)
        | st.sets(hashable, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_any_json_like_value_round_trips(value: Any) -> None:
    assert through_database(value) == value


def test_types_json_would_change_keep_their_type() -> None:
    value = {
        "answers": {1: "name", 2: "size"},  # int keys stay ints
        "step": ("house", 2),  # tuples stay tuples
        "chosen": {"dishwasher", "oven"},
        "when": datetime(2025, 6, 2, 8, 30),
        "day": date(2025, 6, 2),
        "at": time(7, 5),
        "lead": timedelta(minutes=15),
        "price": Decimal("0.215"),
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "__t": "a user key that looks like the tag",
        "nan": float("inf"),
    }
    back = through_database(value)
    assert back == value
    assert isinstance(back["step"], tuple)
    assert isinstance(back["chosen"], set)
    assert list(back["answers"]) == [1, 2]


def test_same_data_gives_the_same_text() -> None:
    assert canonical(encode({"b": {3, 1, 2}, "a": 1})) == canonical(
        encode({"a": 1, "b": {2, 3, 1}})
    )


def test_objects_the_database_cannot_hold_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="cannot store a object in the database persistence"):
        encode({"bot": object()})
