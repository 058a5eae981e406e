"""Two persistence objects on one database, as two replicas have: each sees what the other wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.chat_lock import lock_key
from storage.persistence import DatabasePersistence

Replicas = tuple[DatabasePersistence, DatabasePersistence]


@pytest.fixture
def replicas(sessionmaker: async_sessionmaker[AsyncSession]) -> Replicas:
    """The persistences of two replicas (MULTI_REPLICA) on one database."""
    a = DatabasePersistence(sessionmaker)
    b = DatabasePersistence(sessionmaker)
    a.shared = b.shared = True
    return a, b


async def test_a_shared_persistence_reads_what_the_other_process_wrote(
    replicas: Replicas,
) -> None:
    a, b = replicas
    key = (42, 42)
    assert await b.get_conversations("linking") == {}

    await a.update_conversation("linking", key, "ASK_ACCOUNT")
    await a.update_chat_data(42, {"pod": "IT001E12345678"})
    assert await b.read_conversations([("linking", key)]) == {("linking", key): "ASK_ACCOUNT"}
    chat_data = {"stale": True}
    await b.refresh_chat_data(42, chat_data)
    assert chat_data == {"pod": "IT001E12345678"}

    # B ends the conversation; A, which last wrote ASK_ACCOUNT, sets it again: not skipped.
    await b.update_conversation("linking", key, None)
    assert await a.read_conversations([("linking", key)]) == {}
    await a.update_conversation("linking", key, "ASK_ACCOUNT")
    assert await b.read_conversations([("linking", key)]) == {("linking", key): "ASK_ACCOUNT"}


async def test_one_process_does_not_read_again(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    a = DatabasePersistence(sessionmaker)
    b = DatabasePersistence(sessionmaker)
    await a.update_chat_data(7, {"x": 1})
    chat_data = {"mine": 2}
    await b.refresh_chat_data(7, chat_data)  # not shared: memory is the truth
    assert chat_data == {"mine": 2}


def test_chat_lock_keys_fit_postgres_int4_for_any_chat_id() -> None:
    for chat_id in (0, 1, -1, 2**31, -(10**12) - 123, 10**15, -100_1234567890):
        assert -(2**31) <= lock_key(chat_id) < 2**31
    assert lock_key(12345) != lock_key(12346)


async def test_data_read_ahead_is_what_ptb_gets_once(replicas: Replicas) -> None:
    a, b = replicas
    key = (42, 42)
    await a.update_conversation("onboarding", key, "SIZE")
    await a.update_chat_data(42, {"draft": {"step": "size"}})

    # What a replica read under the chat's lock (storage/chat_lock.py), handed over.
    states = b.adopt_conversations(
        [("onboarding", key), ("linking", key)], {("onboarding", "[42,42]"): "SIZE"}
    )
    assert states == {("onboarding", key): "SIZE"}
    b.prefetch(user=(42, {"seen": 1}), chat=(42, {"draft": {"step": "size"}}))
    # A writes after the read: what the update runs with is what was read under the lock.
    await a.update_chat_data(42, {"draft": {"step": "province"}})
    chat_data: dict = {"stale": True}
    user_data: dict = {}
    await b.refresh_chat_data(42, chat_data)
    await b.refresh_user_data(42, user_data)
    assert chat_data == {"draft": {"step": "size"}}
    assert user_data == {"seen": 1}
    # Taken once: a later refresh (a job, the next update) reads the database again.
    await b.refresh_chat_data(42, chat_data)
    assert chat_data == {"draft": {"step": "province"}}

    b.prefetch(user=(42, {"seen": 1}), chat=(42, None))
    b.discard_prefetched(user_id=42, chat_id=42)  # no handler ran
    await a.update_user_data(42, {"seen": 2})
    await b.refresh_user_data(42, user_data)
    assert user_data == {"seen": 2}

    # B read "SIZE" for onboarding: B setting SIZE again is no change, ending it is one.
    await a.update_conversation("onboarding", key, "PROVINCE")
    await b.update_conversation("onboarding", key, "SIZE")
    assert await a.read_conversations([("onboarding", key)]) == {("onboarding", key): "PROVINCE"}
    await b.update_conversation("onboarding", key, None)
    assert await a.read_conversations([("onboarding", key)]) == {}


async def test_a_replica_writes_nothing_when_an_update_changed_nothing(
    replicas: Replicas, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    _, b = replicas
    statements: list[str] = []
    engine = sessionmaker.kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for _ in range(3):  # three updates of a chat with no data, as PTB runs them
        b.prefetch(user=(7, None), chat=(7, None))  # no rows, as read under the lock
        chat_data: dict = {}
        user_data: dict = {}
        await b.refresh_chat_data(7, chat_data)
        await b.refresh_user_data(7, user_data)
        await b.update_chat_data(7, chat_data)
        await b.update_user_data(7, user_data)
    assert not [s for s in statements if s.lstrip().upper().startswith(("DELETE", "INSERT"))]
