"""Initial schema: chats, account links, households, alerts, link tokens, audit, PTB persistence.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here rather than imported from storage.types: a migration must not change when
# the models do later.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
SURROGATE_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, TIMESTAMP, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("blocked", sa.Boolean(), server_default=sa.false(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    op.create_table(
        "accounts",
        sa.Column("account_number", sa.String(length=32), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("account_number", name=op.f("pk_accounts")),
    )
    op.create_table(
        "account_links",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("pod", sa.String(length=32), nullable=False),
        _timestamp("linked_at"),
        sa.ForeignKeyConstraint(
            ["account_number"],
            ["accounts.account_number"],
            name=op.f("fk_account_links_account_number_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_account_links_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_account_links")),
    )
    op.create_index(op.f("ix_account_links_account_number"), "account_links", ["account_number"])

    op.create_table(
        "household_profiles",
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("onboarding", JSON, nullable=False),
        _timestamp("submitted_at"),
        sa.ForeignKeyConstraint(
            ["account_number"],
            ["accounts.account_number"],
            name=op.f("fk_household_profiles_account_number_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_number", name=op.f("pk_household_profiles")),
    )
    op.create_table(
        "household_profile_history",
        sa.Column("id", SURROGATE_ID, autoincrement=True, nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("onboarding", JSON, nullable=False),
        _timestamp("submitted_at"),
        sa.ForeignKeyConstraint(
            ["account_number"],
            ["accounts.account_number"],
            name=op.f("fk_household_profile_history_account_number_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_profile_history")),
    )
    op.create_index(
        op.f("ix_household_profile_history_account_number_submitted_at"),
        "household_profile_history",
        ["account_number", "submitted_at"],
    )

    op.create_table(
        "alert_subscriptions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("daily_time", sa.String(length=5), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("reminder_lead_minutes", sa.Integer(), nullable=True),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        _timestamp("paused_until", nullable=True),
        sa.Column("snoozed_on", sa.Date(), nullable=True),
        sa.Column("weekly_recap", sa.Boolean(), server_default=sa.false(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_alert_subscriptions_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_alert_subscriptions")),
    )
    op.create_index(
        op.f("ix_alert_subscriptions_time_zone_daily_time"),
        "alert_subscriptions",
        ["time_zone", "daily_time"],
    )
    op.create_index(
        op.f("ix_alert_subscriptions_reminder_lead_minutes"),
        "alert_subscriptions",
        ["reminder_lead_minutes"],
    )

    op.create_table(
        "alert_deliveries",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("alert_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("claimed_at"),
        _timestamp("sent_at", nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_alert_deliveries_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "alert_key", name=op.f("pk_alert_deliveries")),
    )
    op.create_index(
        op.f("ix_alert_deliveries_status_claimed_at"), "alert_deliveries", ["status", "claimed_at"]
    )

    op.create_table(
        "spent_link_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _timestamp("spent_at"),
        _timestamp("expires_at"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_spent_link_tokens")),
    )
    op.create_index(op.f("ix_spent_link_tokens_expires_at"), "spent_link_tokens", ["expires_at"])

    op.create_table(
        "audit_events",
        sa.Column("id", SURROGATE_ID, autoincrement=True, nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        _timestamp("occurred_at"),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("account_number", sa.String(length=32), nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_chat_id"), "audit_events", ["chat_id"])
    op.create_index(op.f("ix_audit_events_account_number"), "audit_events", ["account_number"])

    op.create_table(
        "ptb_user_data",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", JSON, nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_ptb_user_data")),
    )
    op.create_table(
        "ptb_chat_data",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("data", JSON, nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_ptb_chat_data")),
    )
    op.create_table(
        "ptb_globals",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("data", JSON, nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ptb_globals")),
    )
    op.create_table(
        "ptb_conversations",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=True),
        sa.Column("second_id", sa.BigInteger(), nullable=True),
        sa.Column("state", JSON, nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_ptb_conversations")),
    )
    op.create_index(op.f("ix_ptb_conversations_first_id"), "ptb_conversations", ["first_id"])
    op.create_index(op.f("ix_ptb_conversations_second_id"), "ptb_conversations", ["second_id"])


def downgrade() -> None:
    for table in (
        "ptb_conversations",
        "ptb_globals",
        "ptb_chat_data",
        "ptb_user_data",
        "audit_events",
        "spent_link_tokens",
        "alert_deliveries",
        "alert_subscriptions",
        "household_profile_history",
        "household_profiles",
        "account_links",
        "accounts",
        "chats",
    ):
        op.drop_table(table)  # its indexes go with it
