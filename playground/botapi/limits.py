"""Flood limits and injected failures, switched on by tests through the control API."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field

from playground.botapi.errors import ApiError, too_many_requests


def counts_for_flood(method: str) -> bool:
    """Telegram's per-chat limits apply to what lands in a chat: sends, edits, copies."""
    m = method.lower()
    return m != "sendchataction" and m.startswith(("send", "edit", "copy", "forward"))


@dataclass
class FloodRule:
    """At most `limit` counted calls per `window` seconds, per chat or for all chats together."""

    limit: int
    window: float
    bot_id: int
    chat_id: int | None = None  # only this chat; None: every chat
    per_chat: bool = True  # False: one budget shared by all chats (Telegram's ~30/s global limit)
    retry_after: int | None = None  # fixed answer; None: the seconds until the window frees
    hits: dict[int | None, deque[float]] = field(default_factory=dict)


@dataclass
class Fault:
    """The next `times` calls of `method` (or '*') fail with this error, or wait `delay` first."""

    method: str
    bot_id: int
    error_code: int | None = None
    description: str | None = None
    retry_after: int | None = None
    times: int = 1
    delay: float = 0.0
    chat_id: int | None = None


class Limits:
    """The rules in force; `check` is called before every Bot API method runs."""

    def __init__(self) -> None:
        self.floods: list[FloodRule] = []
        self.faults: list[Fault] = []
        self._penalty: dict[tuple[int, int | None], float] = {}

    def clear(self) -> None:
        """No limits and no faults."""
        self.floods.clear()
        self.faults.clear()
        self._penalty.clear()

    async def check(self, bot_id: int, method: str, chat_id: int | None) -> None:
        """Raise the injected fault or the flood error due for this call, if any."""
        fault = self._take_fault(bot_id, method, chat_id)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.error_code:
                if fault.error_code == 429:
                    raise too_many_requests(fault.retry_after or 1)
                raise ApiError(
                    fault.error_code, fault.description or _default_text(fault.error_code)
                )
        if counts_for_flood(method):
            self._check_flood(bot_id, chat_id)

    def _take_fault(self, bot_id: int, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.bot_id != bot_id or fault.method not in ("*", method.lower()):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return fault
        return None

    def _check_flood(self, bot_id: int, chat_id: int | None) -> None:
        now = asyncio.get_running_loop().time()
        for rule in self.floods:
            if rule.bot_id != bot_id or (rule.chat_id is not None and rule.chat_id != chat_id):
                continue
            key = chat_id if rule.per_chat else None
            until = self._penalty.get((bot_id, key), 0.0)
            if until > now:
                raise too_many_requests(math.ceil(until - now))
            hits = rule.hits.setdefault(key, deque())
            while hits and hits[0] <= now - rule.window:
                hits.popleft()
            if len(hits) >= rule.limit:
                wait = rule.retry_after or math.ceil(hits[0] + rule.window - now)
                self._penalty[(bot_id, key)] = now + wait
                raise too_many_requests(wait)
            hits.append(now)


def _default_text(code: int) -> str:
    return {
        400: "Bad Request: injected failure",
        403: "Forbidden: injected failure",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
    }.get(code, "Injected failure")
