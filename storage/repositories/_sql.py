"""The few statements whose SQL differs between SQLite and PostgreSQL, behind one interface."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    FromClause,
    Select,
    String,
    Subquery,
    bindparam,
    func,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert(session: AsyncSession, target: Any) -> Any:
    """INSERT with `.on_conflict_do_nothing/update()`, which both dialects spell the same."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)


def id_pairs(session: AsyncSession, pairs: Sequence[tuple[int, str]]) -> Select[Any]:
    """A SELECT yielding (chat_id, alert_key) rows from two parameters, whatever their number.

    One statement for 10,000 pairs: a row per pair would need 20,000 bind parameters, over
    SQLite's and asyncpg's limits, and a round trip per batch.
    """
    if dialect_name(session) == "postgresql":
        rows = (
            func.unnest(
                bindparam("pair_ids", [p[0] for p in pairs], type_=ARRAY(BigInteger)),
                bindparam("pair_keys", [p[1] for p in pairs], type_=ARRAY(String)),
            )
            .table_valued("chat_id", "alert_key")
            .render_derived(name="pairs")
        )
        # Ordered: concurrent claims lock rows in the same order, so they cannot deadlock.
        return select(rows.c.chat_id, rows.c.alert_key).order_by(rows.c.chat_id, rows.c.alert_key)
    each = func.json_each(bindparam("pairs", json.dumps(list(pairs)), type_=String)).table_valued(
        "value"
    )
    # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT, or it cannot parse it.
    return select(
        func.json_extract(each.c.value, "$[0]").label("chat_id"),
        func.json_extract(each.c.value, "$[1]").label("alert_key"),
    ).where(true())


def ordered_pairs(session: AsyncSession, pairs: Sequence[tuple[int, str]]) -> FromClause:
    """(chat_id, alert_key, ord) rows from two parameters, `ord` following the list's order
    (`id_pairs` sorts them instead)."""
    if dialect_name(session) == "postgresql":
        return (
            func.unnest(
                bindparam("pair_ids", [p[0] for p in pairs], type_=ARRAY(BigInteger)),
                bindparam("pair_keys", [p[1] for p in pairs], type_=ARRAY(String)),
            )
            .table_valued("chat_id", "alert_key", with_ordinality="ord")
            .render_derived(name="candidates")
        )
    each = func.json_each(bindparam("pairs", json.dumps(list(pairs)), type_=String)).table_valued(
        "value", "key"
    )
    return select(
        func.json_extract(each.c.value, "$[0]").label("chat_id"),
        func.json_extract(each.c.value, "$[1]").label("alert_key"),
        each.c.key.label("ord"),
    ).subquery("candidates")


def in_ids(session: AsyncSession, column: ColumnElement[Any], ids: Iterable[int]) -> Any:
    """`column IN ids` as one bind parameter, for id lists of any length."""
    values = sorted(set(ids))
    if dialect_name(session) == "postgresql":
        return column == func.any(bindparam(None, values, type_=ARRAY(BigInteger)))
    each = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(each.c.value))


def json_zone_ranges(rows: Sequence[tuple[str, str, str, date]]) -> Subquery:
    """SQLite: a derived table (zone, first, last, day) from ONE JSON parameter; the due query
    joins it first, then searches the (time_zone, daily_time) index once per row."""
    payload = json.dumps([[z, f, la, d.isoformat()] for z, f, la, d in rows])
    each = func.json_each(bindparam("zone_ranges", payload, type_=String)).table_valued("value")
    return select(
        func.json_extract(each.c.value, "$[0]").label("zone"),
        func.json_extract(each.c.value, "$[1]").label("first"),
        func.json_extract(each.c.value, "$[2]").label("last"),
        type_coerce(func.json_extract(each.c.value, "$[3]"), Date()).label("day"),
    ).subquery("due")
