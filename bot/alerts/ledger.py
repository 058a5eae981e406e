"""Recording what was sent: outcomes are written in batches, one short transaction each.

One write per alert would make database round trips grow with the subscribers; one write per
run would, after a crash, leave every alert of the run looking unsent (and send it again).
A flush every `flush_interval` seconds bounds both: a crash can only repeat the alerts of the
last second.
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
    ) -> None:
        self._sessionmaker = sessionmaker
        self._now = now
        self._interval = flush_interval
        self._sent: list[Pair] = []
        self._failed: dict[str, list[Pair]] = defaultdict(list)
        self._blocked: set[int] = set()
        self._lock = asyncio.Lock()
        self.flushes = 0

    def sent(self, pair: Pair) -> None:
        self._sent.append(pair)

    def failed(self, pair: Pair, error: str) -> None:
        self._failed[error[:500]].append(pair)

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
            except Exception:
                # Keep them for the next flush: losing a "sent" would mean sending it again.
                self._sent[:0] = sent
                for error, pairs in failed.items():
                    self._failed[error][:0] = pairs
                self._blocked |= blocked
                raise
            self.flushes += 1

    async def run(self) -> None:
        """Flush every interval until cancelled (the caller flushes once more at the end)."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.exception("recording alert deliveries failed; retrying at the next flush")

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
