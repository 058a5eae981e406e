"""/stats: the figures for the operators, the generic "unknown command" for everybody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import Settings
from storage.schedule import floor_minute
from tests.fixtures.app import BotHarness, make_settings
from tests.integration.test_alerts import dispatch, paused, subscribe

ADMIN_ID = 990_000_001
MINUTE = timedelta(minutes=1)


@pytest.fixture
def bot_settings(botapi_url: str, simulator_url: str, db_url: str) -> Settings:
    return make_settings(botapi_url, simulator_url, db_url, admin_chat_ids=[ADMIN_ID])


@pytest.fixture
def alerts(bot: BotHarness) -> BotHarness:
    return paused(bot)


async def test_stats_for_admins_count_chats_subscribers_and_todays_alerts(
    alerts: BotHarness,
) -> None:
    # Today's figures are today's: the alerts go out now, at the current minute in Rome.
    now = floor_minute(datetime.now(UTC))
    local = now.astimezone(alerts.settings.timezone)
    happy = await subscribe(alerts, name="Ada", daily=f"{local:%H:%M}")
    gone = await subscribe(alerts, name="Gio", daily=f"{local:%H:%M}")
    await alerts.playground.block(gone)
    report = await dispatch(alerts, now)
    assert report.sent and report.blocked == [gone]
    admin = await alerts.playground.create_user("Admin", user_id=ADMIN_ID)

    await alerts.playground.send_text(admin.id, "/stats")
    stats = await alerts.playground.next_message(admin.id, "Bot statistics")

    assert happy != gone
    assert "Linked chats: 2" in stats.content
    assert "Alert subscribers: 1" in stats.content  # blocking switched the other one off
    assert "Chats that blocked the bot: 1" in stats.content
    assert "Alerts today: 1 sent, 1 failed, 0 being sent" in stats.content

    # Another alert goes out: the refresh button shows it in the same message.
    await subscribe(alerts, name="Ivo", daily=f"{local:%H:%M}")
    assert len((await dispatch(alerts, now, since=now - MINUTE)).sent) == 1
    await alerts.playground.press(admin.id, stats.message_id, text="🔄 Refresh")
    refreshed = await alerts.playground.next_message(admin.id, "Bot statistics")
    assert refreshed.message_id == stats.message_id and refreshed.edited
    assert "Alerts today: 2 sent, 1 failed, 0 being sent" in refreshed.content


async def test_stats_is_an_unknown_command_for_everybody_else(alerts: BotHarness) -> None:
    user = await alerts.user("Mallory")
    await alerts.playground.send_text(user.id, "/stats")
    answer = await alerts.playground.next_message(user.id)

    assert "/help" in answer.content
    assert "Linked chats" not in answer.content
