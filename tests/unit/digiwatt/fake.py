"""A scriptable Digiwatt stand-in on httpx.MockTransport, and a clock whose sleeps take no time."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx

CLIENT_ID = "bot-client"
CLIENT_SECRET = "s3cr3t-value-never-logged"
ACCOUNT = "1234567890"
T0 = "2025-03-10T00:00:00+01:00"
T1 = "2025-03-11T00:00:00+01:00"

Handler = Callable[[httpx.Request], Awaitable[httpx.Response | None] | httpx.Response | None]


def envelope(data: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"status": status, "data": data})


def error(status: int, code: str, message: str, fields: dict[str, str] | None = None, **kw):
    body = {
        "status": status,
        "error": {
            "code": code,
            "message": message,
            "fields": [{"field": f, "message": m} for f, m in (fields or {}).items()],
        },
    }
    return httpx.Response(status, json=body, **kw)


def sample_data(path: str) -> dict:
    """A valid `data` for every read path, enough for the models to parse."""
    parts = path.strip("/").split("/")
    if parts == ["greenness"]:
        return {
            "date": "2025-03-10",
            "timezone": "Europe/Rome",
            "updated_at": T0,
            "renewable_pct": 41.5,
            "windows": [{"start": T0, "stop": T1, "renewable_pct": 60}],
            "hourly": [{"start": T0, "renewable_pct": 30}],
        }
    account = parts[1]
    tail = parts[2:]
    period = tail[1] if len(tail) > 1 and tail[0] == "consumption" else None
    base = {"account_number": account}
    span = {"start": T0, "end": T1}
    match tail:
        case ["consumption", "realtime"]:
            return base | {"timestamp": T0, "power_w": 420}
        case ["consumption", "latest"]:
            return (
                base | span | {"interval_minutes": 15, "points": [{"timestamp": T0, "power_w": 1}]}
            )
        case ["consumption", _]:
            interval = span | {"total_wh": 10, "appliances": {"fridge": 10}}
            return base | span | {"period": period, "granularity": "hour", "intervals": [interval]}
        case ["consumption", _, "totals"]:
            return (
                base
                | span
                | {
                    "period": period,
                    "previous_start": T0,
                    "previous_end": T1,
                    "total_wh": 10,
                    "previous_total_wh": 8,
                    "change_pct": 25.0,
                    "appliances": [
                        {
                            "appliance": "fridge",
                            "energy_wh": 10,
                            "previous_energy_wh": 8,
                            "share_pct": 100,
                        }
                    ],
                }
            )
        case ["consumption", _, "performance"]:
            figures = {"user_wh": 5, "min_wh": 1, "average_wh": 5, "max_wh": 9, "similar_homes": 40}
            return base | span | {"period": period} | figures
        case ["consumption", _, "habits"]:
            cells = [{"weekday": 1, "hour": 7, "energy_wh": 3}]
            return base | span | {"period": period, "cells": cells}
        case ["analytics", "trend"]:
            month = {"month": "2025-02", "f1_wh": 1, "f2_wh": 2, "f3_wh": 3, "total_wh": 6}
            return base | {"months": [month]}
        case ["analytics", "distribution"]:
            months = {"start_month": "2024-03", "end_month": "2025-02"}
            return base | months | {"total_wh": 0, "appliances": []}
        case ["analytics", "compound"]:
            return base | {
                "months": [{"month": "2025-02", "total_wh": 4, "appliances": {"oven": 4}}]
            }
        case ["saving"]:
            bands = {"f1_wh": 1, "f2_wh": 1, "f3_wh": 1}
            return (
                base
                | span
                | {
                    "total_wh": 3,
                    "bands": bands,
                    "baseload_w": 80,
                    "green_share_pct": 20,
                    "flexible": [],
                }
            )
    raise AssertionError(f"no sample for {path}")


class FakeClock:
    """A monotonic clock that only moves when the client sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeDigiwatt:
    """Issues tokens tok-1, tok-2, ...; answers reads with sample data unless a test scripts otherwise.

    `script[(method, path)]` is a list of handlers consumed one per request (the last one repeats);
    a handler returning None falls through to the default answer.
    """

    def __init__(self, *, expires_in: int = 3600, delay: float = 0.0) -> None:
        self.expires_in = expires_in
        self.delay = delay  # real seconds each answer takes, so concurrent calls overlap
        self.valid_tokens: set[str] = set()
        self.issued = 0
        self.requests: list[httpx.Request] = []
        self.script: dict[tuple[str, str], list[Handler]] = {}
        self.token_form: dict[str, list[str]] = {}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def on(self, method: str, path: str, *handlers: Handler) -> None:
        self.script[(method, path)] = list(handlers)

    def count(self, method: str, path: str | None = None) -> int:
        return sum(
            1 for r in self.requests if r.method == method and (path is None or r.url.path == path)
        )

    @property
    def token_requests(self) -> int:
        return self.count("POST", "/auth/token")

    def reads(self) -> Counter[str]:
        return Counter(r.url.path for r in self.requests if r.method == "GET")

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        handlers = self.script.get((request.method, request.url.path))
        if handlers:
            handler = handlers.pop(0) if len(handlers) > 1 else handlers[0]
            answer = handler(request)
            if asyncio.iscoroutine(answer):
                answer = await answer
            if answer is not None:
                return answer
        return self.default(request)

    def default(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/auth/token":
            return self.issue_token(request)
        if (
            request.headers.get("Authorization", "").removeprefix("Bearer ")
            not in self.valid_tokens
        ):
            return error(401, "unauthorized", "missing, wrong or expired token")
        if request.method == "GET":
            return envelope(sample_data(path))
        body = json.loads(request.content or b"{}")
        if path == "/users":
            return envelope(body | {"created_at": T0, "onboarded": False})
        if path.endswith("/onboarding"):
            account = path.split("/")[2]
            return envelope(body | {"account_number": account, "onboarded_at": T0})
        if request.method == "DELETE":
            return envelope({"account_number": path.split("/")[2], "deleted_at": T0})
        raise AssertionError(f"unexpected {request.method} {path}")

    def issue_token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        self.token_form = form
        if form.get("client_secret") != [CLIENT_SECRET] or form.get("client_id") != [CLIENT_ID]:
            return httpx.Response(401, json={"error": "invalid_client"})
        self.issued += 1
        token = f"tok-{self.issued}-opaque"
        self.valid_tokens.add(token)
        return httpx.Response(
            200,
            json={"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"},
        )

    def revoke_all(self) -> None:
        """Make every issued token expire server-side, as a token dying mid-flight would."""
        self.valid_tokens.clear()


def http_date(seconds_from_now: float) -> str:
    when = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")
