"""The audit trail: who linked or unlinked which account, and when erasures happened."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent
from storage.types import utcnow


class AuditKind(StrEnum):
    LINK = "link"
    UNLINK = "unlink"
    ERASE = "erase"


async def record(
    session: AsyncSession,
    event: AuditKind,
    *,
    chat_id: int | None = None,
    account_number: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    session.add(
        AuditEvent(
            event=str(event),
            chat_id=chat_id,
            account_number=account_number,
            detail=detail,
            occurred_at=now or utcnow(),
        )
    )
    await session.flush()


async def recent(
    session: AsyncSession, *, chat_id: int | None = None, limit: int = 50
) -> list[AuditEvent]:
    """Newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if chat_id is not None:
        stmt = stmt.where(AuditEvent.chat_id == chat_id)
    return list((await session.scalars(stmt)).all())
