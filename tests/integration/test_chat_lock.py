"""The chat lock of replicas (storage/chat_lock.py) on a real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.chat_lock import ChatLocks, ChatRow
from storage.db import create_engine, make_sessionmaker, transaction
from storage.models import Account, AccountLink, AlertSubscription, Chat
from storage.persistence import DatabasePersistence
from storage.repositories import subscriptions
from storage.repositories.subscriptions import SubscriptionView
from tests.fixtures.database import (
    TEST_DATABASE_URL,
    terminate_other_connections,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)"),
]

LINKED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PANEL = SubscriptionView(
    enabled=False,
    daily_time="07:30",
    reminder_lead_minutes=15,
    weekly_recap=True,
    quiet_start="22:00",
    quiet_end="07:00",
)


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(pg_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def locks(pg_url: str) -> AsyncIterator[ChatLocks]:
    created = ChatLocks(pg_url, pool_size=2)
    await created.open()
    try:
        yield created
    finally:
        await created.aclose()


async def test_one_read_brings_data_states_chat_link_and_subscription(
    db: async_sessionmaker[AsyncSession], locks: ChatLocks
) -> None:
    persistence = DatabasePersistence(db)
    await persistence.update_user_data(7, {"seen": 1})
    await persistence.update_chat_data(42, {"draft": {"step": "size"}})
    await persistence.update_conversation("onboarding", (42, 7), "SIZE")
    await persistence.update_conversation("onboarding", (43, 7), "OTHER CHAT")
    async with transaction(db) as session:
        session.add(Account(account_number="1234567"))
        session.add(
            Chat(id=42, user_id=7, language="it", client_language="en", time_zone="Europe/Rome")
        )
        session.add(Chat(id=43, user_id=8, time_zone="Europe/London"))
        await session.flush()
        session.add(
            AccountLink(
                chat_id=42, account_number="1234567", pod="IT001E12345678", linked_at=LINKED_AT
            )
        )
        session.add(AlertSubscription(chat_id=42, **asdict(PANEL)))

    async with locks.hold(42) as locked:
        state = await locked.read(
            user_id=7, conversations=[("onboarding", "[42,7]"), ("linking", "[42,7]")]
        )
    assert state.user_data == {"seen": 1}
    assert state.chat_data == {"draft": {"step": "size"}}
    assert state.conversations == {("onboarding", "[42,7]"): "SIZE"}
    assert state.chat == ChatRow(
        user_id=7, client_language="en", language="it", blocked=False, time_zone="Europe/Rome"
    )
    assert state.link is not None
    assert (state.link.account_number, state.link.pod) == ("1234567", "IT001E12345678")
    assert state.link.linked_at == LINKED_AT
    # What the settings panel shows, as subscriptions.with_time_zone reads it.
    assert state.subscription == PANEL
    async with transaction(db, read_only=True) as session:
        assert await subscriptions.with_time_zone(session, 42) == (
            "Europe/Rome",
            state.subscription,
        )

    async with locks.hold(43) as locked:  # a chat with no link and no subscription
        bare = await locked.read(user_id=8, conversations=[])
    assert bare.chat is not None and bare.chat.time_zone == "Europe/London"
    assert (bare.link, bare.subscription) == (None, None)

    async with locks.hold(99) as locked:  # a chat the bot has never seen
        empty = await locked.read(user_id=None, conversations=[])
    assert (empty.user_data, empty.chat_data, empty.chat, empty.link, empty.subscription) == (
        (None,) * 5
    )
    assert empty.conversations == {}


async def test_a_waiting_update_reads_what_the_holder_wrote(
    db: async_sessionmaker[AsyncSession], locks: ChatLocks
) -> None:
    """The read comes after the lock is granted, never from a snapshot taken while waiting."""
    persistence = DatabasePersistence(db)
    await persistence.update_chat_data(42, {"step": 1})

    async def next_update() -> object:
        async with locks.hold(42) as locked:
            return (await locked.read(user_id=None, conversations=[])).chat_data

    async with locks.hold(42):
        waiting = asyncio.create_task(next_update())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # one chat, one update at a time
        await persistence.update_chat_data(42, {"step": 2})  # the holder's write-back
    assert await asyncio.wait_for(waiting, 5) == {"step": 2}


async def test_other_chats_do_not_wait(locks: ChatLocks) -> None:
    async with locks.hold(42), asyncio.timeout(5), locks.hold(43) as other:
        await other.read(user_id=None, conversations=[])


async def test_a_failed_or_cancelled_update_releases_the_lock(
    pg_url: str, locks: ChatLocks
) -> None:
    with pytest.raises(RuntimeError):
        async with locks.hold(42):
            raise RuntimeError("a handler failed")

    async def hold_forever() -> None:
        async with locks.hold(42):
            await asyncio.Event().wait()

    holder = asyncio.create_task(hold_forever())
    await asyncio.sleep(0.2)
    waiter = asyncio.create_task(hold_forever())  # cancelled while waiting for the lock
    await asyncio.sleep(0.2)
    waiter.cancel()
    holder.cancel()
    await asyncio.gather(holder, waiter, return_exceptions=True)

    # Both connections went back to the pool out of any transaction: nothing still holds 42.
    async with asyncio.timeout(5):
        async with locks.hold(42) as locked:
            await locked.read(user_id=None, conversations=[])
        async with locks.hold(42), locks.hold(43):
            pass
    engine = create_engine(pg_url)
    try:
        async with engine.connect() as connection:
            held = await connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            )
    finally:
        await engine.dispose()
    assert held == 0


async def test_locks_go_on_after_the_server_closed_their_connections(
    pg_url: str, locks: ChatLocks
) -> None:
    """A PostgreSQL restart costs no update an error: the pool replaces closed connections."""

    async def update(chat_id: int) -> None:
        async with locks.hold(chat_id) as locked:
            await locked.read(user_id=None, conversations=[])
            await asyncio.sleep(0.05)  # both connections in use at once

    await asyncio.gather(update(1), update(2))
    assert await terminate_other_connections(pg_url) >= 2
    await asyncio.sleep(0.2)  # the loop reads the server's goodbyes

    await asyncio.gather(update(1), update(2))
