"""Chats this process knows exist and are not blocked, so `load_chat` can skip the database.

`load_chat` runs before every update; reading the chat row each time was about a fifth of the
bot's CPU per update, for a row that rarely changes. Whatever in this process changes what
`load_chat` reads (the chosen language, `blocked`, the row's erasure) calls `forget`.
Several replicas share one database and may change a row behind this process' back (a user
picks a language on one replica, writes next to another), so in MULTI_REPLICA mode the cache
is off. The TTL bounds how long a change made outside the bot (a script, an admin) goes unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cachetools import TTLCache

if TYPE_CHECKING:
    from bot.context import Resources

# Enough for the chats active in a few minutes; each entry is a few hundred bytes.
MAX_CHATS = 20_000
TTL_SECONDS = 300.0
_KEY = "known_chats"


@dataclass(frozen=True, slots=True)
class KnownChat:
    """What `load_chat` needs of a chat row that exists and is not blocked."""

    user_id: int | None
    client_language: str | None
    language: str | None


class KnownChats:
    """A bounded, expiring chat_id -> KnownChat map; does nothing when disabled."""

    def __init__(
        self, *, enabled: bool = True, maxsize: int = MAX_CHATS, ttl: float = TTL_SECONDS
    ) -> None:
        self.enabled = enabled
        self._chats: TTLCache[int, KnownChat] = TTLCache(maxsize=maxsize, ttl=ttl)

    def get(self, chat_id: int) -> KnownChat | None:
        return self._chats.get(chat_id) if self.enabled else None

    def remember(self, chat_id: int, chat: KnownChat) -> None:
        if self.enabled:
            self._chats[chat_id] = chat

    def forget(self, chat_id: int) -> None:
        """Call after changing the chat row's language or `blocked`, or deleting it."""
        self._chats.pop(chat_id, None)


def known_chats(resources: Resources) -> KnownChats:
    """The process' cache, created on first use (off when several replicas share the database)."""
    cache = resources.extra.get(_KEY)
    if cache is None:
        shared = resources.settings is not None and resources.settings.multi_replica
        cache = resources.extra[_KEY] = KnownChats(enabled=not shared)
    return cache
