"""Escalation's tables, on the conversation store's metadata (one schema, one
migration history): the console's agents and their sessions, the cases that follow
a conversation through the queue, the shoppers' ratings and the agents' feedback.

Times are Double epoch seconds, as in tables.py: cases are compared with
``time.time()``, and a float reads back as the very same instant on SQLite and
PostgreSQL.

"One open case per conversation" is the database's to guarantee, not the code's: a
partial unique index (the technique of uq_appointments_active_seat) refuses a second
queued or claimed case of a conversation, so two workers escalating at once make one
case. A returned or closed case drops out of the index, which lets the conversation
be escalated again later.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.adapters.storage.tables import Base

ID = 64  # agent and case ids
NAME = 200
EMAIL = 320  # RFC 5321's longest address
ROLE = 16
STATUS = 16
QUEUE = 64
KIND = 40  # trigger kinds and verdicts
HASH = 255  # a password hash ("scrypt$n$r$p$salt$hash") or a session id's sha256
CONVERSATION_ID = 32  # as conversations.id
CUSTOMER_ID = 200  # as conversations.customer_id
TOPIC = 200  # "faq:12", "intent:complaint"

# The SQL text of "open" shared by the index and the migration; the statuses are
# CaseStatus.QUEUED and CaseStatus.CLAIMED.
OPEN = "status IN ('queued', 'claimed')"
SCORE_RANGE = "score BETWEEN 1 AND 5"


class AgentRow(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("email", name="uq_agents_email"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    # Always stored lower-case, so the unique constraint means one agent per address
    # whatever its case, and a sign-in lookup is a plain indexed equality.
    email: Mapped[str] = mapped_column(String(EMAIL))
    name: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(ROLE))
    queues: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str] = mapped_column(String(HASH))
    created_at: Mapped[float] = mapped_column(Double)
    # The console's last heartbeat: who counts as online for the wait estimate.
    last_seen_at: Mapped[float | None] = mapped_column(Double, nullable=True)


class AgentSessionRow(Base):
    __tablename__ = "agent_sessions"

    # Only the hash of a session id is kept: a copy of the database signs nobody in.
    id_hash: Mapped[str] = mapped_column(String(HASH), primary_key=True)
    agent_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[float] = mapped_column(Double)
    expires_at: Mapped[float] = mapped_column(Double)


class CaseRow(Base):
    __tablename__ = "escalation_cases"
    __table_args__ = (
        Index(
            "uq_escalation_cases_open",
            "conversation_id",
            unique=True,
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
        # A conversation's cases newest first (``latest``).
        Index("ix_escalation_cases_conversation_created", "conversation_id", "created_at"),
        # The queue: open cases oldest first.
        Index("ix_escalation_cases_status_created", "status", "created_at"),
        # Reports read a period of cases; the wait estimate reads recently ended ones.
        Index("ix_escalation_cases_created_at", "created_at"),
        Index("ix_escalation_cases_ended_at", "ended_at"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    # No foreign key: a case is a record of what happened for the reports, read by
    # conversation id only, and conversations are never deleted.
    conversation_id: Mapped[str] = mapped_column(String(CONVERSATION_ID))
    queue: Mapped[str] = mapped_column(String(QUEUE))
    # The kind on its own for grouping in SQL; the whole trigger (reason, evidence,
    # score) as JSON for the agent and for tuning.
    trigger_kind: Mapped[str] = mapped_column(String(KIND))
    trigger: Mapped[dict[str, object]] = mapped_column(JSON)
    topic: Mapped[str] = mapped_column(String(TOPIC))
    topic_label: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(STATUS))
    created_at: Mapped[float] = mapped_column(Double)
    customer_id: Mapped[str | None] = mapped_column(String(CUSTOMER_ID), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    claimed_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    ended_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    note: Mapped[str] = mapped_column(Text)


class CaseRatingRow(Base):
    __tablename__ = "case_ratings"
    __table_args__ = (CheckConstraint(SCORE_RANGE, name="ck_case_ratings_score"),)

    # The case is the key: one rating per case, a second one replaces the first.
    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("escalation_cases.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[str] = mapped_column(String(CONVERSATION_ID))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[float] = mapped_column(Double, index=True)


class CaseFeedbackRow(Base):
    __tablename__ = "case_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(CONVERSATION_ID))
    agent_id: Mapped[str] = mapped_column(String(ID))
    verdict: Mapped[str] = mapped_column(String(KIND))
    event_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    right_entry_id: Mapped[str | None] = mapped_column(String(TOPIC), nullable=True)
    new_answer: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[float] = mapped_column(Double, index=True)
