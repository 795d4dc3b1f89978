"""Appointments booked, and the shopper's timezone on their conversation.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ACTIVE = "status = 'booked'"


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("ref", sa.String(16), primary_key=True),
        sa.Column("type_id", sa.String(64), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=True),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("order_id", sa.String(64), nullable=True),
        _when("created_at"),
        _when("updated_at"),
    )
    # One active booking per place of a slot: what makes over-booking impossible.
    op.create_index(
        "uq_appointments_active_seat",
        "appointments",
        ["type_id", "starts_at", "seat"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index("ix_appointments_type_start", "appointments", ["type_id", "starts_at"])
    op.create_index("ix_appointments_customer_id", "appointments", ["customer_id"])
    op.create_index("ix_appointments_conversation_id", "appointments", ["conversation_id"])
    op.add_column("conversations", sa.Column("timezone", sa.String(64), nullable=True))


def downgrade() -> None:
    # In place, not as a batch: on SQLite a batch copies the table and drops the
    # original, and with foreign keys on that drop would take every event with it.
    # SQLite has dropped columns in place since 3.35.
    op.drop_column("conversations", "timezone")
    op.drop_index("ix_appointments_conversation_id", table_name="appointments")
    op.drop_index("ix_appointments_customer_id", table_name="appointments")
    op.drop_index("ix_appointments_type_start", table_name="appointments")
    op.drop_index("uq_appointments_active_seat", table_name="appointments")
    op.drop_table("appointments")
