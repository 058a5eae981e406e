"""Repositories on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update

from bot.digiwatt.models import OnboardingRequest
from storage.db import transaction
from storage.models import AlertSubscription, AuditEvent, Chat
from storage.repositories import audit, chats, deliveries, links, profiles, subscriptions, tokens

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)
POD = "IT001E12345678"


def onboarding(adults: int = 2, size: int = 80) -> OnboardingRequest:
    return OnboardingRequest.model_validate(
        {
            "house": {"type": "apartment", "dimesion": size, "province": "MI"},
            "residents": {"adults": adults, "children": 1, "elderlies": 0},
            "appliances": [{"appliance": "dishwasher", "quantity": 1}],
        }
    )


async def test_chat_is_created_on_first_contact_and_remembers_choices(
    sessionmaker: Sessions,
) -> None:
    async with transaction(sessionmaker) as session:
        chat = await chats.upsert(session, 42, 42, time_zone="Asia/Kolkata")
        assert (chat.id, chat.user_id, chat.language, chat.time_zone) == (
            42,
            42,
            None,
            "Asia/Kolkata",
        )
        await chats.set_language(session, 42, "it")
    async with transaction(sessionmaker) as session:
        # Later contacts keep the language and zone already chosen.
        chat = await chats.upsert(session, 42, 42, time_zone="Europe/Rome")
        assert (chat.language, chat.time_zone, chat.blocked) == ("it", "Asia/Kolkata", False)


async def test_blocked_chat_gets_no_alerts_until_it_writes_again(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, 7, 7)
        subscription = await subscriptions.get_or_create(session, 7)
        subscription.reminder_lead_minutes = 15
        subscription.weekly_recap = True
    async with transaction(sessionmaker) as session:
        await chats.mark_blocked(session, 7)
    async with transaction(sessionmaker) as session:
        chat = await chats.get(session, 7)
        subscription = await subscriptions.get(session, 7)
        assert chat is not None and chat.blocked
        assert subscription is not None
        # Every alert is off, and stays off when the user comes back until they opt in again.
        assert (
            subscription.enabled,
            subscription.reminder_lead_minutes,
            subscription.weekly_recap,
        ) == (
            False,
            None,
            False,
        )
        assert await subscriptions.count_enabled(session) == 0
    async with transaction(sessionmaker) as session:
        assert not (await chats.upsert(session, 7, 7)).blocked


async def test_upsert_from_update_reads_the_chat_and_the_user(sessionmaker: Sessions) -> None:
    update = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 99, "type": "private"},
                "from": {"id": 99, "is_bot": False, "first_name": "Ada", "language_code": "it"},
                "text": "hi",
            },
        },
        None,
    )
    async with transaction(sessionmaker) as session:
        chat = await chats.upsert_from_update(session, update)
    assert chat is not None and (chat.id, chat.user_id) == (99, 99)


async def test_bad_time_zone_is_refused(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, 1, 1)
        with pytest.raises(ValueError, match="unknown time zone"):
            await chats.set_time_zone(session, 1, "Mars/Olympus")


async def test_time_zone_change_moves_the_alerts_too(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, 1, 1)
        await subscriptions.get_or_create(session, 1)
        await chats.set_time_zone(session, 1, "America/New_York")
    async with transaction(sessionmaker) as session:
        subscription = await subscriptions.get(session, 1)
        assert subscription is not None and subscription.time_zone == "America/New_York"


async def test_link_unlink_and_relink_with_audit_trail(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, 1, 1)
        link = await links.link(session, 1, "ACC-1", POD)
        assert (link.chat_id, link.account_number, link.pod) == (1, "ACC-1", POD)
    async with transaction(sessionmaker) as session:
        found = await links.get_link(session, 1)
        assert found is not None and found.account_number == "ACC-1"
        # Another account replaces the first one.
        await links.link(session, 1, "ACC-2", POD)
    async with transaction(sessionmaker) as session:
        removed = await links.unlink(session, 1)
        assert removed is not None and removed.account_number == "ACC-2"
        assert await links.get_link(session, 1) is None
        assert await links.unlink(session, 1) is None
        events = [
            (e.event, e.account_number) for e in reversed(await audit.recent(session, chat_id=1))
        ]
    assert events == [
        ("link", "ACC-1"),
        ("unlink", "ACC-1"),
        ("link", "ACC-2"),
        ("unlink", "ACC-2"),
    ]


async def test_an_account_is_linked_from_at_most_the_allowed_chats(sessionmaker: Sessions) -> None:
    for chat_id in (1, 2, 3):
        async with transaction(sessionmaker) as session:
            await links.link(session, chat_id, "ACC-1", POD, max_chats_per_account=3)
    with pytest.raises(links.LinkLimitReached) as caught:
        async with transaction(sessionmaker) as session:
            await links.link(session, 4, "ACC-1", POD, max_chats_per_account=3)
    assert caught.value.limit == 3
    async with transaction(sessionmaker) as session:
        assert await links.chats_for_account(session, "ACC-1") == [1, 2, 3]
        # Linking again from a chat already linked is not a new chat: allowed at the limit.
        await links.link(session, 2, "ACC-1", "IT001E87654321", max_chats_per_account=3)
        assert await links.get_link(session, 4) is None
    async with transaction(sessionmaker) as session:
        await links.unlink(session, 1)
    async with transaction(sessionmaker) as session:
        await links.link(session, 4, "ACC-1", POD, max_chats_per_account=3)
        assert await links.count_linked_chats(session) == 3


async def test_household_profile_keeps_the_latest_and_the_history(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await profiles.save(session, "ACC-1", onboarding(adults=2), now=NOW)
    async with transaction(sessionmaker) as session:
        await profiles.save(session, "ACC-1", onboarding(adults=3), now=NOW + timedelta(days=1))
    async with transaction(sessionmaker) as session:
        latest = await profiles.latest(session, "ACC-1")
        assert latest is not None and latest.request == onboarding(adults=3)
        assert latest.submitted_at == NOW + timedelta(days=1)
        versions = await profiles.history(session, "ACC-1")
        assert [v.request.residents.adults for v in versions] == [2, 3]
        assert [
            v.request.residents.adults for v in await profiles.history(session, "ACC-1", limit=1)
        ] == [3]
        assert await profiles.latest(session, "ACC-404") is None


async def test_households_of_many_chats_in_one_query(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await links.link(session, 1, "ACC-1", POD)
        await links.link(session, 2, "ACC-1", POD)
        await links.link(session, 3, "ACC-3", POD)  # linked but never onboarded
        await chats.upsert(session, 4, 4)  # not linked
        await profiles.save(session, "ACC-1", onboarding(size=120))
    async with transaction(sessionmaker) as session:
        found = await profiles.for_chats(session, [1, 2, 3, 4, 5])
    assert set(found) == {1, 2}
    assert found[1].house.dimesion == 120


async def test_subscription_values_are_validated(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, 1, 1, time_zone="Asia/Kolkata")
        subscription = await subscriptions.get_or_create(session, 1)
        assert (subscription.enabled, subscription.daily_time, subscription.time_zone) == (
            True,
            "08:00",
            "Asia/Kolkata",
        )
        subscription.daily_time = "7:05"
        assert subscription.daily_time == "07:05"
        for bad in ("24:00", "7", "noon"):
            with pytest.raises(ValueError, match="HH:MM"):
                subscription.daily_time = bad
        with pytest.raises(ValueError, match="lead"):
            subscription.reminder_lead_minutes = 0
        subscription.quiet_start, subscription.quiet_end = "22:00", "07:00"
        assert subscription.in_quiet_hours("23:30") and subscription.in_quiet_hours("06:59")
        assert not subscription.in_quiet_hours("07:00")
    async with transaction(sessionmaker) as session:
        stored = await subscriptions.get(session, 1)
        assert stored is not None and stored.daily_time == "07:05"
        with pytest.raises(LookupError):
            await subscriptions.get_or_create(session, 404)


async def test_delivery_is_claimed_once_then_sent(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        for chat_id in (1, 2, 3):
            await chats.upsert(session, chat_id, chat_id)
    async with transaction(sessionmaker) as session:
        won = await deliveries.claim(
            session, [(2, "daily:2025-06-02"), (1, "daily:2025-06-02")], now=NOW
        )
    assert won == [(1, "daily:2025-06-02"), (2, "daily:2025-06-02")]
    async with transaction(sessionmaker) as session:
        again = await deliveries.claim(
            session, [(1, "daily:2025-06-02"), (3, "daily:2025-06-02")], now=NOW
        )
    assert again == [(3, "daily:2025-06-02")]
    async with transaction(sessionmaker) as session:
        assert await deliveries.mark_sent(session, [(1, "daily:2025-06-02")], now=NOW) == 1
        assert await deliveries.mark_failed(session, [(2, "daily:2025-06-02")], "Forbidden") == 1
        assert await deliveries.release(session, [(3, "daily:2025-06-02")]) == 1
        # A sent delivery is not sent again and cannot be failed afterwards.
        assert await deliveries.mark_failed(session, [(1, "daily:2025-06-02")], "late") == 0
    async with transaction(sessionmaker) as session:
        sent = await deliveries.get(session, 1, "daily:2025-06-02")
        assert sent is not None and (sent.status, sent.sent_at, sent.attempts) == ("sent", NOW, 1)
        failed = await deliveries.get(session, 2, "daily:2025-06-02")
        assert failed is not None and (failed.status, failed.error) == ("failed", "Forbidden")
        assert await deliveries.counts_since(session, NOW - timedelta(hours=1)) == {
            "claimed": 0,
            "sent": 1,
            "failed": 1,
        }
        # Released: free to claim again.
        assert await deliveries.claim(session, [(3, "daily:2025-06-02")], now=NOW) == [
            (3, "daily:2025-06-02")
        ]


async def test_a_crashed_claim_is_taken_over_once_then_given_up(sessionmaker: Sessions) -> None:
    key = "daily:2025-06-02"
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, 1, 1)
        await chats.upsert(session, 2, 2)
        await deliveries.claim(session, [(1, key), (2, key)], now=NOW)
        await deliveries.mark_sent(session, [(2, key)], now=NOW)
    async with transaction(sessionmaker) as session:
        # Too recent: the claimer may still be sending.
        assert (
            await deliveries.reclaim_stale(
                session, older_than=timedelta(minutes=10), now=NOW + timedelta(minutes=5)
            )
            == []
        )
        later = NOW + timedelta(minutes=11)
        taken = await deliveries.reclaim_stale(session, older_than=timedelta(minutes=10), now=later)
        assert taken == [deliveries.Claim(1, key, 2)]
        # Taken over just now: nobody else gets it.
        assert (
            await deliveries.reclaim_stale(session, older_than=timedelta(minutes=10), now=later)
            == []
        )
    async with transaction(sessionmaker) as session:
        much_later = NOW + timedelta(hours=1)
        third = await deliveries.reclaim_stale(
            session, older_than=timedelta(minutes=10), now=much_later
        )
        assert third == [deliveries.Claim(1, key, 3)]
        gave_up = await deliveries.reclaim_stale(
            session, older_than=timedelta(minutes=10), now=much_later + timedelta(hours=1)
        )
        assert gave_up == []
        delivery = await deliveries.get(session, 1, key)
        assert (
            delivery is not None
            and delivery.status == "failed"
            and "3 attempts" in (delivery.error or "")
        )


async def test_claiming_ten_thousand_is_one_statement(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await session.execute(
            Chat.__table__.insert(),
            [
                {"id": i, "time_zone": "Europe/Rome", "created_at": NOW, "updated_at": NOW}
                for i in range(10_000)
            ],
        )
    pairs = [(i, "daily:2025-06-02") for i in range(10_000)]
    async with transaction(sessionmaker) as session:
        assert len(await deliveries.claim(session, pairs, now=NOW)) == 10_000
        assert await deliveries.claim(session, pairs, now=NOW) == []
        assert await deliveries.mark_sent(session, pairs, now=NOW) == 10_000


async def test_link_token_works_once_and_expired_ones_are_purged(sessionmaker: Sessions) -> None:
    expires = NOW + timedelta(days=7)
    async with transaction(sessionmaker) as session:
        assert await tokens.spend(session, "tok-A", expires_at=expires, now=NOW)
        assert not await tokens.spend(session, "tok-A", expires_at=expires, now=NOW)
        assert not await tokens.spend(session, "tok-B", expires_at=NOW, now=NOW)  # expired
        assert await tokens.spend(session, "tok-C", expires_at=NOW + timedelta(hours=1), now=NOW)
    async with transaction(sessionmaker) as session:
        assert await tokens.purge_expired(session, now=NOW + timedelta(days=1)) == 1
        assert not await tokens.spend(
            session, "tok-A", expires_at=expires, now=NOW + timedelta(days=1)
        )


async def test_rollback_on_error_keeps_nothing(sessionmaker: Sessions) -> None:
    async def failing_handler() -> None:
        async with transaction(sessionmaker) as session:
            await chats.upsert(session, 5, 5)
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        await failing_handler()
    async with transaction(sessionmaker, read_only=True) as session:
        assert await chats.get(session, 5) is None
        assert (
            await session.execute(select(func.count()).select_from(AuditEvent))
        ).scalar_one() == 0


async def test_snooze_is_stored(sessionmaker: Sessions) -> None:
    async with transaction(sessionmaker) as session:
        await chats.upsert(session, 1, 1)
        await subscriptions.get_or_create(session, 1)
        await subscriptions.snooze(session, 1, date(2025, 6, 2))
    async with transaction(sessionmaker) as session:
        stored = await session.get(AlertSubscription, 1)
        assert stored is not None and stored.snoozed_on == date(2025, 6, 2)
