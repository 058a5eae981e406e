"""Database tables as typed SQLAlchemy 2 models.

Every table says in `info["erasure"]` which of its columns identify a person, so `erase_chat`
covers a new table as soon as it declares it (and refuses to run while one does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from bot.digiwatt.models import OnboardingRequest
from storage.schedule import check_hhmm, check_time_zone, in_quiet_hours
from storage.types import BigIntId, JSONType, UTCDateTime, utcnow

DEFAULT_TIME_ZONE = "Europe/Rome"
DEFAULT_DAILY_TIME = "08:00"
MAX_REMINDER_LEAD_MINUTES = 240

# Stable constraint names: the same on both engines, and what Alembic needs to alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@dataclass(frozen=True)
class ErasurePolicy:
    """Which columns of a table identify the person whose chat is erased."""

    telegram_ids: tuple[str, ...] = ()  # rows whose column holds the chat's or user's id go
    account: tuple[str, ...] = ()  # rows whose column holds the chat's account number go
    nullify_telegram_ids: tuple[str, ...] = ()  # other rows keep living, this column is cleared


NOT_PERSONAL = ErasurePolicy()


def erasure(policy: ErasurePolicy) -> dict[str, Any]:
    return {"info": {"erasure": policy}}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        bool: Boolean(),
    }


# --- chats and accounts ---------------------------------------------------------------------------


class Chat(Base):
    """A Telegram chat the bot talks to; `language` None means the user has not chosen yet."""

    __tablename__ = "chats"
    __table_args__ = erasure(ErasurePolicy(telegram_ids=("id",), nullify_telegram_ids=("user_id",)))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(8))
    # The Telegram client's language, as last seen: what alerts use until the user chooses.
    client_language: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    blocked: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @validates("time_zone")
    def _valid_zone(self, _key: str, value: str) -> str:
        return check_time_zone(value)

    @property
    def effective_language(self) -> str | None:
        """The user's choice, else their Telegram client's language."""
        return self.language or self.client_language


class Account(Base):
    """A Digiwatt account known to the bot: the row that linking locks to count its chats."""

    __tablename__ = "accounts"
    __table_args__ = erasure(ErasurePolicy(account=("account_number",)))

    account_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountLink(Base):
    """This chat speaks for this account (one account per chat, a few chats per account)."""

    __tablename__ = "account_links"
    __table_args__ = (
        Index(None, "account_number"),
        {
            "info": {
                "erasure": ErasurePolicy(telegram_ids=("chat_id",), account=("account_number",))
            }
        },
    )

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    account_number: Mapped[str] = mapped_column(
        String(32), ForeignKey("accounts.account_number", ondelete="CASCADE")
    )
    pod: Mapped[str] = mapped_column(String(32))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- household ------------------------------------------------------------------------------------


class HouseholdProfile(Base):
    """The onboarding last submitted for an account (the household belongs to the account)."""

    __tablename__ = "household_profiles"
    __table_args__ = erasure(ErasurePolicy(account=("account_number",)))

    account_number: Mapped[str] = mapped_column(
        String(32), ForeignKey("accounts.account_number", ondelete="CASCADE"), primary_key=True
    )
    onboarding: Mapped[dict[str, Any]]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def request(self) -> OnboardingRequest:
        return OnboardingRequest.model_validate(self.onboarding)


class HouseholdProfileVersion(Base):
    """Every onboarding ever submitted, newest last: what changed and when."""

    __tablename__ = "household_profile_history"
    __table_args__ = (
        Index(None, "account_number", "submitted_at"),
        {"info": {"erasure": ErasurePolicy(account=("account_number",))}},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(
        String(32), ForeignKey("accounts.account_number", ondelete="CASCADE")
    )
    onboarding: Mapped[dict[str, Any]]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def request(self) -> OnboardingRequest:
        return OnboardingRequest.model_validate(self.onboarding)


# --- alerts ---------------------------------------------------------------------------------------


class AlertSubscription(Base):
    """What alerts a chat wants, in its own time zone; times are local `HH:MM`.

    Three independent opt-ins: `enabled` (the daily push at `daily_time`), reminders
    (`reminder_lead_minutes` before each green window; None = off) and `weekly_recap`.
    `paused_until` and a blocked chat stop all three; `snoozed_on` skips one local day.
    """

    __tablename__ = "alert_subscriptions"
    __table_args__ = (
        # "Who is due now" looks up (zone, local time) pairs: this index answers it directly.
        Index(None, "time_zone", "daily_time"),
        Index(None, "reminder_lead_minutes"),
        {"info": {"erasure": ErasurePolicy(telegram_ids=("chat_id",))}},
    )

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    daily_time: Mapped[str] = mapped_column(String(5), default=DEFAULT_DAILY_TIME)
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    reminder_lead_minutes: Mapped[int | None] = mapped_column(Integer)
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    paused_until: Mapped[datetime | None]
    snoozed_on: Mapped[date | None]  # local date whose alerts are skipped ("not today")
    weekly_recap: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @validates("daily_time", "quiet_start", "quiet_end")
    def _valid_time(self, _key: str, value: str | None) -> str | None:
        return None if value is None else check_hhmm(value)

    @validates("time_zone")
    def _valid_zone(self, _key: str, value: str) -> str:
        return check_time_zone(value)

    @validates("reminder_lead_minutes")
    def _valid_lead(self, _key: str, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_REMINDER_LEAD_MINUTES:
            raise ValueError(f"reminder lead must be 1 to {MAX_REMINDER_LEAD_MINUTES} minutes")
        return value

    def in_quiet_hours(self, local_hhmm: str) -> bool:
        """Whether a local `HH:MM` falls in the quiet hours (which may span midnight)."""
        return in_quiet_hours(self.quiet_start, self.quiet_end, local_hhmm)


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


class AlertDelivery(Base):
    """One alert to one chat: claimed before sending, so it is never sent twice."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index(None, "status", "claimed_at"),
        {"info": {"erasure": ErasurePolicy(telegram_ids=("chat_id",))}},
    )

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # e.g. "daily:2025-03-30" or "reminder:2025-03-30T11:00Z": the primary key is the uniqueness.
    alert_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default=DeliveryStatus.CLAIMED)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))


