"""Chats remember their Telegram client's language, so alerts speak it before a choice is made.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both engines (SQLite >= 3.35 drops columns natively): a batch "move and
# copy" of `chats` would cascade-delete every row that references it on SQLite.


def upgrade() -> None:
    op.add_column("chats", sa.Column("client_language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("chats", "client_language")
