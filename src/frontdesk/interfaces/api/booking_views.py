"""What the booking pages show: the appointment types, free times grouped by day and
a booking's details, all in the shop's timezone with its name beside them.

These read the booking store, so they block: call them through run_in_threadpool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.core.booking.model import AppointmentType, Booking, Slot
from frontdesk.core.booking.service import Appointments
from frontdesk.core.booking.wording import day_name, type_label

# "The next free times": a few per day so the list reaches over several days.
NEXT_TIMES = 12
NEXT_PER_DAY = 4
# A day asked for by date shows all its free times (a working day has at most ~20).
DAY_TIMES = 64


@dataclass(frozen=True, slots=True)
class TypeChoice:
    id: str
    label: str  # "Installation visit (2 hours, £49)"
    description: str
    needs_order: bool


@dataclass(frozen=True, slots=True)
class TimeChoice:
    key: str  # the form value: "slot:2026-12-01T10:00Z"
    label: str  # "10:00–10:30", shop time
    start_iso: str  # for <time datetime=…>


@dataclass(frozen=True, slots=True)
class DayTimes:
    title: str  # "Thursday 26 November"
    times: tuple[TimeChoice, ...]


@dataclass(frozen=True, slots=True)
class TimePicker:
    """Free times to choose from, and the date input that shows another day's."""

    heading: str
    days: tuple[DayTimes, ...]
    note: str  # why the day asked for shows nothing; "" otherwise
    day_value: str  # the date input's value (ISO), "" for "the next free times"
    first_day: str  # the date input's min and max (ISO)
    last_day: str
    zone: str  # "Europe/London"


@dataclass(frozen=True, slots=True)
class BookingView:
    ref: str
    type_id: str
    type_name: str
    when: str  # "Thursday 26 November 2026, 10:00–10:30"
    start_iso: str  # for <time datetime=…>
    zone: str
    email: str
    order_id: str | None
    active: bool
    past: bool  # over already: nothing left to change
    change_note: str  # the free-change policy, or the late-change warning


def type_choices(appointments: Appointments) -> list[TypeChoice]:
    return [
        TypeChoice(t.id, type_label(t), t.description, t.needs_order)
        for t in appointments.rules.types
    ]


def time_picker(
    appointments: Appointments,
    kind: AppointmentType,
    day: date | None,
    exclude: datetime | None = None,
) -> TimePicker:
    """The free times of ``kind`` on the shop's ``day``, or the next free ones when no
    day is asked for or nothing is free on it (saying why); never ``exclude``, the
    time a booking being moved has already."""
    zone = appointments.zone
    calendar = appointments.calendar
    first = calendar.earliest(kind).astimezone(zone).date()
    last = calendar.last_day(kind)
    note = ""
    slots: list[Slot] = []
    heading = "The next free times"
    if day is not None:
        slots = _without(appointments.free(kind, day=day, viewer=zone, limit=DAY_TIMES), exclude)
        if slots:
            heading = f"Free times on {day_name(day)}"
        else:
            note = appointments.nothing_on(kind, day) + " Here are the next free times instead."
    if not slots:
        slots = appointments.free(kind, viewer=zone, limit=NEXT_TIMES + 1, per_day=NEXT_PER_DAY)
        slots = _without(slots, exclude)[:NEXT_TIMES]
    if not slots:
        note = (
            f"There are no free {kind.name.lower()} times in the next {kind.horizon_days} "
            "days. Please ask in the chat or contact us, and we'll find a time with you."
        )
    return TimePicker(
        heading=heading,
        days=_by_day(slots, zone),
        note=note,
        day_value=day.isoformat() if day is not None and not note else "",
        first_day=first.isoformat(),
        last_day=last.isoformat(),
        zone=zone.key,
    )


def booking_view(appointments: Appointments, booking: Booking) -> BookingView:
    zone = appointments.zone
    kind = appointments.rules.type(booking.type_id)
    now = appointments.now()
    hours = appointments.rules.free_change_hours
    if booking.start - now < timedelta(hours=hours):
        note = (
            f"It's less than {hours} hours away, so a late change or cancellation charge may apply."
        )
    else:
        note = f"You can move or cancel it free of charge up to {hours} hours before."
    return BookingView(
        ref=booking.ref,
        type_id=booking.type_id,
        type_name=booking.type_id if kind is None else kind.name,
        when=long_span(booking.start, booking.end, zone),
        start_iso=booking.start.isoformat(),
        zone=zone.key,
        email=booking.email,
        order_id=booking.order_id,
        active=booking.active,
        past=booking.end <= now,
        change_note=note,
    )


def long_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """ "Thursday 26 November 2026, 10:00–10:30" in ``zone``."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    text = f"{day_name(first.date())} {first.year}, {first:%H:%M}–{last:%H:%M}"
    if last.date() != first.date():
        text += f" on {day_name(last.date())}"
    return text


def _without(slots: list[Slot], start: datetime | None) -> list[Slot]:
    return [s for s in slots if s.start != start]


def _by_day(slots: list[Slot], zone: ZoneInfo) -> tuple[DayTimes, ...]:
    days: dict[date, list[TimeChoice]] = {}
    for slot in slots:
        start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
        days.setdefault(start.date(), []).append(
            TimeChoice(slot.key, f"{start:%H:%M}–{end:%H:%M}", slot.start.isoformat())
        )
    return tuple(DayTimes(day_name(d), tuple(times)) for d, times in days.items())
