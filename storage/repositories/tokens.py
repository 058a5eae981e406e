"""Single-use deep-link tokens: spending one twice fails, expired ones are purged."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SpentLinkToken
from storage.repositories._sql import insert
from storage.types import utcnow


def token_hash(token: str) -> str:
    # Tokens carry the account number: only a digest is kept, so the table identifies no one.
    return hashlib.sha256(token.encode()).hexdigest()


async def spend(
    session: AsyncSession, token: str, *, expires_at: datetime, now: datetime | None = None
) -> bool:
    """True the first time a valid token is spent; False if already spent or expired."""
    now = now or utcnow()
    if expires_at <= now:
        return False
    stmt = (
        insert(session, SpentLinkToken)
        .values(token_hash=token_hash(token), spent_at=now, expires_at=expires_at)
        .on_conflict_do_nothing()
        .returning(SpentLinkToken.token_hash)
    )
    return (await session.execute(stmt)).first() is not None


async def purge_expired(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Forget spent tokens that have expired anyway (they cannot be replayed)."""
    result = await session.execute(
        delete(SpentLinkToken).where(SpentLinkToken.expires_at <= (now or utcnow()))
    )
    return result.rowcount
