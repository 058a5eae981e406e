"""The lock a replica holds on a chat during one update, and what it reads under it.

Several bot processes on one PostgreSQL (MULTI_REPLICA) run a chat's updates one at a time: each
update holds a transaction-scoped advisory lock for its chat, which the server releases with the
transaction, even when the process dies. Under the lock the replica reads what the update needs
and another process may have changed: PTB's user data, chat data and conversation states, and
the chat row with its link and alert subscription (what the settings panel shows).

Round trips are most of what this costs: through SQLAlchemy, BEGIN, the lock, four reads and
COMMIT took about 1.2 ms of CPU per update, 40% of a replica's busy time under py-spy. So this
speaks to asyncpg directly, in three round trips (0.2 ms):
1. `BEGIN; SELECT pg_advisory_xact_lock(...)`, one message of the simple protocol;
2. one SELECT of everything. It must be a statement of its own: in READ COMMITTED a statement
   reads the snapshot taken when it started, so reads in the lock's statement would miss what
   the previous holder committed while this one waited;
3. COMMIT, or ROLLBACK when the update failed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from storage.models import AccountLink
from storage.repositories.subscriptions import SubscriptionView

log = logging.getLogger(__name__)

# pg_advisory_xact_lock(int4, int4) key space of chat locks ("dgwc"); storage.migrate uses the
# one-key (int8) space, which does not overlap.
LOCK_CLASS = 0x64677763

# $1 user id, $2 chat id, $3 conversation names, $4 conversation keys (storage.persistence's
# JSON text of the key tuple). (VALUES (1)) gives one row when the chat has none.
_READ = """
SELECT
    (SELECT data FROM ptb_user_data WHERE user_id = $1) AS user_data,
    (SELECT data FROM ptb_chat_data WHERE chat_id = $2) AS chat_data,
    (SELECT json_agg(json_build_array(name, key, state)) FROM ptb_conversations
        WHERE name = ANY($3::varchar[]) AND key = ANY($4::varchar[])) AS conversations,
    chats.id AS chat_id, chats.user_id, chats.client_language, chats.language, chats.blocked,
    chats.time_zone,
    account_links.account_number, account_links.pod, account_links.linked_at,
    alert_subscriptions.chat_id AS subscribed, alert_subscriptions.enabled,
    alert_subscriptions.daily_time, alert_subscriptions.reminder_lead_minutes,
    alert_subscriptions.weekly_recap, alert_subscriptions.quiet_start,
    alert_subscriptions.quiet_end
FROM (VALUES (1)) AS one
LEFT JOIN chats ON chats.id = $2
LEFT JOIN account_links ON account_links.chat_id = chats.id
LEFT JOIN alert_subscriptions ON alert_subscriptions.chat_id = chats.id
"""


def lock_key(chat_id: int) -> int:
    """The chat id folded into a signed 32-bit int (a collision only serialises two chats)."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


@dataclass(frozen=True, slots=True)
class ChatRow:
    """The columns of a chat row the bot needs before every update (bot.known_chats)."""

    user_id: int | None
    client_language: str | None
    language: str | None
    blocked: bool
    time_zone: str


@dataclass(frozen=True, slots=True)
class ChatState:
    """What is stored for one chat and user, as read under the chat's lock.

    user_data and chat_data are the stored JSON, or None when there is no row; conversations
    maps (name, key text) to the stored state of those asked for that exist."""

    user_data: Any
    chat_data: Any
    conversations: dict[tuple[str, str], Any]
    chat: ChatRow | None
    link: AccountLink | None  # detached: handlers only read it
    subscription: SubscriptionView | None


class LockedChat:
    """A chat whose lock this process holds, on the lock's connection."""

    def __init__(self, driver: asyncpg.Connection, chat_id: int) -> None:
        self._driver = driver  # inside the lock's transaction
        self.chat_id = chat_id

    async def read(
        self, *, user_id: int | None, conversations: Collection[tuple[str, str]]
    ) -> ChatState:
        """The chat's and the user's stored state, in one statement."""
        names = sorted({name for name, _ in conversations})
        keys = sorted({key for _, key in conversations})
        row = await self._driver.fetchrow(_READ, user_id, self.chat_id, names, keys)
        wanted = set(conversations)
        states = {
            (name, key): state
            for name, key, state in _json(row["conversations"]) or ()
            if (name, key) in wanted
        }
        chat = link = subscription = None
        if row["chat_id"] is not None:
            chat = ChatRow(
                row["user_id"],
                row["client_language"],
                row["language"],
                row["blocked"],
                row["time_zone"],
            )
        if row["account_number"] is not None:
            link = AccountLink(
                chat_id=self.chat_id,
                account_number=row["account_number"],
                pod=row["pod"],
                linked_at=row["linked_at"].astimezone(UTC),
            )
        if row["subscribed"] is not None:
            subscription = SubscriptionView(
                row["enabled"],
                row["daily_time"],
                row["reminder_lead_minutes"],
                row["weekly_recap"],
                row["quiet_start"],
                row["quiet_end"],
            )
        return ChatState(
            _json(row["user_data"]), _json(row["chat_data"]), states, chat, link, subscription
        )


def _json(text: str | None) -> Any:
    """asyncpg hands json and jsonb over as text."""
    return None if text is None else json.loads(text)


class ChatLocks:
    """Advisory chat locks on a pool of their own: a lock holder keeps its connection for the
    whole update, and must never starve the handlers' short transactions.

    asyncpg's pool rather than a SQLAlchemy engine: checking a connection out of an engine and
    back costs two greenlet round trips, about a third of the lock's CPU per update. The URL
    is read the way SQLAlchemy's asyncpg dialect reads DATABASE_URL."""

    def __init__(self, database_url: str, *, pool_size: int) -> None:
        self._url = make_url(database_url)
        self._size = pool_size
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        if self._pool is not None:
            return
        _, options = self._url.get_dialect()().create_connect_args(self._url)
        for sqlalchemy_only in ("prepared_statement_cache_size", "prepared_statement_name_func"):
            options.pop(sqlalchemy_only, None)
        self._pool = await asyncpg.create_pool(
            min_size=0, max_size=self._size, reset=_keep, **options
        )

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[LockedChat]:
        """Hold the chat's lock until the block ends: committed when it ends, rolled back when
        it raises."""
        if self._pool is None:
            raise RuntimeError("ChatLocks.open() first")
        async with self._pool.acquire() as connection:
            try:
                # Two ints the bot computed, never text from a user: safe to put in the SQL.
                await connection.execute(
                    f"BEGIN; SELECT pg_advisory_xact_lock({LOCK_CLASS}, {lock_key(chat_id)})"
                )
                yield LockedChat(connection, chat_id)
                await connection.execute("COMMIT")
            except BaseException:
                await _roll_back(connection)
                raise


async def _roll_back(connection: asyncpg.Connection) -> None:
    """End a failed update's transaction, or the connection: never pool one holding a lock."""
    try:
        await connection.execute("ROLLBACK")
    except Exception:  # closed, or still busy with a cancelled statement
        log.warning("could not roll back a chat lock's transaction: closing its connection")
        connection.terminate()  # the server ends the transaction, and the lock, with it


async def _keep(connection: asyncpg.Connection) -> None:
    """The pool's reset: nothing to undo (hold() ends every transaction). asyncpg's default
    costs a round trip on every release (RESET ALL and more) for session state never set."""
