"""Two persistence objects on one database, as two replicas have: each sees what the other wrote."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replicas import lock_key
from storage.persistence import DatabasePersistence


async def test_a_shared_persistence_reads_what_the_other_process_wrote(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    a = DatabasePersistence(sessionmaker)
    b = DatabasePersistence(sessionmaker)
    a.shared = b.shared = True
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
