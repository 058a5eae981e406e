"""Shared steps of the conversation tests: deep-link tokens, linking, the database and the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translator
from bot.links import issue_token
from playground.client import ChatMessage
from playground.client_models import User
from simulator.customers import Customer
from storage.db import transaction
from storage.models import AccountLink, Base
from tests.fixtures.app import LINK_SECRET, BotHarness
from tests.fixtures.simulator import simulator_token

LINKED = "is now linked to your Digiwatt account"


def token_for(
    customer: Customer,
    *,
    with_pod: bool = True,
    ttl: timedelta = timedelta(days=7),
    now: datetime | None = None,
    secret: str = LINK_SECRET,
) -> str:
    """A deep-link token as `digiwatt-bot link-url` would print it."""
    return issue_token(
        SecretStr(secret),
        customer.account_number,
        customer.pod if with_pod else None,
        ttl,
        now=now or datetime.now(UTC),
    )


async def link_by_token(bot: BotHarness, user: User, customer: Customer) -> ChatMessage:
    """Open the bot through a fresh deep link and wait for the confirmation."""
    await bot.playground.start(user.id, token_for(customer))
    return await bot.playground.next_message(user.id, LINKED)


async def link_of(bot: BotHarness, chat_id: int) -> AccountLink | None:
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker, read_only=True) as session:
        return await session.get(AccountLink, chat_id)


async def row_counts(bot: BotHarness) -> dict[str, int]:
    """Rows in every table, after PTB's persistence has written what it holds."""
    await bot.application.update_persistence()
    sessionmaker = bot.application.bot_data.sessionmaker
    assert sessionmaker is not None
    async with transaction(sessionmaker, read_only=True) as session:
        return {
            table.name: (
                await session.execute(select(func.count()).select_from(table))
            ).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def simulator_status(simulator_url: str, account_number: str) -> int:
    """HTTP status of yesterday's consumption at the simulator: 200 while the user exists."""
    response = httpx.get(
        f"{simulator_url}/users/{account_number}/consumption/yesterday",
        headers={"Authorization": f"Bearer {simulator_token(simulator_url)}"},
        timeout=10,
    )
    return response.status_code


async def send_old_button(bot: BotHarness, chat_id: int, data: str, label: str = "Old") -> None:
    """A message with one button carrying `data`, as an older version of the bot could have sent."""
    await bot.application.bot.send_message(
        chat_id,
        "An older message",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]]),
    )
    await bot.playground.next_message(chat_id, "An older message")


def italian(english: str) -> str:
    """What an Italian user sees for an English source string."""
    translated = translator("it")(english)
    assert translated != english, f"no Italian translation for {english!r}"
    return translated
