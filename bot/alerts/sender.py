"""Sending at Telegram's pace: evenly spaced sends, one per second per chat, errors sorted out.

- RetryAfter: everything pauses for the time Telegram asks, then the message is tried again
  (PTB's AIORateLimiter retries a few times first; this is what is left when it gives up).
- Forbidden (the user blocked the bot) and "chat not found": the chat is reported blocked.
- Other BadRequests are our bug and will not pass on a retry: failed at once.
- Anything else (network, 5xx, Digiwatt down while preparing): retried with backoff, then failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.alerts.config import AlertsConfig
from bot.digiwatt.errors import DigiwattError, RateLimited, Unavailable

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


class Retry(Exception):
    """Raised by a send that can succeed if tried again at once (e.g. a chart file_id expired)."""


class Addressed(Protocol):
    @property
    def chat_id(self) -> int: ...


T = TypeVar("T", bound=Addressed)


@dataclass(frozen=True, slots=True)
class Result(Generic[T]):
    item: T
    outcome: Outcome
    error: str | None = None


class Pacer:
    """Hands out send times `1 / rate` apart, in order, without bursts; `pause` delays them all."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0

    async def wait(self) -> None:
        while True:
            now = self._clock()
            slot = max(now, self._next, self._paused_until)
            self._next = slot + self.interval
            if slot > now:
                await self._sleep(slot - now)
            # A pause that began while this sender slept holds it too.
            if self._clock() >= self._paused_until:
                return

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)


def _transient(error: Exception) -> bool:
    """Worth another try later (as opposed to a refusal that will not change)."""
    if isinstance(error, BadRequest):
        return False
    if isinstance(error, DigiwattError):
        return isinstance(error, (Unavailable, RateLimited))
    return True


def _chat_gone(error: BadRequest) -> bool:
    return "chat not found" in error.message.lower()


class Sender:
    """Delivers bundles (the messages of one chat, in order) with a pool of workers."""

    def __init__(
        self,
        config: AlertsConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.pacer = Pacer(config.rate, clock=clock, sleep=sleep)
        self._clock = clock
        self._sleep = sleep
        self._last_sent: dict[int, float] = {}
        self._stopping = False

    def stop(self) -> None:
        """Shutting down: finish the sends in flight, start no new one (deliver returns)."""
        self._stopping = True

    async def deliver(
        self,
        bundles: Sequence[Sequence[T]],
        send: Callable[[T], Awaitable[object]],
        on_result: Callable[[Result[T]], None],
        *,
        prepare: Callable[[T], Awaitable[object]] | None = None,
        stopping: Callable[[], bool] = lambda: False,
        more: Callable[[], Awaitable[Sequence[Sequence[T]]]] | None = None,
        low: int = 0,
    ) -> None:
        """Send every item; `on_result` hears each outcome as it happens. An exception that is
        not an `Exception` (a crash, a cancellation) stops everything and propagates; after
        `stop()` (or once `stopping()` says so), items not started yet are not reported.

        `more`: called (one call at a time) whenever `low` bundles or fewer wait, for the next
        ones; none means there are no more. An error it raises stops the calls; the bundles
        already given are sent, then it propagates. A call in progress when sending stops is
        waited for (its caller may have to give back what it returns)."""
        self._forget_old()
        queue = deque(bundles)
        feeding: asyncio.Future[Sequence[Sequence[T]]] | None = None
        exhausted = more is None
        failure: list[BaseException] = []

        def halted() -> bool:
            return self._stopping or stopping()

        def settle() -> None:
            nonlocal feeding, exhausted
            if feeding is None or not feeding.done():
                return
            done, feeding = feeding, None
            if done.cancelled():
                exhausted = True
            elif done.exception() is not None:
                exhausted = True
                failure.append(done.exception())  # type: ignore[arg-type]
            elif done.result():
                queue.extend(done.result())
            else:
                exhausted = True

        def feed() -> None:
            nonlocal feeding
            settle()
            if feeding is None and not exhausted and not halted() and len(queue) <= low:
                assert more is not None
                feeding = asyncio.ensure_future(more())

        async def take() -> Sequence[T] | None:
            while not halted():
                feed()
                if queue:
                    return queue.popleft()
                if feeding is None:
                    return None
                await asyncio.wait([feeding])
            return None

        async def worker() -> None:
            while (bundle := await take()) is not None:
                blocked = False
                for item in bundle:
                    if halted():
                        return  # left unreported: the caller gives its claim back
                    if blocked:
                        on_result(Result(item, Outcome.BLOCKED, "bot blocked by the user"))
                        continue
                    result = await self._one(item, send, prepare)
                    blocked = result.outcome is Outcome.BLOCKED
                    on_result(result)

        count = self.config.workers if more is not None else min(self.config.workers, len(queue))
        tasks = [asyncio.ensure_future(worker()) for _ in range(count)]
        try:
            if tasks:
                done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    if task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
            if feeding is not None:  # stopped while asking for more: let that call finish
                await asyncio.wait([feeding])
                settle()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if feeding is not None and not feeding.done():
                feeding.cancel()
                await asyncio.gather(feeding, return_exceptions=True)
        if failure:
            raise failure[0]

    async def _one(
        self,
        item: T,
        send: Callable[[T], Awaitable[object]],
        prepare: Callable[[T], Awaitable[object]] | None,
    ) -> Result[T]:
        attempts = retry_afters = 0
        while True:
            try:
                if prepare is not None:
                    await prepare(item)
                await self._chat_gap(item.chat_id)
                await self.pacer.wait()
                try:
                    await send(item)
                finally:
                    self._last_sent[item.chat_id] = self._clock()
            except RetryAfter as error:
                retry_afters += 1
                seconds = error.retry_after.total_seconds()  # type: ignore[union-attr]
                log.warning("Telegram asks to wait %.0f s (chat %s)", seconds, item.chat_id)
                self.pacer.pause(seconds)
                if retry_afters > self.config.max_retry_after:
                    return Result(item, Outcome.FAILED, f"flood control: {error.message}")
            except Forbidden as error:
                return Result(item, Outcome.BLOCKED, error.message)
            except BadRequest as error:
                if _chat_gone(error):
                    return Result(item, Outcome.BLOCKED, error.message)
                log.error("chat %s: Telegram refused an alert: %s", item.chat_id, error.message)
                return Result(item, Outcome.FAILED, f"bad request: {error.message}")
            except Retry:
                attempts += 1
                if attempts >= self.config.max_attempts:
                    return Result(item, Outcome.FAILED, "gave up retrying")
            except Exception as error:
                attempts += 1
                reason = f"{type(error).__name__}: {error}"
                if not _transient(error) or attempts >= self.config.max_attempts:
                    if not _transient(error):
                        log.warning("chat %s: alert not sent: %s", item.chat_id, reason)
                    return Result(item, Outcome.FAILED, reason)
                delay = self.config.backoff * 2 ** (attempts - 1)
                log.info("chat %s: %s; retrying in %.1f s", item.chat_id, reason, delay)
                await self._sleep(delay)
            else:
                return Result(item, Outcome.SENT)

    async def _chat_gap(self, chat_id: int) -> None:
        last = self._last_sent.get(chat_id)
        if last is not None:
            wait = last + self.config.per_chat_interval - self._clock()
            if wait > 0:
                await self._sleep(wait)

    def _forget_old(self) -> None:
        """Chats not written to in the last interval need no spacing any more."""
        horizon = self._clock() - self.config.per_chat_interval
        self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}
