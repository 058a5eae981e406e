"""Control API: flood limits and injected Bot API failures."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from playground.botapi.limits import Fault, FloodRule, Limits
from playground.control.requests import body, bot_of, optional_int, world_of
from playground.world.state import WorldError


async def add_flood(request: Request) -> dict[str, Any]:
    """Enforce a flood limit: {limit, window, chat_id?, per_chat?, retry_after?, bot?}."""
    world = world_of(request)
    data = await body(request)
    limit = optional_int(data, "limit")
    window = data.get("window", 1.0)
    if not limit or limit < 1 or not isinstance(window, (int, float)) or window <= 0:
        raise WorldError("a flood rule needs limit >= 1 and window > 0 seconds")
    limits: Limits = request.app.state.limits
    limits.floods.append(
        FloodRule(
            limit=limit,
            window=float(window),
            bot_id=bot_of(world, request, data).id,
            chat_id=optional_int(data, "chat_id"),
            per_chat=bool(data.get("per_chat", True)),
            retry_after=optional_int(data, "retry_after"),
        )
    )
    return {"ok": True}


async def clear_flood(request: Request) -> dict[str, Any]:
    """Lift every flood limit."""
    limits: Limits = request.app.state.limits
    limits.floods.clear()
    return {"ok": True}


async def add_fault(request: Request) -> dict[str, Any]:
    """Fail (or delay) the next calls of a method: {method, error_code?, description?, retry_after?, times?, delay?, chat_id?, bot?}."""
    world = world_of(request)
    data = await body(request)
    name = str(data.get("method") or "").lower()
    if not name:
        raise WorldError("say which method fails ('*' for any)")
    error_code = optional_int(data, "error_code")
    delay = data.get("delay", 0.0)
    if error_code is None and not delay:
        raise WorldError("a fault needs an error_code, a delay, or both")
    limits: Limits = request.app.state.limits
    limits.faults.append(
        Fault(
            method=name,
            bot_id=bot_of(world, request, data).id,
            error_code=error_code,
            description=data.get("description"),
            retry_after=optional_int(data, "retry_after"),
            times=optional_int(data, "times") or 1,
            delay=float(delay),
            chat_id=optional_int(data, "chat_id"),
        )
    )
    return {"ok": True}


async def clear_faults(request: Request) -> dict[str, Any]:
    """Drop every pending fault."""
    limits: Limits = request.app.state.limits
    limits.faults.clear()
    return {"ok": True}
