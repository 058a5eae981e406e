"""Simulator-only endpoints under /_simulator/, for tests, benchmarks and the playground.

Not part of the Digiwatt API (absent from openapi.yaml) and unauthenticated: the simulator is a
local tool. Turn them off with SIMULATOR_CONTROL_ENABLED=false.

- GET /_simulator/customers         the known customers (see simulator/customers.py)
- GET /_simulator/users             the users created so far
- GET|POST|DELETE /_simulator/faults  read, change (JSON: latency, error_rate, burst_429,
                                    retry_after; each optional) or reset to start-up settings
- GET|DELETE /_simulator/stats      requests received (by route, tokens) or reset the counters
- GET|PUT /_simulator/clock         read or freeze "now": {"now": "2024-10-27T09:00:00+01:00"};
                                    {"now": null} follows the real clock again
- POST /_simulator/tokens/expire    every token issued so far becomes expired
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator import customers
from simulator.errors import invalid, pydantic_fields
from simulator.faults import FaultState
from simulator.state import SimulatorState


class FaultsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency: float | None = Field(default=None, ge=0, le=60)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    burst_429: int | None = Field(default=None, ge=0)
    retry_after: int | None = Field(default=None, ge=0, le=3600)


class ClockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: AwareDatetime | None


def _sim(request: Request) -> SimulatorState:
    return request.app.state.sim


def _faults(request: Request) -> FaultState:
    return request.app.state.faults


M = TypeVar("M", bound=BaseModel)


async def _parse(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(json.loads(await request.body() or b"{}"))
    except json.JSONDecodeError:
        raise invalid([("body", "must be a JSON object")]) from None
    except PydanticValidationError as error:
        raise invalid(pydantic_fields(error)) from None


async def list_customers(request: Request) -> Response:
    return JSONResponse(customers.describe())


async def list_users(request: Request) -> Response:
    users = _sim(request).users.values()
    return JSONResponse({"users": [u.to_json() for u in users]})


async def faults(request: Request) -> Response:
    state = _faults(request)
    if request.method == "POST":
        update = await _parse(request, FaultsUpdate)
        state.update(**update.model_dump(exclude_none=True))
    elif request.method == "DELETE":
        state.reset()
    return JSONResponse(state.current.to_json())


async def stats(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "DELETE":
        sim.stats.requests = sim.stats.token_requests = 0
        sim.stats.by_route.clear()
    return JSONResponse(sim.stats.to_json())


def _clock_json(sim: SimulatorState) -> dict:
    return {"now": sim.now().isoformat(), "frozen": sim.frozen_now is not None}


async def clock(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "PUT":
        update = await _parse(request, ClockUpdate)
        sim.frozen_now = update.now
    return JSONResponse(_clock_json(sim))


async def expire_tokens(request: Request) -> Response:
    sim = _sim(request)
    sim.expire_tokens()
    return JSONResponse({"expired": len(sim.tokens)})


def control_routes() -> list[Route]:
    return [
        Route("/_simulator/customers", list_customers),
        Route("/_simulator/users", list_users),
        Route("/_simulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_simulator/stats", stats, methods=["GET", "DELETE"]),
        Route("/_simulator/clock", clock, methods=["GET", "PUT"]),
        Route("/_simulator/tokens/expire", expire_tokens, methods=["POST"]),
    ]
