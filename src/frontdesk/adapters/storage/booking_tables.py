"""Appointments booked, on the conversation store's metadata (one schema, one
migration history).

Unlike the other tables, times here are timezone-aware DateTimes: a slot is an
instant that two bookings must name identically, and ``taken`` groups by it. The
store hands the database UTC only, so SQLite (which keeps the text and drops the
offset) and PostgreSQL (timestamptz) compare and group the same instants alike.

Capacity is enforced here, not in code: an active booking holds one numbered place
(``seat``, 0 … capacity-1) of its slot, and the partial unique index lets no two
active bookings hold the same place. A cancelled row drops out of the index, which
is what frees its place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.adapters.storage.tables import Base

REF = 16
TYPE_ID = 64
STATUS = 16
EMAIL = 320  # RFC 5321's longest address
CUSTOMER_ID = 200  # as conversations.customer_id
CONVERSATION_ID = 32  # as conversations.id
ORDER_ID = 64

ACTIVE = "status = 'booked'"


class AppointmentRow(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        Index(
            "uq_appointments_active_seat",
            "type_id",
            "starts_at",
            "seat",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
        # The free-slot read: a type's bookings over a range of start times.
        Index("ix_appointments_type_start", "type_id", "starts_at"),
    )

    ref: Mapped[str] = mapped_column(String(REF), primary_key=True)
    type_id: Mapped[str] = mapped_column(String(TYPE_ID))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seat: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(STATUS))
    email: Mapped[str] = mapped_column(String(EMAIL))
    customer_id: Mapped[str | None] = mapped_column(String(CUSTOMER_ID), nullable=True, index=True)
    # No foreign key: a booking outlives the chat it was made in, and bookings made
    # on the booking page have none.
    conversation_id: Mapped[str | None] = mapped_column(
        String(CONVERSATION_ID), nullable=True, index=True
    )
    order_id: Mapped[str | None] = mapped_column(String(ORDER_ID), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
