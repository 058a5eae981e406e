"""Chats this process knows exist and are not blocked, and their links, so the hot path of an
update can skip the database.

`load_chat` runs before every update; reading the chat row each time was about a fifth of the
bot's CPU per update, for a row that rarely changes. Every account feature then reads the
chat's link: another read transaction, about 1.4 ms of CPU on SQLite (benchmarks/throughput.py,
/start and /menu against /help). Whatever in this process changes what they read (the chosen
language, `blocked`, linking, unlinking, the row's erasure) calls `forget`.
Several replicas share one database and may change a row behind this process' back (a user
picks a language on one replica, writes next to another), so in MULTI_REPLICA mode an entry
lives for one update only: bot/replicas.py fills it with what it reads under the chat's lock
and forgets it when the update ends. The TTL bounds how long a change made outside the bot (a
script, an admin) goes unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cachetools import TTLCache

if TYPE_CHECKING:
    from bot.context import Resources
    from storage.models import AccountLink

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


def known_chat(row: Any, *, client_language: str | None = None) -> KnownChat | None:
    """What load_chat keeps of a chat row (with the client language just stored, if any); None
    when the row must be written again (missing, blocked). `row`: a Chat, or a row with its
    user_id, client_language, language and blocked columns."""
    if row is None or row.blocked:
        return None
    return KnownChat(row.user_id, client_language or row.client_language, row.language)


class KnownChats:
    """A bounded, expiring chat_id -> KnownChat map."""

    def __init__(self, *, maxsize: int = MAX_CHATS, ttl: float = TTL_SECONDS) -> None:
        self._chats: TTLCache[int, KnownChat] = TTLCache(maxsize=maxsize, ttl=ttl)
        # chat_id -> its link, or None for "not linked"; a missing key means "not known".
        self._links: TTLCache[int, AccountLink | None] = TTLCache(maxsize=maxsize, ttl=ttl)

    def get(self, chat_id: int) -> KnownChat | None:
        return self._chats.get(chat_id)

    def remember(self, chat_id: int, chat: KnownChat) -> None:
        self._chats[chat_id] = chat

    def link(self, chat_id: int) -> tuple[bool, AccountLink | None]:
        """(known, link): the link as last read, when it is known (None: not linked)."""
        if chat_id not in self._links:
            return False, None
        try:
            return True, self._links[chat_id]
        except KeyError:  # expired between the two lookups
            return False, None

    def remember_link(self, chat_id: int, link: AccountLink | None) -> None:
        """Keep a link just read (detached from its session: handlers only read it)."""
        self._links[chat_id] = link

    def forget(self, chat_id: int) -> None:
        """Call after changing the chat row's language or `blocked`, linking or unlinking the
        chat, or deleting it."""
        self._chats.pop(chat_id, None)
        self._links.pop(chat_id, None)


def known_chats(resources: Resources) -> KnownChats:
    """The process' cache, created on first use."""
    cache = resources.extra.get(_KEY)
    if cache is None:
        cache = resources.extra[_KEY] = KnownChats()
    return cache
