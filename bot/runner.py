"""`digiwatt-bot run [--webhook]`: migrate the database, build the Application, serve until stopped."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

try:
    import uvloop
except ImportError:  # not built for Windows: asyncio's own loop serves there
    uvloop = None

from bot.app import build_application
from bot.logging_setup import redact_settings
from bot.server import webhook_settings
from bot.service import serve
from bot.settings import load_settings
from storage.migrate import upgrade

log = logging.getLogger(__name__)

T = TypeVar("T")


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed, else asyncio's (None).

    The loop's own work (sockets, timers, callbacks) runs in C with libuv: a replica's CPU per
    update was 4-5% lower with it, measured side by side with one without it in the same run of
    benchmarks/throughput.py (asyncpg, aiohttp and uvicorn all support it)."""
    return uvloop.new_event_loop if uvloop is not None else None


def run_until_complete(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the event loop of `event_loop_factory()`."""
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(main)


def run(args: argparse.Namespace) -> int:
    """Long polling (default) or webhook; SIGTERM or Ctrl-C stops it cleanly (bot/service.py)."""
    settings = load_settings()
    redact_settings(settings)
    webhook = bool(getattr(args, "webhook", False))
    if webhook:
        webhook_settings(settings)  # a missing WEBHOOK_* stops us before anything starts
    asyncio.run(upgrade(settings.database_url))
    application = build_application(settings)
    log.info("starting against %s", settings.telegram_api_url)
    run_until_complete(serve(application, settings, webhook=webhook))
    return 0
