"""python-telegram-bot persistence in the bot's own database, so conversations survive restarts.

PTB calls the `update_*` methods every `update_interval` seconds (default here: 1 s) for what
changed, and once more at shutdown. Calls that arrive together are written in ONE transaction,
and data identical to what is already stored is not written again (PTB hands over bot_data and
callback_data on every run, changed or not).

Data must be JSON-like (see storage.codec): tuples, sets, int keys and dates round-trip; other
objects are refused with a clear error instead of coming back different. bot_data and
callback_data are shared by all chats, so erasure cannot sort them by person: never keep
personal data in them (the callback data of buttons included).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.codec import canonical, decode, encode
from storage.db import transaction
from storage.models import PtbChatData, PtbConversation, PtbGlobal, PtbUserData
from storage.repositories._sql import insert
from storage.types import utcnow

Data = dict[Any, Any]
Slot = tuple[
    str, Any
]  # ("user", id) | ("chat", id) | ("global", name) | ("conversation", (name, key))
_DELETE = object()
_BOT_DATA, _CALLBACK_DATA = "bot_data", "callback_data"


def conversation_key(key: ConversationKey) -> str:
    """(chat_id, user_id) -> "[chat_id,user_id]": JSON keeps ints and strings apart.

    Spelled out by hand for ints, the same text as json.dumps for a fifth of its time: on
    replicas each conversation's key is spelled three times per update."""
    if len(key) == 2 and type(key[0]) is int and type(key[1]) is int:  # PTB's usual key
        return f"[{key[0]},{key[1]}]"
    if all(type(part) is int for part in key):
        return "[" + ",".join(map(str, key)) + "]"
    return json.dumps(list(key), separators=(",", ":"))


def _stored(data: Data) -> Any:
    """What user or chat data is written as. Empty data is no row: PTB hands back {} for a
    missing one anyway, and it writes an empty dict for a chat whose data an erasure dropped."""
    return encode(data) if data else _DELETE


