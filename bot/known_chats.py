"""Chats this process knows exist and are not blocked, and their links, so the hot path of an
update can skip the database.

`load_chat` runs before every update; reading the chat row each time was about a fifth of the
bot's CPU per update, for a row that rarely changes. Every account feature then reads the
chat's link: another read transaction, about 1.4 ms of CPU on SQLite (benchmarks/throughput.py,
/start and /menu against /help). Whatever in this process changes what they read (the chosen
language, `blocked`, linking, unlinking, the row's erasure) calls `forget`.
The TTL bounds how long a change made outside the bot (a script, an admin) goes unseen.

Several replicas share one database and may change a row behind this process' back (a user
picks a language on one replica, writes next to another), so in MULTI_REPLICA mode an entry
lives for one update only: bot/replicas.py fills it with what it reads under the chat's lock
and forgets it when the update ends. There the lock's read also brings the chat's time zone and
alert subscription, which the settings panel shows, so a replica's /settings reads nothing
more: without it a replica took about 8% more CPU per update of throughput.py's mix, where one
command in five is /settings (two replicas, one with and one without, in the same run). Any
write in the update drops that entry (handlers.common.db), so a panel re-rendered after a
change reads again. One process never keeps it: the alerts dispatcher changes subscriptions too.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cachetools import TTLCache

if TYPE_CHECKING:
    from bot.context import Resources
    from storage.models import AccountLink
    from storage.repositories.subscriptions import ZoneAndSubscription

# Enough for the chats active in a few minutes; each entry is a few hundred bytes.
MAX_CHATS = 20_000
TTL_SECONDS = 300.0
_KEY = "known_chats"
_UNKNOWN = object()


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
    """chat_id -> what is known of the chat: bounded and expiring entries in one process.

    `per_update=True` (replicas): plain dicts, as an entry lives for one update, put in and taken
    out by bot/replicas.py. cachetools' TTLCache expires entries on every access: the ten
    accesses of a replica's update were about 4% of its busy time under py-spy, for entries a
    few milliseconds old. `maxsize` still bounds them: past it, everything is dropped, which
    only costs reads.
    """

    def __init__(
        self, *, maxsize: int = MAX_CHATS, ttl: float = TTL_SECONDS, per_update: bool = False
    ) -> None:
        self._maxsize = maxsize
        self._per_update = per_update

        def store() -> MutableMapping[int, Any]:
            return {} if per_update else TTLCache(maxsize=maxsize, ttl=ttl)

        self._chats: MutableMapping[int, KnownChat] = store()
        # chat_id -> its link, or None for "not linked"; a missing key means "not known".
        self._links: MutableMapping[int, AccountLink | None] = store()
        # Replicas only, for one update: chat_id -> what the settings panel shows.
        self._subscriptions: MutableMapping[int, ZoneAndSubscription] = store()

    def _put(self, entries: MutableMapping[int, Any], chat_id: int, value: Any) -> None:
        if self._per_update and len(entries) >= self._maxsize:
            entries.clear()  # never reached while every update takes its entries out
        entries[chat_id] = value

    def get(self, chat_id: int) -> KnownChat | None:
        return self._chats.get(chat_id)

    def remember(self, chat_id: int, chat: KnownChat) -> None:
        self._put(self._chats, chat_id, chat)

    def link(self, chat_id: int) -> tuple[bool, AccountLink | None]:
        """(known, link): the link as last read, when it is known (None: not linked)."""
        link = self._links.get(chat_id, _UNKNOWN)
        if link is _UNKNOWN:
            return False, None
        return True, link

    def remember_link(self, chat_id: int, link: AccountLink | None) -> None:
        """Keep a link just read (detached from its session: handlers only read it)."""
        self._put(self._links, chat_id, link)

    def subscription(self, chat_id: int) -> ZoneAndSubscription | None:
        """The chat's time zone and subscription as read under its lock, if this update did."""
        return self._subscriptions.get(chat_id)

    def remember_subscription(self, chat_id: int, read: ZoneAndSubscription) -> None:
        self._put(self._subscriptions, chat_id, read)

    def forget_subscription(self, chat_id: int) -> None:
        """Call on any write that may change the chat's time zone or subscription."""
        self._subscriptions.pop(chat_id, None)

    def forget(self, chat_id: int) -> None:
        """Call after changing the chat row's language or `blocked`, linking or unlinking the
        chat, or deleting it."""
        self._chats.pop(chat_id, None)
        self._links.pop(chat_id, None)
        self._subscriptions.pop(chat_id, None)


def known_chats(resources: Resources) -> KnownChats:
    """The process' cache, created on first use."""
    cache = resources.extra.get(_KEY)
    if cache is None:
        cache = resources.extra[_KEY] = KnownChats()
    return cache


def use_per_update_chats(resources: Resources) -> None:
    """Make the process' cache one whose entries live for one update (replicas)."""
    resources.extra[_KEY] = KnownChats(per_update=True)
