"""The Digiwatt API stand-in: an ASGI app serving the operations of `bot/digiwatt/openapi.yaml`.

`create_app(config)` builds it; `simulator.server.serve()` runs it with uvicorn. Checks run in
this order: the bearer token (401), the path parameters (422), the account's existence (404), the
body (422). The /_simulator/* control endpoints (simulator/control.py) are outside the contract.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError as PydanticValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import bot.digiwatt
from bot.digiwatt.models import (
    ACCOUNT_NUMBER_PATTERN,
    DEFAULT_APPLIANCES,
    CreateUserRequest,
    OnboardingRequest,
    Period,
)
from bot.provinces import is_province
from simulator import customers, payloads
from simulator.auth import Handler, authenticated, token
from simulator.config import SimulatorConfig
from simulator.control import control_routes
from simulator.errors import (
    ApiError,
    handle_api_error,
    handle_http_error,
    handle_unexpected,
    invalid,
    pydantic_fields,
)
from simulator.faults import FaultMiddleware, FaultState
from simulator.greenness import greenness_data
from simulator.state import SimulatorState, UserRecord

OPENAPI_PATH = Path(bot.digiwatt.__file__).parent / "openapi.yaml"
_PERIOD_VALUES = {p.value for p in Period}
_PERIODS = ", ".join(p.value for p in Period)


def _state(request: Request) -> SimulatorState:
    return request.app.state.sim


def _ok(data: dict) -> JSONResponse:
    return JSONResponse({"status": 200, "data": data})


# --- parameters and bodies ------------------------------------------------------------------------


def _check_path(request: Request) -> None:
    """Every path parameter at once, so one 422 names all the bad ones."""
    params = request.path_params
    fields = []
    if not ACCOUNT_NUMBER_PATTERN.fullmatch(params.get("account_number", "0000")):
        fields.append(("account_number", "4 to 32 letters, digits or dashes"))
    if "period" in params and params["period"] not in _PERIOD_VALUES:
        fields.append(("period", f"must be one of {_PERIODS}"))
    if fields:
        raise invalid(fields)


def _user(request: Request) -> UserRecord:
    _check_path(request)
    account = request.path_params["account_number"]
    user = _state(request).users.get(account)
    if user is None:
        raise ApiError(404, "user_not_found", f"No user with account number {account}")
    return user


async def _json_object(request: Request) -> dict:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise invalid([("body", "must be a JSON object")]) from None
    if not isinstance(body, dict):
        raise invalid([("body", "must be a JSON object")])
    return body


# --- users ----------------------------------------------------------------------------------------


def _user_data(user: UserRecord) -> dict:
    return {
        "account_number": user.account_number,
        "pod": user.pod,
        "company_code": user.company_code,
        "created_at": user.created_at.isoformat(),
        "onboarded": user.onboarding is not None,
    }


@authenticated
async def create_user(request: Request) -> Response:
    body = await _json_object(request)
    try:
        wanted = CreateUserRequest.model_validate(body)
    except PydanticValidationError as error:
        raise invalid(pydantic_fields(error)) from None
    state = _state(request)
    if customers.pod_of(wanted.account_number) != wanted.pod:
        raise ApiError(
            404,
            "customer_not_found",
            f"No customer with account number {wanted.account_number} and POD {wanted.pod}",
        )
    if wanted.account_number in state.users:
        raise ApiError(409, "user_exists", f"User {wanted.account_number} already exists")
    user = UserRecord(wanted.account_number, wanted.pod, wanted.company_code, state.now())
    state.add_user(user)
    return _ok(_user_data(user))


@authenticated
async def delete_user(request: Request) -> Response:
    user = _user(request)
    state = _state(request)
    state.remove_user(user.account_number)
    return _ok({"account_number": user.account_number, "deleted_at": state.now().isoformat()})


def _province_fields(body: dict) -> list[tuple[str, str]]:
    house = body.get("house")
    province = house.get("province") if isinstance(house, dict) else None
    # A malformed code is pydantic's to report (pattern); a well-formed unknown one is ours.
    if (
        isinstance(province, str)
        and re.fullmatch("[A-Z]{2}", province)
        and not is_province(province)
    ):
        return [("house.province", f"{province} is not an Italian province code, e.g. MI or RM")]
    return []


@authenticated
async def onboard(request: Request) -> Response:
    user = _user(request)
    body = await _json_object(request)
    fields = []
    try:
        wanted = OnboardingRequest.model_validate(body)
    except PydanticValidationError as error:
        fields = pydantic_fields(error)
    fields += _province_fields(body)
    if fields:
        raise invalid(fields)
    state = _state(request)
    chosen = [item.model_dump(mode="json") for item in wanted.appliances]
    data = {
        "account_number": user.account_number,
        "house": wanted.house.model_dump(mode="json"),
        "residents": wanted.residents.model_dump(mode="json"),
        "appliances": chosen or [{"appliance": a.value, "quantity": 1} for a in DEFAULT_APPLIANCES],
        "onboarded_at": state.now().isoformat(),
    }
    user.onboard(data)
    state.save()
    return _ok(data)


# --- reads ----------------------------------------------------------------------------------------


def _tz(request: Request) -> str:
    return _state(request).config.timezone


def period_read(build: Callable) -> Handler:
    async def read(request: Request) -> Response:
        user = _user(request)
        period = Period(request.path_params["period"])
        now = _state(request).now()
        return _ok(build(user.account_number, user.profile, period, now, _tz(request)))

    read.__name__ = build.__name__
    return authenticated(read)


def account_read(build: Callable, *, heavy: bool = False) -> Handler:
    """A read of one account; `heavy` ones (a year or two of days when cold) leave the loop free."""

    async def read(request: Request) -> Response:
        user = _user(request)
        now = _state(request).now()
        args = (user.account_number, user.profile, now, _tz(request))
        return _ok(await run_in_threadpool(build, *args) if heavy else build(*args))

    read.__name__ = build.__name__
    return authenticated(read)


@authenticated
async def greenness(request: Request) -> Response:
    today = _state(request).now().date()
    return _ok(greenness_data(today, _tz(request)))


async def openapi_document(request: Request) -> Response:
    return Response(OPENAPI_PATH.read_bytes(), media_type="application/yaml")


async def index(request: Request) -> Response:
    return JSONResponse(
        {
            "service": "Digiwatt API simulator",
            "openapi": "/openapi.yaml",
            "token": "POST /auth/token (client_id, client_secret, grant_type=client_credentials)",
            "customers": "/_simulator/customers",
        }
    )


def api_routes() -> list[Route]:
    user = "/users/{account_number}"
    return [
        Route("/", index),
        Route("/openapi.yaml", openapi_document),
        Route("/auth/token", token, methods=["POST"]),
        Route("/users", create_user, methods=["POST"]),
        Route(user, delete_user, methods=["DELETE"]),
        Route(f"{user}/onboarding", onboard, methods=["POST"]),
        Route(f"{user}/consumption/realtime", account_read(payloads.realtime)),
        Route(f"{user}/consumption/latest", account_read(payloads.latest)),
        Route(f"{user}/consumption/{{period}}", period_read(payloads.consumption)),
        Route(f"{user}/consumption/{{period}}/totals", period_read(payloads.totals)),
        Route(f"{user}/consumption/{{period}}/performance", period_read(payloads.performance)),
        Route(f"{user}/consumption/{{period}}/habits", period_read(payloads.habits)),
        Route(f"{user}/analytics/trend", account_read(payloads.trend, heavy=True)),
        Route(f"{user}/analytics/distribution", account_read(payloads.distribution, heavy=True)),
        Route(f"{user}/analytics/compound", account_read(payloads.compound, heavy=True)),
        Route(f"{user}/saving", account_read(payloads.saving, heavy=True)),
        Route("/greenness", greenness),
    ]


def create_app(config: SimulatorConfig, state_path: Path | None = None) -> Starlette:
    """The simulator as an ASGI app; `state_path` keeps users in a JSON file across runs."""
    state = SimulatorState(config, state_path)
    faults = FaultState(config)
    routes = api_routes() + (control_routes() if config.control_enabled else [])
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: handle_api_error,
            HTTPException: handle_http_error,
            Exception: handle_unexpected,
        },
    )
    app.state.sim = state
    app.state.faults = faults
    app.add_middleware(FaultMiddleware, faults=faults, stats=state.stats)
    return app
