"""One bot's update queue with getUpdates' semantics: offsets confirm, long polls wait, one poller."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass
from typing import Any

# Telegram leaves these out unless asked for by name.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class PollConflict(Exception):
    """A newer getUpdates call took over this one (Telegram answers 409 to the older)."""


@dataclass(frozen=True)
class Update:
    """A queued update: its id, its type (the key in the JSON) and the payload object."""

    update_id: int
    type: str
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The Bot API `Update` object."""
        return {"update_id": self.update_id, self.type: self.payload}


class UpdateQueue:
    """Updates not yet confirmed, in order; ids never go back, even across a world reset."""

    def __init__(self) -> None:
        self._items: deque[Update] = deque()
        self._next_id = 1
        self._allowed: frozenset[str] | None = None
        self._arrived = asyncio.Event()
        self._poll_generation = 0
        self._closed = False

    @property
    def pending(self) -> list[Update]:
        """Updates still waiting for confirmation."""
        return list(self._items)

    def allows(self, update_type: str) -> bool:
        """Whether the last allowed_updates asked for this type."""
        if self._allowed is None:
            return update_type not in NOT_BY_DEFAULT
        return update_type in self._allowed

    def set_allowed(self, allowed: list[str] | None) -> None:
        """Remember allowed_updates as Telegram does: None keeps, [] restores the default."""
        if allowed is None:
            return
        self._allowed = frozenset(allowed) if allowed else None

    def push(self, update_type: str, payload: dict[str, Any]) -> Update | None:
        """Queue an update unless allowed_updates filters its type out."""
        if not self.allows(update_type):
            return None
        update = Update(self._next_id, update_type, payload)
        self._next_id += 1
        self._items.append(update)
        self._wake()
        return update

    def drop_pending(self) -> None:
        """Forget every queued update (drop_pending_updates)."""
        self._items.clear()

    def confirm_before(self, update_id: int) -> None:
        """Forget updates with a smaller id: they were confirmed by a higher offset."""
        while self._items and self._items[0].update_id < update_id:
            self._items.popleft()

    def apply_offset(self, offset: int | None) -> None:
        """Telegram's offset: positive confirms earlier updates, negative keeps only the last -offset."""
        if offset is None or offset == 0:
            return
        if offset > 0:
            self.confirm_before(offset)
        else:
            while len(self._items) > -offset:
                self._items.popleft()

    def available(self, limit: int) -> list[Update]:
        """Up to `limit` oldest pending updates."""
        return [u for _, u in zip(range(limit), self._items, strict=False)]

    async def poll(self, offset: int | None, limit: int, within: float) -> list[Update]:
        """getUpdates: confirm by offset, then return what is there or wait up to `within` s."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll of this bot learns it was superseded
        self.apply_offset(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            if self._poll_generation != generation:
                raise PollConflict
            ready = self.available(limit)
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closed:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def next_for_webhook(self) -> Update | None:
        """The oldest pending update, waiting until one exists; None once the queue is closed."""
        while not self._items:
            if self._closed:
                return None
            await self._arrived.wait()
        return self._items[0]

    def remove(self, update: Update) -> None:
        """Drop a delivered update (webhook success)."""
        if self._items and self._items[0] is update:
            self._items.popleft()

    def close(self) -> None:
        """Wake every waiter so the server can stop at once."""
        self._closed = True
        self._wake()

    def reopen(self) -> None:
        """Accept long polls again after a reset."""
        self._closed = False

    def _wake(self) -> None:
        # Waiters hold the old event; a fresh one is ready for the next wait.
        self._arrived.set()
        self._arrived = asyncio.Event()
