"""The tables: conversations, and the append-only log of their events."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    # Indexed: analytics read a period of conversations.
    created_at: Mapped[float] = mapped_column(Double, index=True)
    updated_at: Mapped[float] = mapped_column(Double)
    # The highest seq given out; bumped in the same transaction as the insert, which
    # is what serialises appends to one conversation across workers.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Indexed: a CRM webhook finds the customer's open conversations by it.
    customer_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    customer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    customer_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    # The shopper's IANA timezone ("Europe/Paris"), from their browser: slots and
    # bookings are shown to them in it.
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Where it came in: "web" (the widget) or a channel the shop's integration names.
    channel: Mapped[str] = mapped_column(String(32), server_default="web")


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_events_conversation_seq"),
        UniqueConstraint(
            "conversation_id", "client_message_id", name="uq_events_conversation_client_id"
        ),
        Index("ix_events_conversation_reply_to", "conversation_id", "reply_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[float] = mapped_column(Double)
    client_message_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reply_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Why the bot said it: the whole Reply record (entry ids, confidence, options …).
    reply: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Double, nullable=True)
    mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The agent's name on what a person of the shop said or did ("Sam").
    author: Mapped[str | None] = mapped_column(String(200), nullable=True)


# The CRM and booking tables share this metadata, so Alembic and the schema test see
# them too.
from frontdesk.adapters.storage import booking_tables, crm_tables, escalation_tables  # noqa: E402, F401