# --- links and audit ------------------------------------------------------------------------------


class SpentLinkToken(Base):
    """A deep-link token already used; only its SHA-256 is kept, and only until it expires."""

    __tablename__ = "spent_link_tokens"
    __table_args__ = (Index(None, "expires_at"), {"info": {"erasure": NOT_PERSONAL}})

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class AuditEvent(Base):
    """Link, unlink and erase events. Erasure deletes the person's rows and leaves one
    anonymous "erase" row with the counts (see storage/repositories/erasure.py)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "chat_id"),
        Index(None, "account_number"),
        {
            "info": {
                "erasure": ErasurePolicy(telegram_ids=("chat_id",), account=("account_number",))
            }
        },
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    account_number: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None]


# --- python-telegram-bot persistence --------------------------------------------------------------


class PtbUserData(Base):
    __tablename__ = "ptb_user_data"
    __table_args__ = erasure(ErasurePolicy(telegram_ids=("user_id",)))

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PtbChatData(Base):
    __tablename__ = "ptb_chat_data"
    __table_args__ = erasure(ErasurePolicy(telegram_ids=("chat_id",)))

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PtbGlobal(Base):
    """bot_data and callback_data: shared by every chat, so never personal (keep it that way)."""

    __tablename__ = "ptb_globals"
    __table_args__ = erasure(NOT_PERSONAL)

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PtbConversation(Base):
    """One ConversationHandler state; the key tuple is stored as a JSON list."""

    __tablename__ = "ptb_conversations"
    __table_args__ = (
        Index(None, "first_id"),
        Index(None, "second_id"),
        {"info": {"erasure": ErasurePolicy(telegram_ids=("first_id", "second_id"))}},
    )

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # The key's first two integers (chat and/or user id): what erasure looks rows up by.
    first_id: Mapped[int | None] = mapped_column(BigInteger)
    second_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[Any] = mapped_column(JSONType)  # any JSON value, tagged by storage.codec
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
