"""Recording what was sent: outcomes are written in batches, one short transaction each.

One write per run would, after a crash, leave every alert of the run looking unsent (and send
it again); a write on a slow timer would still repeat every alert of the last tick (a SIGKILL in
the middle of a fan-out repeated five of forty with one write a second). So outcomes are written
soon after they come in, each write taking whatever arrived while the previous one ran and
during `flush_interval` (20 ms by default) after it: a crash can only repeat the alerts whose
send was in flight or ended in those last milliseconds, and under load the batches grow by
themselves instead of the round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction
from storage.repositories import chats, deliveries

log = logging.getLogger(__name__)

Pair = tuple[int, str]


class Ledger:
    """Collects outcomes and writes them: `sent`, `failed`, `blocked`, then `flush`/`run`."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        now: Callable[[], datetime],
        flush_interval: float,
        on_blocked: Callable[[int], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        # Told each chat marked blocked, once committed (the update pre-handler's cache forgets it).
        self._on_blocked = on_blocked
        self._now = now
        self._interval = flush_interval
        self._sent: list[Pair] = []
        self._failed: dict[str, list[Pair]] = defaultdict(list)
        self._blocked: set[int] = set()
        self._lock = asyncio.Lock()
        self._arrived = asyncio.Event()
        self.flushes = 0

    def sent(self, pair: Pair) -> None:
        self._sent.append(pair)
        self._arrived.set()

    def failed(self, pair: Pair, error: str) -> None:
        self._failed[error[:500]].append(pair)
        self._arrived.set()

    def blocked(self, pair: Pair, error: str) -> None:
        """The user blocked the bot: the alert failed, the chat and its alerts are switched off."""
        self._blocked.add(pair[0])
        self.failed(pair, f"blocked: {error}")

    async def flush(self) -> None:
        async with self._lock:
            sent, failed, blocked = self._sent, self._failed, self._blocked
            if not (sent or failed or blocked):
                return
            self._sent, self._failed, self._blocked = [], defaultdict(list), set()
            try:
                async with transaction(self._sessionmaker) as session:
                    if sent:
                        await deliveries.mark_sent(session, sent, now=self._now())
                    for error, pairs in failed.items():
                        await deliveries.mark_failed(session, pairs, error)
                    for chat_id in sorted(blocked):
                        await chats.mark_blocked(session, chat_id)
            except BaseException:  # cancelled mid-write (the run ending) included
                # Keep them for the next flush: losing a "sent" would mean sending it again.
                self._sent[:0] = sent
                for error, pairs in failed.items():
                    self._failed[error][:0] = pairs
                self._blocked |= blocked
                raise
            if self._on_blocked is not None:
                for chat_id in blocked:
                    self._on_blocked(chat_id)
            self.flushes += 1

    async def run(self) -> None:
        """Write outcomes as they arrive until cancelled (the caller flushes once more at the end)."""
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("recording alert deliveries failed; retrying in a second")
                self._arrived.set()
                await asyncio.sleep(max(self._interval, 1.0))
                continue
            if self._interval:
                await asyncio.sleep(self._interval)

    @contextlib.asynccontextmanager
    async def flushing(self) -> AsyncIterator[Ledger]:
        """Flush in the background while the block runs, and once more when it ends, however it
        ends: an alert sent and not recorded would be sent again."""
        task = asyncio.ensure_future(self.run())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.flush()
