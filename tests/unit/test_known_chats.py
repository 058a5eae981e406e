"""The chat cache's two lives (bot/known_chats.py): expiring in one process, per update in replicas."""

from __future__ import annotations

import pytest

from bot.known_chats import KnownChat, KnownChats
from storage.repositories.subscriptions import SubscriptionView

ANNA = KnownChat(user_id=7, client_language="it", language=None)
RECAP_ONLY = SubscriptionView(
    enabled=False,
    daily_time="08:00",
    reminder_lead_minutes=None,
    weekly_recap=True,
    quiet_start=None,
    quiet_end=None,
)


@pytest.mark.parametrize("per_update", [False, True])
def test_known_until_forgotten_and_not_linked_is_known_too(per_update: bool) -> None:
    cache = KnownChats(per_update=per_update)
    assert (cache.get(42), cache.link(42), cache.subscription(42)) == (None, (False, None), None)
    cache.remember(42, ANNA)
    cache.remember_link(42, None)  # read: not linked
    cache.remember_subscription(42, ("Europe/Rome", RECAP_ONLY))
    assert (cache.get(42), cache.link(42)) == (ANNA, (True, None))
    assert cache.subscription(42) == ("Europe/Rome", RECAP_ONLY)

    cache.forget_subscription(42)  # a write in the update: the panel reads again
    assert cache.subscription(42) is None
    assert cache.get(42) == ANNA

    cache.forget(42)
    assert (cache.get(42), cache.link(42), cache.subscription(42)) == (None, (False, None), None)


def test_per_update_entries_stay_bounded_when_never_taken_out() -> None:
    cache = KnownChats(maxsize=3, per_update=True)
    for chat_id in range(10):
        cache.remember(chat_id, ANNA)
        cache.remember_link(chat_id, None)
        assert cache.get(chat_id) == ANNA and cache.link(chat_id) == (True, None)
    assert sum(cache.get(chat_id) is not None for chat_id in range(10)) <= 3
    assert sum(cache.link(chat_id)[0] for chat_id in range(10)) <= 3


def test_one_process_entries_expire() -> None:
    cache = KnownChats(ttl=0.0)  # expired as soon as written
    cache.remember(42, ANNA)
    cache.remember_link(42, None)
    assert (cache.get(42), cache.link(42)) == (None, (False, None))
