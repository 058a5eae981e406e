"""The update processor of every bot process: per-chat order, metrics and, for replicas, shared state."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable
from typing import Any

from prometheus_client import Counter, Histogram
from telegram.ext import Application

from bot.metrics import UPDATE_SECONDS, UPDATES, update_type
from bot.replicas import SharedState
from bot.settings import Settings
from bot.update_processor import PerChatUpdateProcessor


class BotUpdateProcessor(PerChatUpdateProcessor):
    """PerChatUpdateProcessor that counts and times updates, and shares state when asked to."""

    def __init__(self, max_concurrent_updates: int, *, shared: bool = False) -> None:
        super().__init__(max_concurrent_updates)
        self._want_shared = shared
        self.shared: SharedState | None = None
        self._application: Application | None = None

    def bind(self, application: Application) -> None:
        """Called once the Application is built (replicas need it to reach its handlers)."""
        self._application = application
        if self._want_shared:
            self.shared = SharedState(application, pool_size=self.max_concurrent_updates)

    async def initialize(self) -> None:
        """PTB calls it from Application.initialize(), before any update."""
        if self.shared is not None:
            await self.shared.initialize()

    async def shutdown(self) -> None:
        """PTB calls it from Application.shutdown(), once no update runs any more."""
        if self.shared is not None:
            await self.shared.shutdown()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        counted, timed = _metrics(update_type(update))
        counted.inc()
        await super().do_process_update(update, self._timed(update, timed, coroutine))

    async def _timed(self, update: object, timed: Histogram, coroutine: Awaitable[Any]) -> None:
        started = time.perf_counter()
        try:
            if self.shared is None:
                await coroutine
                # Written now, not at PTB's next tick: a process killed after answering must not
                # forget the conversation step the user already sees (storage/persistence.py
                # writes only what changed).
                if self._application is not None and self._application.persistence is not None:
                    await self._application.update_persistence()
            else:
                await self.shared.process(update, coroutine)
        finally:
            timed.observe(time.perf_counter() - started)


@functools.cache  # a few update types; prometheus_client's labels() takes a lock every time
def _metrics(kind: str) -> tuple[Counter, Histogram]:
    return UPDATES.labels(kind), UPDATE_SECONDS.labels(kind)


def update_processor(settings: Settings) -> BotUpdateProcessor:
    """The processor `build_application` installs; call `bind(application)` after building."""
    return BotUpdateProcessor(settings.concurrent_updates, shared=settings.multi_replica)
