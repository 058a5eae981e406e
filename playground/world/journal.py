"""What happened, in order: chat events for the web chat and every Bot API call for assertions."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """Something a user would notice in a chat (a message, an edit, 'typing'...), numbered by `seq`."""

    seq: int
    type: str
    bot_id: int | None
    chat_id: int | None  # None: about the bot itself (its commands changed, ...)
    data: dict[str, Any]
    time: float

    def to_json(self, bot_username: str | None) -> dict[str, Any]:
        """The event as the control API returns it."""
        return {
            "seq": self.seq,
            "type": self.type,
            "bot": bot_username,
            "chat_id": self.chat_id,
            "time": self.time,
            **self.data,
        }


@dataclass(frozen=True)
class Call:
    """One Bot API request: method, decoded parameters (file bytes left out) and the outcome."""

    seq: int
    bot_id: int
    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    description: str | None
    time: float

    def to_json(self, bot_username: str | None) -> dict[str, Any]:
        """The call as the control API returns it."""
        return {
            "seq": self.seq,
            "bot": bot_username,
            "method": self.method,
            "params": self.params,
            "ok": self.ok,
            "error_code": self.error_code,
            "description": self.description,
            "time": self.time,
        }


class Journal:
    """Events and calls share one sequence, so 'after N' means the same moment for both."""

    def __init__(self, max_calls: int) -> None:
        self.events: list[Event] = []
        self.calls: deque[Call] = deque(maxlen=max_calls)
        self.seq = 0
        self._changed = asyncio.Event()
        self._closed = False

    def clear(self) -> None:
        """Forget everything; `seq` keeps growing so old cursors stay valid."""
        self.events.clear()
        self.calls.clear()
        self._closed = False
        self._wake()

    def add_event(
        self, type_: str, bot_id: int | None, chat_id: int | None, data: dict[str, Any]
    ) -> Event:
        """Append an event and wake long polls."""
        self.seq += 1
        event = Event(self.seq, type_, bot_id, chat_id, data, time.time())
        self.events.append(event)
        self._wake()
        return event

    def add_call(
        self,
        bot_id: int,
        method: str,
        params: dict[str, Any],
        *,
        error_code: int | None = None,
        description: str | None = None,
    ) -> Call:
        """Record a Bot API call and its outcome."""
        self.seq += 1
        call = Call(
            self.seq,
            bot_id,
            method,
            params,
            error_code is None,
            error_code,
            description,
            time.time(),
        )
        self.calls.append(call)
        self._wake()
        return call

    def events_after(self, after: int, match: Callable[[Event], bool]) -> list[Event]:
        """Events with seq > after that `match` accepts."""
        # Events are in seq order: skip the old ones from the end backwards.
        start = len(self.events)
        while start > 0 and self.events[start - 1].seq > after:
            start -= 1
        return [e for e in self.events[start:] if match(e)]

    async def wait_events(
        self, after: int, within: float, match: Callable[[Event], bool]
    ) -> list[Event]:
        """Matching events after `after`, waiting up to `within` seconds for the first one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            found = self.events_after(after, match)
            remaining = deadline - loop.time()
            if found or remaining <= 0 or self._closed:
                return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def close(self) -> None:
        """Wake every long poll so the server can stop at once."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
