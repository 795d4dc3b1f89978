"""Where a conversation came in (the shop's web widget, or a channel the shop's own
integration names), and an index to read a period of conversations for analytics.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every conversation before this revision came through the widget or the REST
    # API it uses: "web" is what they were.
    op.add_column(
        "conversations",
        sa.Column("channel", sa.String(32), nullable=False, server_default="web"),
    )
    op.create_index("ix_conversations_created_at", "conversations", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_created_at", table_name="conversations")
    # In place (SQLite ≥ 3.35), never as a batch copy: see 0004.
    op.drop_column("conversations", "channel")
