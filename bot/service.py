"""Running the Application as a service: polling or webhook, the HTTP server, an orderly stop.

PTB's run_polling/run_webhook would do part of this, but run_webhook needs tornado and neither
serves /healthz and /metrics. One event loop runs everything; SIGTERM or SIGINT stops it in
this order:
1. stop taking updates: the HTTP server closes (requests in flight finish queueing) or the
   poller stops;
2. `Application.stop()`: every queued update is processed, handlers and their sends in flight
   finish, jobs stop, persistence is flushed;
3. `Application.shutdown()` and post_shutdown close the clients, the chart pool and the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp
from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application

from bot.server import WebhookSettings, create_web_app, webhook_settings
from bot.settings import Settings

log = logging.getLogger(__name__)

# uvicorn lets requests in flight finish for this long once it stops listening.
HTTP_GRACE_S = 5.0
SET_WEBHOOK_ATTEMPTS = 5
POLL_TIMEOUT_S = 10


class HttpServer(uvicorn.Server):
    """uvicorn without its own signal handling: the service decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(app: ASGIApp, host: str, port: int) -> HttpServer:
    return HttpServer(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,  # our logging (bot/logging_setup.py) handles uvicorn's records
            access_log=False,
            lifespan="off",
            ws="none",
            server_header=False,
            timeout_graceful_shutdown=HTTP_GRACE_S,
        )
    )


async def set_webhook(application: Application, webhook: WebhookSettings) -> None:
    """Register the webhook; replicas starting together may meet Telegram's 429: wait and retry."""
    for attempt in range(1, SET_WEBHOOK_ATTEMPTS + 1):
        try:
            await application.bot.set_webhook(
                url=webhook.url,
                secret_token=webhook.secret.get_secret_value(),
                allowed_updates=Update.ALL_TYPES,
                max_connections=webhook.max_connections,
            )
            return
        except RetryAfter as error:
            delay = error.retry_after.total_seconds()  # type: ignore[union-attr]
        except TelegramError as error:
            if attempt == SET_WEBHOOK_ATTEMPTS:
                raise
            delay = float(2**attempt)
            log.warning("setWebhook failed (%s); retrying in %.0f s", error.message, delay)
        await asyncio.sleep(delay)
    raise RuntimeError("Telegram kept refusing setWebhook")


def _on_signals(stop: asyncio.Event) -> list[signal.Signals]:
    """SIGTERM and SIGINT set `stop`; returns the signals handled (none off the main thread)."""
    loop = asyncio.get_running_loop()

    def requested(sig: signal.Signals) -> None:
        if stop.is_set():
            log.warning("%s again: already stopping (SIGKILL stops at once)", sig.name)
            return
        log.info("%s: stopping", sig.name)
        stop.set()

    handled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, requested, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            continue
        handled.append(sig)
    return handled


async def serve(
    application: Application,
    settings: Settings,
    *,
    webhook: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then stop in order (see the module doc)."""
    hook = webhook_settings(settings) if webhook else None
    stop = stop or asyncio.Event()
    handled = _on_signals(stop)
    server: HttpServer | None = None
    server_task: asyncio.Task[None] | None = None
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        if hook is not None or settings.metrics_port is not None:
            port = hook.port if hook is not None else settings.metrics_port
            assert port is not None
            server = http_server(
                create_web_app(application, webhook=hook), settings.webhook_listen, port
            )
            server_task = asyncio.create_task(server.serve(), name="http-server")
            await _started(server, server_task)
            log.info("HTTP server on %s:%d", settings.webhook_listen, port)
        if hook is not None:
            await set_webhook(application, hook)
            log.info("webhook mode: updates arrive on %s", hook.path)
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                allowed_updates=Update.ALL_TYPES,
                timeout=POLL_TIMEOUT_S,
                error_callback=lambda exc: application.create_task(
                    application.process_error(update=None, error=exc)
                ),
            )
            log.info("polling mode")
        await stop.wait()
    finally:
        await _stop(application, server, server_task)
        loop = asyncio.get_running_loop()
        for sig in handled:
            loop.remove_signal_handler(sig)


async def _started(server: HttpServer, task: asyncio.Task[None]) -> None:
    """Wait until uvicorn listens; raise what stopped it if it could not (e.g. port in use)."""
    while not server.started:
        if task.done():
            task.result()  # raises the error, if any
            raise RuntimeError("the HTTP server stopped before it started")  # e.g. sys.exit
        await asyncio.sleep(0.01)


async def _stop(
    application: Application, server: HttpServer | None, server_task: asyncio.Task[None] | None
) -> None:
    log.info("stopping: no new updates; finishing the ones in flight")
    if server is not None and server_task is not None:
        server.should_exit = True
        with contextlib.suppress(Exception, SystemExit):
            await server_task
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()  # queued updates, handlers, jobs, then a persistence flush
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    log.info("stopped")
