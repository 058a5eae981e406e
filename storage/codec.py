"""JSON that round-trips what bots keep in user_data: tuples, sets, int keys, dates.

Plain JSON would silently turn `{5: "x"}` into `{"5": "x"}` and tuples into lists, so a resumed
conversation would see different data. Values JSON has no form for are tagged objects
`{"__t": kind, "v": ...}`; anything else (a Bot, a socket) is refused with a clear error.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

TAG = "__t"


def encode(value: Any) -> Any:
    """Python value -> JSON-compatible structure."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {TAG: "float", "v": repr(value)}
        return value
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and TAG not in value:
            return {key: encode(item) for key, item in value.items()}
        return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {TAG: "tuple", "v": [encode(item) for item in value]}
    if isinstance(value, set | frozenset):
        kind = "frozenset" if isinstance(value, frozenset) else "set"
        # Sorted so the same set always gives the same text (change detection compares texts).
        items = sorted((encode(item) for item in value), key=canonical)
        return {TAG: kind, "v": items}
    # datetime before date: a datetime is a date too.
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, UUID):
        return {TAG: "uuid", "v": str(value)}
    raise TypeError(
        f"cannot store a {type(value).__name__} in the database persistence: keep user_data, "
        "chat_data, bot_data and conversation states to JSON-like values (str, int, float, bool, "
        "None, list, tuple, dict, set, date, datetime)"
    )


_DECODERS = {
    "tuple": lambda v: tuple(decode(item) for item in v),
    "set": lambda v: {decode(item) for item in v},
    "frozenset": lambda v: frozenset(decode(item) for item in v),
    "dict": lambda v: {decode(k): decode(item) for k, item in v},
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "timedelta": lambda v: timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "decimal": Decimal,
    "uuid": UUID,
    "float": float,
}


def decode(value: Any) -> Any:
    """Inverse of `encode`."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        kind = value.get(TAG)
        if isinstance(kind, str) and kind in _DECODERS and set(value) == {TAG, "v"}:
            return _DECODERS[kind](value["v"])
        return {key: decode(item) for key, item in value.items()}
    return value


def canonical(value: Any) -> str:
    """One text per encoded value: tells whether data changed since it was last written."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
