"""Escalation: the console's agents and their sessions, the cases that follow a
conversation through the queue, the shoppers' ratings and the agents' feedback.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID, NAME, EMAIL, ROLE, STATUS, QUEUE, KIND, HASH = 64, 200, 320, 16, 16, 64, 40, 255
CONVERSATION_ID, CUSTOMER_ID, TOPIC = 32, 200, 200
OPEN = "status IN ('queued', 'claimed')"


def _when(name: str, *, nullable: bool = False) -> sa.Column[float]:
    return sa.Column(name, sa.Double(), nullable=nullable)


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False)


def upgrade() -> None:
    _agents()
    _cases()
    _ratings()
    _feedback()


def _agents() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("email", sa.String(EMAIL), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("role", sa.String(ROLE), nullable=False),
        sa.Column("queues", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(HASH), nullable=False),
        _when("created_at"),
        _when("last_seen_at", nullable=True),
        sa.UniqueConstraint("email", name="uq_agents_email"),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("id_hash", sa.String(HASH), primary_key=True),
        sa.Column(
            "agent_id",
            sa.String(ID),
            sa.ForeignKey("agents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _when("created_at"),
        _when("expires_at"),
    )
    op.create_index("ix_agent_sessions_agent_id", "agent_sessions", ["agent_id"])


def _cases() -> None:
    op.create_table(
        "escalation_cases",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("conversation_id", sa.String(CONVERSATION_ID), nullable=False),
        sa.Column("queue", sa.String(QUEUE), nullable=False),
        sa.Column("trigger_kind", sa.String(KIND), nullable=False),
        sa.Column("trigger", sa.JSON(), nullable=False),
        sa.Column("topic", sa.String(TOPIC), nullable=False),
        _text("topic_label"),
        sa.Column("status", sa.String(STATUS), nullable=False),
        _when("created_at"),
        sa.Column("customer_id", sa.String(CUSTOMER_ID), nullable=True),
        sa.Column("agent_id", sa.String(ID), nullable=True),
        _when("claimed_at", nullable=True),
        _when("ended_at", nullable=True),
        _text("note"),
    )
    # One open case per conversation: what makes two escalations at once one case.
    op.create_index(
        "uq_escalation_cases_open",
        "escalation_cases",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    for name, columns in (
        ("ix_escalation_cases_conversation_created", ["conversation_id", "created_at"]),
        ("ix_escalation_cases_status_created", ["status", "created_at"]),
        ("ix_escalation_cases_created_at", ["created_at"]),
        ("ix_escalation_cases_ended_at", ["ended_at"]),
    ):
        op.create_index(name, "escalation_cases", columns)


def _case_fk(*, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(
        "case_id",
        sa.String(ID),
        sa.ForeignKey("escalation_cases.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _ratings() -> None:
    op.create_table(
        "case_ratings",
        _case_fk(primary_key=True),  # one rating per case
        sa.Column("conversation_id", sa.String(CONVERSATION_ID), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        _text("comment"),
        _when("at"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_case_ratings_score"),
    )
    op.create_index("ix_case_ratings_at", "case_ratings", ["at"])


def _feedback() -> None:
    op.create_table(
        "case_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _case_fk(),
        sa.Column("conversation_id", sa.String(CONVERSATION_ID), nullable=False),
        sa.Column("agent_id", sa.String(ID), nullable=False),
        sa.Column("verdict", sa.String(KIND), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=True),
        sa.Column("right_entry_id", sa.String(TOPIC), nullable=True),
        _text("new_answer"),
        _text("comment"),
        _when("at"),
    )
    op.create_index("ix_case_feedback_case_id", "case_feedback", ["case_id"])
    op.create_index("ix_case_feedback_at", "case_feedback", ["at"])


def downgrade() -> None:
    # Dependants first; dropping a table drops its indexes with it.
    for table in ("case_feedback", "case_ratings", "escalation_cases", "agent_sessions", "agents"):
        op.drop_table(table)
