"""Appointments: the kinds a shop offers, their free slots, and the bookings made.

Times are aware datetimes in UTC everywhere but at the edges: opening hours are the
shop's wall-clock times in its timezone, and the shopper sees slots in their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One stretch of a weekday on which appointments may start, in shop time.
    An appointment starts at ``start``, ``start + step`` … and ends by ``end``."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class AppointmentType:
    id: str  # "installation"
    name: str  # "Installation visit"
    duration_min: int
    # weekday (0 = Monday) → the stretches appointments fit in; a missing day is closed.
    hours: dict[int, tuple[OpeningHours, ...]]
    capacity: int = 1  # appointments that may share one start time (advisors, vans …)
    step_min: int = 0  # minutes between start times; 0: the duration
    min_notice_min: int = 0  # earliest start: this long after now …
    min_notice_working_days: int = 0  # … and this many working days ahead (Mon–Sat, no holidays)
    horizon_days: int = 28  # latest start: this many days from today
    holidays: frozenset[date] = frozenset()  # this type only; the shop's apply too
    price: str = ""  # shown to the shopper: "£49", "free"
    description: str = ""
    needs_order: bool = False  # installation and return pickup name the order they are for
    # Words a shopper uses for it: "installation", "assemble", "fit" …
    keywords: tuple[str, ...] = ()

    @property
    def step(self) -> int:
        return self.step_min or self.duration_min


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The shop's appointment set-up (appointments.toml)."""

    timezone: ZoneInfo
    types: tuple[AppointmentType, ...]
    holidays: frozenset[date] = frozenset()
    # Working days for minimum notice: Monday to Saturday unless the shop says otherwise.
    working_days: frozenset[int] = frozenset(range(6))
    # Reschedule and cancel for free up to this long before (shown in the confirmation).
    free_change_hours: int = 24

    def type(self, type_id: str) -> AppointmentType | None:
        return next((t for t in self.types if t.id == type_id), None)


@dataclass(frozen=True, slots=True)
class Slot:
    """A start time of one appointment type that still has room."""

    type_id: str
    start: datetime  # UTC
    end: datetime  # UTC
    free: int = 1  # places left at this start time

    @property
    def key(self) -> str:
        """What an option or a form carries: "slot:2026-12-01T10:00Z"."""
        return f"slot:{self.start.strftime('%Y-%m-%dT%H:%MZ')}"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Booking:
    ref: str  # "NW-7K3QXD": what the shopper quotes
    type_id: str
    start: datetime  # UTC
    end: datetime  # UTC
    email: str
    status: BookingStatus = BookingStatus.BOOKED
    customer_id: str | None = None  # a verified customer's id; None for a visitor
    conversation_id: str | None = None  # the chat it was booked in, if any
    order_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Which of the slot's places it holds (0 … capacity-1); set by the store.
    seat: int = 0

    @property
    def active(self) -> bool:
        return self.status is BookingStatus.BOOKED
