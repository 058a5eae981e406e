"""Household profiles: the onboarding last submitted for an account, and every earlier one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.digiwatt.models import OnboardingRequest
from storage.models import Account, AccountLink, HouseholdProfile, HouseholdProfileVersion
from storage.repositories._sql import in_ids, insert
from storage.types import utcnow


async def save(
    session: AsyncSession,
    account_number: str,
    onboarding: OnboardingRequest,
    *,
    now: datetime | None = None,
) -> HouseholdProfile:
    """Store what was submitted as the current profile and append it to the history."""
    now = now or utcnow()
    data = onboarding.model_dump(mode="json")
    await session.execute(
        insert(session, Account)
        .values(account_number=account_number, created_at=now)
        .on_conflict_do_nothing()
    )
    profile = await session.get(HouseholdProfile, account_number)
    if profile is None:
        profile = HouseholdProfile(account_number=account_number, onboarding=data, submitted_at=now)
        session.add(profile)
    else:
        profile.onboarding = data
        profile.submitted_at = now
    session.add(
        HouseholdProfileVersion(account_number=account_number, onboarding=data, submitted_at=now)
    )
    await session.flush()
    return profile


async def latest(session: AsyncSession, account_number: str) -> HouseholdProfile | None:
    return await session.get(HouseholdProfile, account_number)


async def history(
    session: AsyncSession, account_number: str, *, limit: int | None = None
) -> list[HouseholdProfileVersion]:
    """Oldest first; `limit` keeps the newest ones."""
    stmt = (
        select(HouseholdProfileVersion)
        .where(HouseholdProfileVersion.account_number == account_number)
        .order_by(HouseholdProfileVersion.submitted_at.desc(), HouseholdProfileVersion.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(reversed((await session.scalars(stmt)).all()))


async def for_chats(session: AsyncSession, chat_ids: Iterable[int]) -> dict[int, OnboardingRequest]:
    """The household of each linked, onboarded chat, in one query (what alerts personalise)."""
    stmt = (
        select(AccountLink.chat_id, HouseholdProfile.onboarding)
        .join(HouseholdProfile, HouseholdProfile.account_number == AccountLink.account_number)
        .where(in_ids(session, AccountLink.chat_id, chat_ids))
    )
    rows = (await session.execute(stmt)).all()
    return {chat_id: OnboardingRequest.model_validate(data) for chat_id, data in rows}
