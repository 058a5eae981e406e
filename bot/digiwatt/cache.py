"""Read coalescing (single flight) and a short-lived response cache scoped by account."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Generic, TypeVar

from cachetools import TLRUCache

T = TypeVar("T")
MISSING: Final = object()

PERIOD_ENDPOINTS = frozenset({"consumption", "totals", "performance", "habits"})
ANALYTICS_ENDPOINTS = frozenset({"trend", "distribution", "compound"})


class SingleFlight(Generic[T]):
    """At most one task per key: callers asking for a key already in flight share its result."""

    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[T]] = {}

    def __contains__(self, key: Hashable) -> bool:
        return key in self._tasks

    async def run(self, key: Hashable, factory: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(factory())
            self._tasks[key] = task
            task.add_done_callback(partial(self._forget, key))
        # shield: one impatient caller (a cancelled handler) must not cancel the others' request.
        return await asyncio.shield(task)

    def _forget(self, key: Hashable, task: asyncio.Task[T]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()  # every caller may have gone: mark the error as seen, not "never retrieved"

    async def aclose(self) -> None:
        """Cancel whatever is still in flight and wait for it to stop."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How long each kind of read stays fresh, in seconds; 0 turns caching off for that kind."""

    realtime: float = 5.0
    latest: float = 60.0  # the last six hours move in 15-minute steps
    period: float = 300.0  # consumption, totals, performance, habits
    analytics: float = 900.0  # trend, distribution, compound: twelve months
    saving: float = 900.0  # the last 30 days
    greenness: float = 900.0  # and never past the end of the day it describes
    maxsize: int = 10_000

    def ttl(self, endpoint: str) -> float:
        if endpoint in PERIOD_ENDPOINTS:
            return self.period
        if endpoint in ANALYTICS_ENDPOINTS:
            return self.analytics
        return float(getattr(self, endpoint, 0.0))


@dataclass(frozen=True, slots=True)
class _Entry:
    value: Any
    ttl: float


class ResponseCache:
    """Parsed responses keyed by (scope, path); a scope (an account) can be dropped at once.

    Each scope has a generation, bumped on invalidation, so a read that started before a write
    cannot store its now stale answer after it.
    """

    def __init__(self, maxsize: int, timer: Callable[[], float] = time.monotonic) -> None:
        self._entries: TLRUCache[tuple[str | None, str], _Entry] = TLRUCache(
            maxsize, ttu=lambda _key, entry, now: now + entry.ttl, timer=timer
        )
        self._generations: Counter[str | None] = Counter()
        self._epoch = 0  # bumped by clear(): every scope at once

    def generation(self, scope: str | None) -> tuple[int, int]:
        return self._epoch, self._generations[scope]

    def get(self, scope: str | None, path: str) -> Any:
        entry = self._entries.get((scope, path))
        return MISSING if entry is None else entry.value

    def put(
        self, scope: str | None, path: str, value: Any, *, ttl: float, generation: tuple[int, int]
    ) -> None:
        if ttl > 0 and generation == self.generation(scope):
            self._entries[(scope, path)] = _Entry(value, ttl)

    def invalidate(self, scope: str | None) -> None:
        self._generations[scope] += 1
        for key in [key for key in self._entries if key[0] == scope]:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._epoch += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