def _key_id(key: ConversationKey, index: int) -> int | None:
    if len(key) > index and isinstance(key[index], int) and not isinstance(key[index], bool):
        return int(key[index])
    return None


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """`BasePersistence` on the storage database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = 1.0,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._sessionmaker = sessionmaker
        self._written: dict[Slot, str | None] = {}  # canonical text last stored (None: deleted)
        self._pending: dict[Slot, Any] = {}
        self._batch: asyncio.Future[None] | None = None
        self._lock = asyncio.Lock()
        # Several bot processes share the database (MULTI_REPLICA): re-read before each update.
        self.shared = False
        # Rows read ahead for the update about to run (prefetch), handed to PTB's refresh_*
        # instead of reading them again: slot -> stored JSON, None for no row.
        self._prefetched: dict[Slot, Any] = {}

    # --- loading (once, at Application.initialize) ----------------------------------------------

    async def _load(
        self, model: type[PtbUserData] | type[PtbChatData], kind: str
    ) -> dict[int, Data]:
        id_column = model.user_id if model is PtbUserData else model.chat_id  # type: ignore[union-attr]
        async with transaction(self._sessionmaker, read_only=True) as session:
            rows = (await session.execute(select(id_column, model.data))).all()
        loaded = {}
        for row_id, data in rows:
            self._written[(kind, row_id)] = canonical(data)
            loaded[row_id] = decode(data)
        return loaded

    async def get_user_data(self) -> dict[int, Data]:
        return await self._load(PtbUserData, "user")

    async def get_chat_data(self) -> dict[int, Data]:
        return await self._load(PtbChatData, "chat")

    async def _global(self, name: str) -> Any:
        async with transaction(self._sessionmaker, read_only=True) as session:
            row = await session.get(PtbGlobal, name)
        if row is None:
            return None
        self._written[("global", name)] = canonical(row.data)
        return decode(row.data)

    async def get_bot_data(self) -> Data:
        data = await self._global(_BOT_DATA)
        return data if isinstance(data, dict) else {}

    async def get_callback_data(self) -> CDCData | None:
        data = await self._global(_CALLBACK_DATA)
        if data is None:
            return None
        keyboards, queries = data
        return [tuple(keyboard) for keyboard in keyboards], dict(queries)

    async def get_conversations(self, name: str) -> ConversationDict:
        async with transaction(self._sessionmaker, read_only=True) as session:
            rows = (
                await session.execute(
                    select(PtbConversation.key, PtbConversation.state).where(
                        PtbConversation.name == name
                    )
                )
            ).all()
        conversations: ConversationDict = {}
        for key, state in rows:
            self._written[("conversation", (name, key))] = canonical(state)
            conversations[tuple(json.loads(key))] = decode(state)
        return conversations

    # --- writing ------------------------------------------------------------------------------

    async def update_user_data(self, user_id: int, data: Data) -> None:
        await self._submit(("user", user_id), _stored(data))

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        await self._submit(("chat", chat_id), _stored(data))

    async def update_bot_data(self, data: Data) -> None:
        await self._submit(("global", _BOT_DATA), encode(data))

    async def update_callback_data(self, data: CDCData) -> None:
        keyboards, queries = data
        await self._submit(("global", _CALLBACK_DATA), encode([list(keyboards), dict(queries)]))

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        slot = ("conversation", (name, conversation_key(key)))
        await self._submit(slot, _DELETE if new_state is None else encode(new_state))

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._submit(("chat", chat_id), _DELETE)

    async def drop_user_data(self, user_id: int) -> None:
        await self._submit(("user", user_id), _DELETE)

    async def update_for_chat(
        self,
        *,
        chat: tuple[int, Data] | None = None,
        user: tuple[int, Data] | None = None,
        conversations: Iterable[tuple[str, ConversationKey, object | None]] = (),
    ) -> None:
        """What one update changed, in one transaction, or none when nothing did (no task or
        batch: what update_* would each cost, several times per update on replicas)."""
        waiting = False
        if chat is not None:
            waiting |= self._stage(("chat", chat[0]), _stored(chat[1]))
        if user is not None:
            waiting |= self._stage(("user", user[0]), _stored(user[1]))
        for name, key, state in conversations:
            slot = ("conversation", (name, conversation_key(key)))
            waiting |= self._stage(slot, _DELETE if state is None else encode(state))
        if waiting:
            await self._join_batch()

    # One process: it alone writes these rows, so what PTB holds in memory is the latest.
    # Several (`shared`): another process may have written since, so read the row again.
    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        if self.shared:
            await self._refresh(PtbUserData, "user", user_id, user_data)

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        if self.shared:
            await self._refresh(PtbChatData, "chat", chat_id, chat_data)

    async def _refresh(
        self, model: type[PtbUserData] | type[PtbChatData], kind: str, ident: int, data: Data
    ) -> None:
        """Replace `data` in place (PTB holds that dict) with the stored row, if any."""
        if (kind, ident) in self._prefetched:
            stored = self._prefetched.pop((kind, ident))
        else:
            async with transaction(self._sessionmaker, read_only=True) as session:
                row = await session.get(model, ident)
            stored = None if row is None else row.data
        # What the database holds now is what this process last "wrote": no row is None, so
        # PTB handing back the same empty data deletes nothing (a statement per update before).
        self._written[(kind, ident)] = None if stored is None else canonical(stored)
        data.clear()
        if stored is not None:
            data.update(decode(stored))

    async def read_conversations(
        self, wanted: Iterable[tuple[str, ConversationKey]]
    ) -> dict[tuple[str, ConversationKey], object]:
        """The stored states of these (name, key) conversations; absent ones are not in the result.

        For several processes: what another one stored becomes what this one last wrote, so
        writing the same state back is not skipped as unchanged."""
        slots = {(name, conversation_key(key)): (name, key) for name, key in wanted}
        if not slots:
            return {}
        async with transaction(self._sessionmaker, read_only=True) as session:
            rows = (
                await session.execute(
                    select(PtbConversation.name, PtbConversation.key, PtbConversation.state).where(
                        PtbConversation.name.in_({name for name, _ in slots}),
                        PtbConversation.key.in_({key for _, key in slots}),
                    )
                )
            ).all()
        return self.adopt_conversations(slots.values(), {(n, k): state for n, k, state in rows})

    def adopt_conversations(
        self,
        wanted: Iterable[tuple[str, ConversationKey]],
        stored: Mapping[tuple[str, str], Any],
    ) -> dict[tuple[str, ConversationKey], object]:
        """The states of the `wanted` conversations in `stored` ((name, key text) -> stored
        JSON, read by the caller), recorded as what this process last wrote (as
        read_conversations does)."""
        found: dict[tuple[str, ConversationKey], object] = {}
        for name, key in wanted:
            slot = (name, conversation_key(key))
            if slot in stored:
                self._written[("conversation", slot)] = canonical(stored[slot])
                found[(name, key)] = decode(stored[slot])
            else:
                self._written[("conversation", slot)] = None
        return found

    def prefetch(
        self, *, user: tuple[int, Any] | None = None, chat: tuple[int, Any] | None = None
    ) -> None:
        """For several processes, before an update runs: the user's and the chat's stored data
        (id, stored JSON or None for no row), read by the caller under the chat's lock, for
        PTB's refresh_* to take instead of reading again."""
        if user is not None and self.store_data.user_data:
            self._prefetched[("user", user[0])] = user[1]
        if chat is not None and self.store_data.chat_data:
            self._prefetched[("chat", chat[0])] = chat[1]

    def discard_prefetched(self, *, user_id: int | None, chat_id: int | None) -> None:
        """Drop what prefetch kept and PTB did not ask for (no handler ran)."""
        self._prefetched.pop(("user", user_id), None)
        self._prefetched.pop(("chat", chat_id), None)

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        """Wait until everything submitted is stored (PTB calls it at shutdown)."""
        if self._pending and self._batch is None:
            self._batch = asyncio.ensure_future(self._write_batch())
        if self._batch is not None:
            await asyncio.shield(self._batch)
        async with self._lock:
            pass

    # --- batching -----------------------------------------------------------------------------

    def _stage(self, slot: Slot, value: Any) -> bool:
        """Queue `value` for `slot` unless it is what was last written; True when a write waits."""
        text = None if value is _DELETE else canonical(value)
        unchanged = slot in self._written and self._written[slot] == text
        if not unchanged or slot in self._pending:
            self._pending[slot] = value
        # Nothing new, or something left over from a failed write that this call should retry.
        return bool(self._pending)

    async def _submit(self, slot: Slot, value: Any) -> None:
        if self._stage(slot, value):
            await self._join_batch()

    async def _join_batch(self) -> None:
        if self._batch is None:
            # PTB gathers its update_* calls: they all join this batch before it starts.
            self._batch = asyncio.ensure_future(self._write_batch())
        await asyncio.shield(self._batch)

    async def _write_batch(self) -> None:
        async with self._lock:  # batches are written in the order they were formed
            pending, self._pending, self._batch = self._pending, {}, None
            try:
                async with transaction(self._sessionmaker) as session:
                    await self._write(session, pending)
            except BaseException:
                # Kept for the next write (newer values submitted meanwhile win): PTB only
                # hands over user and chat data again when they change again.
                self._pending = pending | self._pending
                raise
            for slot, value in pending.items():
                self._written[slot] = None if value is _DELETE else canonical(value)

    async def _write(self, session: AsyncSession, pending: dict[Slot, Any]) -> None:
        now = utcnow()
        by_kind: dict[str, list[tuple[Any, Any]]] = {}
        for (kind, ident), value in pending.items():
            by_kind.setdefault(kind, []).append((ident, value))
        for kind, items in by_kind.items():
            upserts = [(ident, value) for ident, value in items if value is not _DELETE]
            deletes = [ident for ident, value in items if value is _DELETE]
            if kind == "user":
                await self._upsert_data(session, PtbUserData, "user_id", upserts, now)
                await self._delete(session, PtbUserData.user_id, deletes)
            elif kind == "chat":
                await self._upsert_data(session, PtbChatData, "chat_id", upserts, now)
                await self._delete(session, PtbChatData.chat_id, deletes)
            elif kind == "global":
                await self._upsert_data(session, PtbGlobal, "name", upserts, now)
            else:
                await self._write_conversations(session, upserts, deletes, now)

    @staticmethod
    async def _upsert_data(
        session: AsyncSession, model: Any, id_name: str, items: list[tuple[Any, Any]], now: Any
    ) -> None:
        if not items:
            return
        stmt = insert(session, model).values(
            [{id_name: ident, "data": value, "updated_at": now} for ident, value in items]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[id_name],
            set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
        )
        await session.execute(stmt)

    @staticmethod
    async def _delete(session: AsyncSession, column: Any, idents: Iterable[Any]) -> None:
        idents = list(idents)
        if idents:
            await session.execute(delete(column.class_).where(column.in_(idents)))

    @staticmethod
    async def _write_conversations(
        session: AsyncSession,
        upserts: list[tuple[Any, Any]],
        deletes: list[Any],
        now: Any,
    ) -> None:
        if upserts:
            rows = []
            for (name, key), state in upserts:
                parts = tuple(json.loads(key))
                rows.append(
                    {
                        "name": name,
                        "key": key,
                        "first_id": _key_id(parts, 0),
                        "second_id": _key_id(parts, 1),
                        "state": state,
                        "updated_at": now,
                    }
                )
            stmt = insert(session, PtbConversation).values(rows)
            stmt = stmt.on_conflict_do_update(
                index_elements=["name", "key"],
                set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
            )
            await session.execute(stmt)
        for name, key in deletes:
            await session.execute(
                delete(PtbConversation).where(
                    PtbConversation.name == name, PtbConversation.key == key
                )
            )
