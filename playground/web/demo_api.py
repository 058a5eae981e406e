"""Demo-only routes under /_demo: signed deep links for demo accounts and the alert job on demand.

They exist only when `digiwatt-bot demo` (playground/demo.py) wires them with `DemoHooks`; the
web chat asks GET /_demo/info and shows its demo tools only if the answer is 200.

    GET  /_demo/info     {bot_username, timezone, now, accounts: [{account_number, pod, demo}]}
    POST /_demo/link     {account_number, pod?, ttl?} -> {payload, url, expires_in}
    POST /_demo/alerts   {at?: "HH:MM"} -> {ran_at, result}; runs the alert job as if the bot's
                         clock said `at` today (default: now)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

log = logging.getLogger(__name__)

_HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
DEFAULT_LINK_TTL = "1d"


@dataclass(frozen=True)
class DemoAccount:
    """A customer the simulator knows, offered in the demo tools."""

    account_number: str
    pod: str
    demo: bool = False


@dataclass(frozen=True)
class DemoHooks:
    """What the demo tools need from the running demo: the link secret and the alert job."""

    bot_username: str
    link_secret: SecretStr
    timezone: str
    accounts: list[DemoAccount] = field(default_factory=list)
    # Runs the alert job as if the bot's clock said `now`; NotImplementedError if there is none.
    run_alerts: Callable[[datetime], Awaitable[object]] | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The bot's time zone."""
        return ZoneInfo(self.timezone)


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> dict[str, Any] | None:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _jsonable(value: object) -> object:
    """Whatever the alert job returns, in a form JSON can carry."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Field by field: asdict() would rebuild a Counter from its items, counting them.
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def demo_routes(hooks: DemoHooks) -> list[Route]:
    """The /_demo routes bound to one running demo."""

    async def info(request: Request) -> JSONResponse:
        """The bot, its time zone and clock, and the demo accounts."""
        return JSONResponse(
            {
                "bot_username": hooks.bot_username,
                "timezone": hooks.timezone,
                "now": datetime.now(hooks.tz).isoformat(timespec="seconds"),
                "alerts": hooks.run_alerts is not None,
                "accounts": [dataclasses.asdict(a) for a in hooks.accounts],
            }
        )

    async def link(request: Request) -> JSONResponse:
        """A signed single-use /start token for an account (and optionally its POD)."""
        from bot.links import LinkInputError, issue_token, parse_ttl

        data = await _body(request)
        if data is None:
            return _error("the body must be a JSON object")
        account = data.get("account_number")
        pod = data.get("pod") or None
        if not isinstance(account, str) or (pod is not None and not isinstance(pod, str)):
            return _error("account_number (and pod, if given) must be strings")
        try:
            ttl = parse_ttl(str(data.get("ttl") or DEFAULT_LINK_TTL))
            token = issue_token(hooks.link_secret, account, pod, ttl)
        except LinkInputError as error:
            return _error(str(error))
        return JSONResponse(
            {
                "payload": token,
                "url": f"https://t.me/{hooks.bot_username}?start={token}",
                "expires_in": int(ttl.total_seconds()),
            }
        )

    async def alerts(request: Request) -> JSONResponse:
        """Run the alert job now, or as if the bot's clock said HH:MM today."""
        data = await _body(request)
        if data is None:
            return _error("the body must be a JSON object")
        now = datetime.now(hooks.tz).replace(microsecond=0)
        at = data.get("at")
        if at:
            found = _HH_MM.fullmatch(str(at).strip())
            if found is None:
                return _error("at must be a time of day like 07:30")
            now = datetime.combine(now.date(), time(int(found[1]), int(found[2])), hooks.tz)
        if hooks.run_alerts is None:
            return _error("this demo has no alert job", 501)
        try:
            result = await hooks.run_alerts(now)
        except NotImplementedError as error:
            return _error(str(error) or "the alert job is not available", 501)
        except Exception as error:  # shown on the page: the demo is where one looks into it
            log.exception("the alert job failed")
            return _error(f"the alert job failed: {type(error).__name__}: {error}", 500)
        return JSONResponse({"ran_at": now.isoformat(), "result": _jsonable(result)})

    return [
        Route("/_demo/info", info, methods=["GET"]),
        Route("/_demo/link", link, methods=["POST"]),
        Route("/_demo/alerts", alerts, methods=["POST"]),
    ]
