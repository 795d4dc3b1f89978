"""Who of the shop's people said or did something in a conversation (the agent's name).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("author", sa.String(200), nullable=True))


def downgrade() -> None:
    # In place (SQLite ≥ 3.35), never as a batch copy: see 0004.
    op.drop_column("events", "author")
