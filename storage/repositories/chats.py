"""Chats: created on first contact, their language, time zone and whether they blocked the bot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from storage.models import DEFAULT_TIME_ZONE, AlertSubscription, Chat
from storage.repositories._sql import insert
from storage.schedule import check_time_zone
from storage.types import utcnow


async def get(session: AsyncSession, chat_id: int) -> Chat | None:
    return await session.get(Chat, chat_id)


async def upsert(
    session: AsyncSession,
    chat_id: int,
    user_id: int | None = None,
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    now: datetime | None = None,
) -> Chat:
    """Create the chat on first contact; later calls refresh `user_id` and clear `blocked`
    (a user who writes has unblocked the bot). `time_zone` only applies to a new chat."""
    now = now or utcnow()
    stmt = insert(session, Chat).values(
        id=chat_id,
        user_id=user_id,
        time_zone=check_time_zone(time_zone),
        blocked=False,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Chat.id],
        set_={
            "user_id": func.coalesce(stmt.excluded.user_id, Chat.user_id),
            "blocked": False,
            "updated_at": now,
        },
    ).returning(Chat)
    result = await session.scalars(stmt, execution_options={"populate_existing": True})
    return result.one()


async def upsert_from_update(
    session: AsyncSession, update: Update, *, time_zone: str = DEFAULT_TIME_ZONE
) -> Chat | None:
    """`upsert` for the update's chat; None for updates without a chat (inline queries...)."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    return await upsert(session, chat.id, user.id if user else None, time_zone=time_zone)


async def set_language(session: AsyncSession, chat_id: int, language: str | None) -> None:
    """The user's choice (`it`, `en`); None goes back to following the Telegram client."""
    if language is not None and not 2 <= len(language) <= 8:
        raise ValueError(f"not a language code: {language!r}")
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(language=language, updated_at=utcnow())
    )


async def set_client_language(session: AsyncSession, chat_id: int, language: str | None) -> None:
    """The language the user's Telegram client reports, used until they choose one."""
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(client_language=language, updated_at=utcnow())
    )


async def set_time_zone(session: AsyncSession, chat_id: int, time_zone: str) -> None:
    """The chat's zone, and its alert subscription's with it (alerts follow the user)."""
    check_time_zone(time_zone)
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(time_zone=time_zone, updated_at=utcnow())
    )
    await session.execute(
        update(AlertSubscription)
        .where(AlertSubscription.chat_id == chat_id)
        .values(time_zone=time_zone, updated_at=utcnow())
    )


async def mark_blocked(session: AsyncSession, chat_id: int, blocked: bool = True) -> None:
    """The user blocked the bot (Telegram said Forbidden): every alert is switched off (daily
    push, reminders, weekly recap); writing to the bot again clears `blocked`, and alerts come
    back when they turn them on again in /settings."""
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(blocked=blocked, updated_at=utcnow())
    )
    if blocked:
        await session.execute(
            update(AlertSubscription)
            .where(AlertSubscription.chat_id == chat_id)
            .values(
                enabled=False, reminder_lead_minutes=None, weekly_recap=False, updated_at=utcnow()
            )
        )


async def count(session: AsyncSession, *, blocked: bool | None = None) -> int:
    stmt = select(func.count()).select_from(Chat)
    if blocked is not None:
        stmt = stmt.where(Chat.blocked.is_(blocked))
    return (await session.execute(stmt)).scalar_one()
