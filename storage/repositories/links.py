"""Account links: one account per chat, at most N chats per account, safe under concurrency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Account, AccountLink, Chat
from storage.repositories import audit
from storage.repositories._sql import insert
from storage.types import utcnow

DEFAULT_MAX_CHATS_PER_ACCOUNT = 3


class LinkLimitReached(Exception):
    """The account is already linked from as many chats as allowed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"this account is already linked from {limit} chat(s), the maximum")


async def link(
    session: AsyncSession,
    chat_id: int,
    account_number: str,
    pod: str,
    *,
    max_chats_per_account: int = DEFAULT_MAX_CHATS_PER_ACCOUNT,
    now: datetime | None = None,
) -> AccountLink:
    """Link the chat to the account (replacing a link to another account) or raise
    `LinkLimitReached`. Linking the same account again only refreshes the POD."""
    now = now or utcnow()
    # Both rows may be new; ON CONFLICT keeps two concurrent first links from failing.
    await session.execute(
        insert(session, Chat)
        .values(id=chat_id, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
    )
    await session.execute(
        insert(session, Account)
        .values(account_number=account_number, created_at=now)
        .on_conflict_do_nothing()
    )
    # The account row is the lock: concurrent links to one account queue here on PostgreSQL
    # (SQLite's BEGIN IMMEDIATE already serialises writers), so the count below stays true.
    await session.execute(
        select(Account.account_number)
        .where(Account.account_number == account_number)
        .with_for_update()
    )
    current = await session.get(AccountLink, chat_id, populate_existing=True)
    if current is not None and current.account_number == account_number:
        current.pod = pod
        await session.flush()
        return current

    others = await session.scalar(
        select(func.count())
        .select_from(AccountLink)
        .where(AccountLink.account_number == account_number, AccountLink.chat_id != chat_id)
    )
    if (others or 0) >= max_chats_per_account:
        raise LinkLimitReached(max_chats_per_account)

    if current is not None:
        await audit.record(
            session,
            audit.AuditKind.UNLINK,
            chat_id=chat_id,
            account_number=current.account_number,
            now=now,
        )
        await session.delete(current)
        await session.flush()
    new = AccountLink(chat_id=chat_id, account_number=account_number, pod=pod, linked_at=now)
    session.add(new)
    await audit.record(
        session, audit.AuditKind.LINK, chat_id=chat_id, account_number=account_number, now=now
    )
    return new


async def get_link(session: AsyncSession, chat_id: int) -> AccountLink | None:
    return await session.get(AccountLink, chat_id)


async def unlink(
    session: AsyncSession, chat_id: int, *, now: datetime | None = None
) -> AccountLink | None:
    """Remove the chat's link (data stays at Digiwatt and in the household profile); returns
    the link that was removed, or None if the chat was not linked."""
    current = await session.get(AccountLink, chat_id)
    if current is None:
        return None
    await session.execute(delete(AccountLink).where(AccountLink.chat_id == chat_id))
    session.expunge(current)
    await audit.record(
        session,
        audit.AuditKind.UNLINK,
        chat_id=chat_id,
        account_number=current.account_number,
        now=now,
    )
    return current


async def chats_for_account(session: AsyncSession, account_number: str) -> list[int]:
    stmt = (
        select(AccountLink.chat_id)
        .where(AccountLink.account_number == account_number)
        .order_by(AccountLink.linked_at, AccountLink.chat_id)
    )
    return list((await session.scalars(stmt)).all())


async def count_linked_chats(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(AccountLink))).scalar_one()
