"""Invariants of the database after a beating: every table there, references intact, states valid."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ConversationHandler

from bot.app import BotApplication
from handlers.onboarding.draft import Draft
from handlers.onboarding.screen import DRAFT_KEY
from storage.db import is_sqlite, transaction
from storage.models import AccountLink, Base
from storage.persistence import DatabasePersistence

# (child table, column, parent table, column): rows that must always point at an existing row.
REFERENCES = (
    ("account_links", "chat_id", "chats", "id"),
    ("account_links", "account_number", "accounts", "account_number"),
    ("alert_subscriptions", "chat_id", "chats", "id"),
    ("alert_deliveries", "chat_id", "chats", "id"),
    ("household_profiles", "account_number", "accounts", "account_number"),
    ("household_profile_history", "account_number", "accounts", "account_number"),
)


def conversations(application: BotApplication) -> dict[str, ConversationHandler]:
    """The persistent conversations by name."""
    return {
        handler.name: handler
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler) and handler.persistent and handler.name
    }


async def database_problems(application: BotApplication) -> list[str]:
    """What is wrong in the bot's database (an empty list when everything holds)."""
    await application.update_persistence()  # what PTB still holds in memory, written first
    resources = application.bot_data
    assert resources.sessionmaker is not None and resources.settings is not None
    sessions: async_sessionmaker[AsyncSession] = resources.sessionmaker
    problems: list[str] = []
    async with transaction(sessions, read_only=True) as session:
        for table in Base.metadata.sorted_tables:  # every table still there (no DROP got through)
            await session.execute(select(func.count()).select_from(table))
        for child, column, parent, key in REFERENCES:
            orphans = (
                await session.execute(
                    text(
                        f"SELECT count(*) FROM {child} c WHERE NOT EXISTS "  # noqa: S608 - constants
                        f"(SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
                    )
                )
            ).scalar_one()
            if orphans:
                problems.append(f"{orphans} {child} rows point at no {parent}")
        if is_sqlite(resources.settings.database_url):
            broken = (await session.execute(text("PRAGMA foreign_key_check"))).all()
            problems += [f"foreign key broken: {row}" for row in broken]
        limit = resources.settings.max_chats_per_account
        crowded = (
            await session.execute(
                select(AccountLink.account_number, func.count())
                .group_by(AccountLink.account_number)
                .having(func.count() > limit)
            )
        ).all()
        problems += [f"account {a} linked from {n} chats (limit {limit})" for a, n in crowded]
    problems += await _state_problems(application, sessions)
    return problems


async def _state_problems(
    application: BotApplication, sessions: async_sessionmaker[AsyncSession]
) -> list[str]:
    """Every stored conversation state is one of its conversation's states, and the onboarding's
    state agrees with the draft it goes with."""
    stored = DatabasePersistence(sessions)
    chat_data = await stored.get_chat_data()
    problems = []
    for name, handler in conversations(application).items():
        valid = set(handler.states)
        for key, state in (await stored.get_conversations(name)).items():
            if state is None:
                continue
            if state not in valid:
                problems.append(f"{name} {key}: state {state!r} is not a state")
            if name == "onboarding":
                problems += _draft_problems(key, state, chat_data.get(key[0], {}))
    return problems


def _draft_problems(key: Any, state: Any, data: dict[str, Any]) -> list[str]:
    draft = Draft.from_json(data.get(DRAFT_KEY))
    if draft is None:
        return [f"onboarding {key}: in state {state!r} without a draft"]
    if not draft.active or draft.step.value != state:
        return [f"onboarding {key}: state {state!r} but the draft is {data.get(DRAFT_KEY)}"]
    return []
