"""Reading control-API requests: JSON bodies, query numbers, the bot they are about."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from playground.world.bots import BotState
from playground.world.state import World, WorldError

MAX_WAIT = 60.0


async def body(request: Request) -> dict[str, Any]:
    """The JSON object sent, or {} for an empty body."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise WorldError("the body must be a JSON object") from exc
    if not isinstance(data, dict):
        raise WorldError("the body must be a JSON object")
    return data


def query_int(request: Request, name: str, default: int | None = None) -> int | None:
    """An integer from the query string."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise WorldError(f"{name} must be an integer") from exc


def query_timeout(request: Request) -> float:
    """The long-poll timeout in seconds (0 answers at once)."""
    value = request.query_params.get("timeout", "0")
    try:
        return min(max(float(value), 0.0), MAX_WAIT)
    except ValueError as exc:
        raise WorldError("timeout must be a number of seconds") from exc


def path_int(request: Request, name: str) -> int:
    """An integer path parameter."""
    try:
        return int(request.path_params[name])
    except ValueError as exc:
        raise WorldError(f"{name} must be an integer", 404) from exc


def bot_of(world: World, request: Request, data: dict[str, Any] | None = None) -> BotState:
    """The bot named by `bot` in the body or the query string (default: the first bot)."""
    name = (data or {}).get("bot") or request.query_params.get("bot")
    return world.bot_by_name(name)


def optional_int(data: dict[str, Any], name: str) -> int | None:
    """An integer field of a JSON body, if present."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise WorldError(f"{name} must be an integer")
    try:
        return int(value)
    except ValueError as exc:
        raise WorldError(f"{name} must be an integer") from exc


def world_of(request: Request) -> World:
    """The World behind this request's app."""
    return request.app.state.world
