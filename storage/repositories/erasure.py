"""Right to erasure: one call removes every row about a chat, its user and its account.

Choice for the audit trail: the person's link/unlink rows are deleted with everything else, and
one "erase" row is added that holds only the time and the counts — no chat id, no account
number, not even a salted hash (a hash of an account number can be recomputed by whoever knows
the number and the salt, so it would still identify the person). The operator can prove that
erasures happen and how much they removed, not whom they were for.

Every table declares in `info["erasure"]` (storage.models.ErasurePolicy) which columns identify
a person; a table without a declaration stops erasure with an error rather than being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AccountLink, Base, Chat, ErasurePolicy
from storage.repositories import audit
from storage.types import utcnow


@dataclass(frozen=True)
class Erasure:
    """What was deleted: rows per table (tables with none are left out)."""

    deleted: dict[str, int] = field(default_factory=dict)
    # Other chats linked to the same account, unlinked now: the bot may tell them.
    unlinked_chat_ids: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def policy(table: Table) -> ErasurePolicy:
    found = table.info.get("erasure")
    if not isinstance(found, ErasurePolicy):
        raise RuntimeError(
            f"table {table.name} declares no erasure policy: add info={{'erasure': ...}} "
            "(storage.models.ErasurePolicy) so erase_chat knows what in it identifies a person"
        )
    return found


async def erase_chat(
    session: AsyncSession, chat_id: int, *, now: datetime | None = None
) -> Erasure:
    """Delete every row about the chat, its user and its linked account (everywhere: other
    chats' links to that account go too, as the account itself is gone)."""
    policies = [(table, policy(table)) for table in reversed(Base.metadata.sorted_tables)]
    await session.flush()  # the caller's pending changes first, then the deletes over them
    chat = await session.get(Chat, chat_id)
    ids = {chat_id} | ({chat.user_id} if chat is not None and chat.user_id is not None else set())
    link = await session.get(AccountLink, chat_id)
    account = link.account_number if link is not None else None
    others: list[int] = []
    if account is not None:
        others = list(
            (
                await session.scalars(
                    select(AccountLink.chat_id).where(
                        AccountLink.account_number == account, AccountLink.chat_id != chat_id
                    )
                )
            ).all()
        )

    deleted: dict[str, int] = {}
    for table, rule in policies:  # children before parents
        conditions = [table.c[name].in_(sorted(ids)) for name in rule.telegram_ids]
        if account is not None:
            conditions += [table.c[name] == account for name in rule.account]
        if conditions:
            count = (await session.execute(delete(table).where(or_(*conditions)))).rowcount
            if count:
                deleted[table.name] = count
        for name in rule.nullify_telegram_ids:
            await session.execute(
                update(table).where(table.c[name].in_(sorted(ids))).values({name: None})
            )

    session.expunge_all()  # loaded objects may describe rows that no longer exist
    now = now or utcnow()
    for other in others:
        await audit.record(
            session,
            audit.AuditKind.UNLINK,
            chat_id=other,
            detail={"reason": "account erased"},
            now=now,
        )
    await audit.record(session, audit.AuditKind.ERASE, detail={"deleted": deleted}, now=now)
    return Erasure(deleted=deleted, unlinked_chat_ids=tuple(sorted(others)))
