"""The bot's HTTP side: Telegram's webhook (a bare ASGI app), /healthz and /metrics (Starlette).

The webhook only checks the request (secret header, size, JSON) and queues the update:
PTB's update fetcher processes it as it would a polled one, and a graceful stop processes every
update queued before it (bot/service.py stops the server first, then the Application).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from dataclasses import dataclass

from pydantic import SecretStr
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from telegram import Update
from telegram.ext import Application

from bot.context import Resources
from bot.digiwatt.errors import DigiwattError
from bot.metrics import CONTENT_TYPE, WEBHOOK_REJECTED, exposition
from bot.settings import _HINTS, Settings, SettingsError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# An update is a few KB (a message, a callback query); anything near this is not from Telegram.
MAX_BODY_BYTES = 256 * 1024
# /healthz: each check's time limit, and how long one answer serves repeated probes.
HEALTH_TIMEOUT_S = 5.0
HEALTH_CACHE_S = 5.0


@dataclass(frozen=True)
class WebhookSettings:
    """What webhook mode needs, checked once at start-up."""

    url: str
    path: str
    secret: SecretStr
    listen: str
    port: int
    max_connections: int


def webhook_settings(settings: Settings) -> WebhookSettings:
    """The webhook settings, or a one-line error naming what is missing."""
    required = (("WEBHOOK_URL", settings.webhook_url), ("WEBHOOK_SECRET", settings.webhook_secret))
    for name, value in required:
        if value is None:
            raise SettingsError(
                f"Configuration error: {name} is not set, and `run --webhook` needs it. "
                f"Set it in the environment or in .env ({_HINTS[name]})."
            )
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    return WebhookSettings(
        url=str(settings.webhook_url),
        path=settings.webhook_path,
        secret=settings.webhook_secret,
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        max_connections=settings.webhook_max_connections,
    )


class Health:
    """Database (SELECT 1) and Digiwatt (today's greenness, fetched fresh) reachable."""

    def __init__(self, resources: Resources) -> None:
        self._resources = resources
        self._lock = asyncio.Lock()
        self._last: tuple[float, bool, dict[str, str]] | None = None

    async def check(self) -> tuple[bool, dict[str, str]]:
        """(healthy, {"database": "ok" | what failed, "digiwatt": ...}); probes share answers."""
        async with self._lock:  # a burst of probes makes one round of checks
            if self._last is not None and time.monotonic() - self._last[0] < HEALTH_CACHE_S:
                return self._last[1], dict(self._last[2])
            database, digiwatt = await asyncio.gather(self._database(), self._digiwatt())
            report = {"database": database, "digiwatt": digiwatt}
            healthy = all(value == "ok" for value in report.values())
            self._last = (time.monotonic(), healthy, report)
            return healthy, dict(report)

    async def _database(self) -> str:
        engine = self._resources.engine
        if engine is None:
            return "not configured"
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_S), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except TimeoutError:
            return "timeout"
        except Exception as error:  # any driver error means "not reachable"
            log.warning("health: database unreachable: %s", type(error).__name__, exc_info=True)
            return f"error: {type(error).__name__}"
        return "ok"

    async def _digiwatt(self) -> str:
        client = self._resources.digiwatt
        if client is None:
            return "starting"
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_S):
                await client.greenness(fresh=True)
        except TimeoutError:
            return "timeout"
        except DigiwattError as error:
            log.warning("health: Digiwatt unreachable: %s", error)
            return f"error: {type(error).__name__}"
        return "ok"


_WEBHOOK_SECRET_KEY = SECRET_HEADER.lower().encode()
_TEXT = (b"content-type", b"text/plain; charset=utf-8")


class Webhook:
    """Telegram's POSTs to the webhook path, as a bare ASGI app in front of the Starlette app
    that serves everything else (/healthz, /metrics, and 404 or 405 for the rest).

    Every update takes this route: Starlette's middleware, routing and Request and Response
    objects around it were about 3% of a replica's busy time under py-spy. The request is only
    checked (secret header, size, JSON) and its update queued."""

    def __init__(self, application: Application, settings: WebhookSettings, rest: ASGIApp) -> None:
        self._application = application
        self._path = settings.path
        self._secret = settings.secret.get_secret_value().encode()
        self._rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self._path:
            await self._rest(scope, receive, send)
        elif scope["method"] != "POST":
            await _answer(send, 405, "method not allowed", (b"allow", b"POST"))
        else:
            await _answer(send, *await self._receive(scope, receive))

    async def _receive(self, scope: Scope, receive: Receive) -> tuple[int, str]:
        """(status, text) of the answer; the update is queued when it is 200."""
        headers = dict(scope["headers"])  # names come lowercased
        if not hmac.compare_digest(headers.get(_WEBHOOK_SECRET_KEY, b""), self._secret):
            client = scope["client"][0] if scope.get("client") else "?"
            log.warning("webhook: refused a request from %s without the right secret", client)
            return _rejected("secret", 403, "forbidden")
        body = await _read_body(headers.get(b"content-length"), receive, MAX_BODY_BYTES)
        if body is None:
            return _rejected("too_large", 413, "too large")
        application = self._application
        if not application.running:
            # Stopping: Telegram (or the load balancer) will deliver it again elsewhere.
            return _rejected("stopping", 503, "stopping")
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, application.bot)
        except Exception as error:  # whatever the shape, the answer is 400
            log.warning("webhook: refused a malformed update (%s)", type(error).__name__)
            return _rejected("malformed", 400, "malformed update")
        await application.update_queue.put(update)
        return 200, ""


async def _read_body(declared: bytes | None, receive: Receive, limit: int) -> bytes | None:
    """The body, or None when it is (or announces to be) larger than `limit`."""
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break  # the sender is gone: what came is malformed at worst
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            break
    return bytes(body)


async def _answer(send: Send, status: int, text: str, *headers: tuple[bytes, bytes]) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [_TEXT, (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _rejected(reason: str, status: int, message: str) -> tuple[int, str]:
    WEBHOOK_REJECTED.labels(reason).inc()
    return status, message


def create_web_app(application: Application, *, webhook: WebhookSettings | None = None) -> ASGIApp:
    """/healthz and /metrics, plus the webhook (`Webhook`) when `webhook` is given."""
    resources: Resources = application.bot_data
    health = Health(resources)

    async def healthz(request: Request) -> Response:
        healthy, report = await health.check()
        return JSONResponse(report, status_code=200 if healthy else 503)

    async def metrics(request: Request) -> Response:
        return Response(exposition(resources), media_type=CONTENT_TYPE)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    web = Starlette(routes=routes)
    return web if webhook is None else Webhook(application, webhook, web)
