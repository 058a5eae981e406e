"""Right to erasure: after erase_chat no row in any table identifies the person.

The test fills EVERY table (a new table without data here fails it), erases one person, then
reads every row of every table in metadata.sorted_tables looking for their identifiers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digiwatt.models import OnboardingRequest
from storage.db import transaction
from storage.models import Base
from storage.persistence import DatabasePersistence
from storage.repositories import chats, deliveries, erasure, links, profiles, subscriptions, tokens

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)

# The person to erase: distinctive values, so finding them in any column's text is meaningful.
ALICE = 7_123_456_789
ALICE_ACCOUNT = "ACC-ALICE-31337"
ALICE_POD = "IT001E99887766"
# Alice's partner's chat, linked to the same account (the account is erased, the chat stays).
PARTNER = 7_222_333_444
# Someone else entirely: nothing of theirs may go.
BOB = 7_555_666_777
BOB_ACCOUNT = "ACC-BOB-4242"
BOB_POD = "IT001E11223344"

HOUSEHOLD = OnboardingRequest.model_validate(
    {
        "house": {"type": "detached", "dimesion": 140, "province": "TO"},
        "residents": {"adults": 2, "children": 0, "elderlies": 1},
        "appliances": [{"appliance": "heatPump", "quantity": 1}],
    }
)


async def fill_every_table(sessions: Sessions) -> None:
    """Everything the bot keeps about Alice, her partner and Bob, through the public API."""
    async with transaction(sessions) as session:
        for chat_id, account, pod in (
            (ALICE, ALICE_ACCOUNT, ALICE_POD),
            (PARTNER, ALICE_ACCOUNT, ALICE_POD),
            (BOB, BOB_ACCOUNT, BOB_POD),
        ):
            await chats.upsert(session, chat_id, chat_id, now=NOW)
            await links.link(session, chat_id, account, pod, now=NOW)
            subscription = await subscriptions.get_or_create(session, chat_id)
            subscription.reminder_lead_minutes = 15
            await deliveries.claim(session, [(chat_id, "daily:2025-06-02")], now=NOW)
        # A group Alice wrote in last: the group stays, but must stop naming her.
        await chats.upsert(session, -100_200_300, ALICE, now=NOW)
        await profiles.save(session, ALICE_ACCOUNT, HOUSEHOLD, now=NOW)
        await profiles.save(session, ALICE_ACCOUNT, HOUSEHOLD, now=NOW + timedelta(days=1))
        await profiles.save(session, BOB_ACCOUNT, HOUSEHOLD, now=NOW)
        await tokens.spend(
            session, f"token-for-{ALICE_ACCOUNT}", expires_at=NOW + timedelta(days=7), now=NOW
        )

    persistence = DatabasePersistence(sessions)
    for person in (ALICE, BOB):
        await persistence.update_user_data(person, {"draft": {"province": "TO"}, "id": person})
        await persistence.update_chat_data(person, {"step": "province"})
        await persistence.update_conversation("onboarding", (person, person), "ASK_SIZE")
    await persistence.update_conversation("settings", (ALICE,), "MENU")
    await persistence.update_bot_data({"greenness_file_id": "AgAD-shared"})
    await persistence.update_callback_data(
        ([("kb-1", 1.0, {"btn-1": "confirm"})], {"cq-1": "kb-1"})
    )
    await persistence.flush()


async def rows(session: AsyncSession, table: Table) -> list[tuple[object, ...]]:
    return [tuple(row) for row in (await session.execute(select(table))).all()]


def mentions(row: tuple[object, ...], needles: tuple[str, ...]) -> bool:
    text = " ".join(str(value) for value in row)
    return any(needle in text for needle in needles)


async def test_erasure_leaves_no_row_that_identifies_the_person(sessionmaker: Sessions) -> None:
    await fill_every_table(sessionmaker)
    alice = (str(ALICE), ALICE_ACCOUNT, ALICE_POD)
    bob = (str(BOB), BOB_ACCOUNT, BOB_POD)

    async with transaction(sessionmaker, read_only=True) as session:
        before = {table.name: await rows(session, table) for table in Base.metadata.sorted_tables}
    empty = [name for name, found in before.items() if not found]
    assert not empty, f"fill_every_table() must put rows in {empty} (a new table?)"

    async with transaction(sessionmaker) as session:
        result = await erasure.erase_chat(session, ALICE, now=NOW)

    async with transaction(sessionmaker, read_only=True) as session:
        after = {table.name: await rows(session, table) for table in Base.metadata.sorted_tables}
    for name, found in after.items():
        leftovers = [row for row in found if mentions(row, alice)]
        assert not leftovers, f"{name} still identifies the erased person: {leftovers}"

    # Bob lost nothing: every row that named him is still there.
    for name in before:
        assert [r for r in before[name] if mentions(r, bob)] == [
            r for r in after[name] if mentions(r, bob)
        ], name

    # What the bot can tell the user: counts per kind, and the partner chat that was unlinked.
    assert result.unlinked_chat_ids == (PARTNER,)
    assert result.deleted["chats"] == 1
    assert result.deleted["account_links"] == 2  # Alice's and her partner's link to the account
    assert result.deleted["accounts"] == 1
    assert result.deleted["household_profiles"] == 1
    assert result.deleted["household_profile_history"] == 2
    assert result.deleted["alert_subscriptions"] == 1
    assert result.deleted["alert_deliveries"] == 1
    assert result.deleted["ptb_user_data"] == 1
    assert result.deleted["ptb_chat_data"] == 1
    assert result.deleted["ptb_conversations"] == 2
    assert result.deleted["audit_events"] == 2  # link events of Alice and her partner
    assert result.total == sum(result.deleted.values())

    async with transaction(sessionmaker, read_only=True) as session:
        # The partner's chat and subscription remain; only the link to the erased account went.
        assert await chats.get(session, PARTNER) is not None
        assert await subscriptions.get(session, PARTNER) is not None
        assert await links.get_link(session, PARTNER) is None
        group = await chats.get(session, -100_200_300)
        assert group is not None and group.user_id is None
        # The erase itself is on record, anonymously.
        erase_events = [e for e in after["audit_events"] if e[1] == "erase"]
        assert len(erase_events) == 1


async def test_erasing_an_unknown_chat_deletes_nothing(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, BOB, BOB)
    async with transaction(sessionmaker) as session:
        result = await erasure.erase_chat(session, 404)
    assert result.deleted == {} and result.unlinked_chat_ids == ()
    async with transaction(sessionmaker, read_only=True) as session:
        assert await chats.get(session, BOB) is not None


def test_every_table_declares_what_identifies_a_person() -> None:
    for table in Base.metadata.sorted_tables:
        rule = erasure.policy(table)
        for column in (*rule.telegram_ids, *rule.account, *rule.nullify_telegram_ids):
            assert column in table.c, f"{table.name}.{column} in its erasure policy does not exist"


def test_a_table_without_a_policy_stops_erasure() -> None:
    table = Table("imaginary", Base.metadata.__class__())
    with pytest.raises(RuntimeError, match="erasure policy"):
        erasure.policy(table)


async def test_nothing_left_in_an_emptied_database_after_erasing_everyone(
    sessionmaker: Sessions,
) -> None:
    await fill_every_table(sessionmaker)
    async with transaction(sessionmaker) as session:
        for chat_id in (ALICE, PARTNER, BOB, -100_200_300):
            await erasure.erase_chat(session, chat_id)
    personal = [
        t for t in Base.metadata.sorted_tables if erasure.policy(t) != erasure.ErasurePolicy()
    ]
    async with transaction(sessionmaker, read_only=True) as session:
        for table in personal:
            count = (await session.execute(select(func.count()).select_from(table))).scalar_one()
            if table.name == "audit_events":
                continue  # only the anonymous erase/unlink rows remain, checked above
            assert count == 0, table.name
