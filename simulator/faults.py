"""Fault injection for resilience tests: extra latency, a random 503 rate, bursts of 429.

Set at start-up from SimulatorConfig (SIMULATOR_* variables) and changed at run time through
POST /_simulator/faults. Faults apply to every API operation except POST /auth/token (latency
excepted), so a client's retries are exercised on the calls it may retry. The simulator's own
pages (/_simulator/*, / and /openapi.yaml) are neither faulted nor counted; every other request
is counted before any fault, as a benchmark's "upstream requests".
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import asdict, dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from simulator.config import SimulatorConfig
from simulator.state import Stats


@dataclass
class Faults:
    latency: float = 0.0  # seconds added to every API request
    error_rate: float = 0.0  # 0..1: share of requests answered 503
    burst_429: int = 0  # the next N requests are answered 429
    retry_after: int = 1  # whole seconds, sent in Retry-After with each 429

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> Faults:
        return cls(config.latency, config.error_rate, config.burst_429, config.retry_after)

    def to_json(self) -> dict:
        return asdict(self)


class FaultState:
    """The faults in force, with seeded dice so a resilience run repeats."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._initial = Faults.from_config(config)
        self.current = Faults.from_config(config)
        self._seed = config.fault_seed
        self._rng = random.Random(config.fault_seed)
        self._lock = threading.Lock()

    def update(self, **changes: float | int) -> Faults:
        with self._lock:
            for name, value in changes.items():
                setattr(self.current, name, value)
            return self.current

    def reset(self) -> Faults:
        """Back to the start-up settings, dice included."""
        with self._lock:
            self.current = Faults(**asdict(self._initial))
            self._rng = random.Random(self._seed)
            return self.current

    def draw(self) -> str | None:
        """The fault for one request: "429", "503" or None."""
        with self._lock:
            if self.current.burst_429 > 0:
                self.current.burst_429 -= 1
                return "429"
            if self.current.error_rate > 0 and self._rng.random() < self.current.error_rate:
                return "503"
        return None


def _unfaulted(path: str) -> bool:
    return path.startswith("/_simulator") or path in {"/", "/openapi.yaml"}


async def _send_error(send: Send, status: int, code: str, message: str, headers: list) -> None:
    body = json.dumps({"status": status, "error": {"code": code, "message": message, "fields": []}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


class FaultMiddleware:
    """Counts requests, then delays or refuses them as the fault state says."""

    def __init__(self, app: ASGIApp, faults: FaultState, stats: Stats) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _unfaulted(scope["path"]):
            await self.app(scope, receive, send)
            return
        is_token = scope["path"] == "/auth/token"
        self.stats.requests += 1
        self.stats.token_requests += int(is_token)
        self.stats.by_route[f"{scope['method']} {scope['path']}"] += 1
        faults = self.faults.current
        if faults.latency > 0:
            await asyncio.sleep(faults.latency)
        fault = None if is_token else self.faults.draw()
        if fault == "429":
            retry_after = str(faults.retry_after).encode()
            await _send_error(
                send, 429, "rate_limited", "Too many requests", [(b"retry-after", retry_after)]
            )
            return
        if fault == "503":
            await _send_error(send, 503, "unavailable", "Service temporarily unavailable", [])
            return
        await self.app(scope, receive, send)
