"""`ChartRenderer`: charts rendered in a warmed process pool so the event loop never waits on them.

Threads would not do: matplotlib holds the GIL while it draws, so rendering inline or in
`asyncio.to_thread` stalls every other update (tens of ms to seconds). Worker processes are
started with "spawn" (forking a process that runs threads and an event loop is unsafe), warmed
at start-up (matplotlib import, one figure per chart kind) and replaced if one dies.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.charts import worker
from bot.charts.kinds import ChartData, ChartKind, check_input

log = logging.getLogger(__name__)

# The first start imports matplotlib (and may build its font cache): be patient once.
WARM_UP_TIMEOUT = 120.0
# A worker stuck in a render must not hold up the bot's shutdown.
CLOSE_TIMEOUT = 5.0


class ChartError(Exception):
    """A chart could not be rendered: answer with the caption alone."""


class ChartTimeout(ChartError, TimeoutError):
    """A chart took longer than the renderer's timeout."""


def default_workers() -> int:
    """Two workers where there are two cores: enough for bursts, without starving the bot."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


class ChartRenderer:
    """`await renderer.render(kind, data, lang) -> bytes` (JPEG), with `start()` and `close()`."""

    def __init__(self, workers: int | None = None, *, timeout: float = 15.0) -> None:
        self.workers = workers or default_workers()
        self.timeout = timeout
        self.worker_pids: tuple[int, ...] = ()
        self.warm_up_seconds: float | None = None
        self._context = multiprocessing.get_context("spawn")
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0
        self._replacing: asyncio.Lock | None = None
        self._closed = False

    async def start(self) -> None:
        """Start and warm the workers; returns when each has drawn every chart kind once."""
        self._closed = False
        if self._pool is None:
            await self._replace(self._generation)

    async def render(self, kind: ChartKind | str, data: ChartData, lang: str) -> bytes:
        """The chart as JPEG bytes. Raises ChartError (ChartTimeout) when it cannot be drawn."""
        kind = check_input(kind, data)  # a wrong model is a bug: TypeError here, not in a worker
        if self._closed:
            raise ChartError("the chart renderer is closed")
        for attempt in (1, 2):
            if self._pool is None:
                await self._replace(self._generation)
            pool, generation = self._pool, self._generation
            assert pool is not None
            try:
                future = pool.submit(worker.render, kind.value, data, lang)
                return await self._result(future, generation)
            except BrokenProcessPool as error:
                # A worker died (killed, out of memory, crashed in C): a fresh pool, one retry.
                log.warning("chart worker died (%s); restarting the pool", error)
                if attempt == 2:
                    raise ChartError("chart workers keep dying") from error
                await self._replace(generation)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Stop the workers; waiting renders fail with ChartError."""
        self._closed = True
        pool, self._pool = self._pool, None
        self.worker_pids = ()
        if pool is None:
            return
        stopping = asyncio.ensure_future(
            asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
        )
        try:
            await asyncio.wait_for(asyncio.shield(stopping), CLOSE_TIMEOUT)
        except RuntimeError:
            # The loop's thread pool is already gone (the process is stopping): no thread to
            # wait in, so stop the workers without waiting.
            log.debug("chart workers stopped without waiting: no thread left to wait in")
            _kill_workers(pool)
            pool.shutdown(wait=False, cancel_futures=True)
        except TimeoutError:
            log.warning("chart workers did not stop in %.0f s; killing them", CLOSE_TIMEOUT)
            _kill_workers(pool)
            await stopping

    async def __aenter__(self) -> ChartRenderer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _result(self, future: Future[bytes], generation: int) -> bytes:
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            # Still queued: cancelled above and nothing else to do. Already running: the
            # worker is stuck on it and would stay lost to the pool, so replace the pool.
            if not future.cancel():
                log.warning("a chart render overran %.1f s; restarting the pool", self.timeout)
                await self._replace(generation, kill=True)
            raise ChartTimeout(f"chart not ready in {self.timeout:.1f} s") from None
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if future.cancelled() and task is not None and not task.cancelling():
                # Not our caller's cancellation: the pool under this render went away.
                if self._closed:
                    raise ChartError("the chart renderer is closed") from None
                raise BrokenProcessPool("the pool was replaced") from None
            raise
        except (BrokenProcessPool, ChartError):
            raise
        except Exception as error:  # raised by the chart code in the worker
            raise ChartError(f"chart failed: {error}") from error

    async def _replace(self, generation: int, *, kill: bool = False) -> None:
        """Put a new warmed pool in place of pool `generation`, once however many callers ask."""
        if self._replacing is None:
            self._replacing = asyncio.Lock()
        async with self._replacing:
            if self._closed:
                raise ChartError("the chart renderer is closed")
            if generation != self._generation and self._pool is not None:
                return  # another caller already replaced it
            old = self._pool
            barrier = self._context.Barrier(self.workers)
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=self._context,
                initializer=worker.init,
                initargs=(barrier,),
            )
            self._generation += 1
            if old is not None:
                if kill:
                    _kill_workers(old)
                # Its queued renders fail as BrokenProcessPool and are retried on the new pool.
                old.shutdown(wait=False)
            await self._warm(self._pool)

    async def _warm(self, pool: ProcessPoolExecutor) -> None:
        """One `ready` per worker: each submit starts a process, the barrier waits for all of them."""
        started = time.perf_counter()
        futures = [
            asyncio.wrap_future(pool.submit(worker.ready, WARM_UP_TIMEOUT))
            for _ in range(self.workers)
        ]
        done, _pending = await asyncio.wait(futures, timeout=WARM_UP_TIMEOUT + 5)
        pids = [f.result() for f in done if not f.cancelled() and f.exception() is None]
        if len(pids) < self.workers:
            # Renders still try (and replace the pool if it is broken); say why they are slow.
            failures = [f.exception() for f in done if not f.cancelled() and f.exception()]
            log.warning(
                "only %d of %d chart workers warmed up: %s", len(pids), self.workers, failures
            )
            self.warm_up_seconds = None
            return
        self.worker_pids = tuple(pids)
        self.warm_up_seconds = time.perf_counter() - started
        log.info("%d chart workers warm in %.2f s", len(pids), self.warm_up_seconds)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's processes now, even one stuck in a render."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill is not None:
        kill()
        return
    # Before 3.14 the executor exposes its processes only through this attribute.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
