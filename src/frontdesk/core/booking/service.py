"""Appointments: book, move and cancel, for the chat and the booking pages alike.

Every change is checked here against the calendar (past, too soon, out of hours,
full) and made by the store, which alone guarantees capacity under concurrency.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frontdesk.core.booking.calendar import PER_DAY, Calendar, utc_now
from frontdesk.core.booking.model import AppointmentType, Booking, BookingRules, Slot
from frontdesk.core.booking.wording import day_name
from frontdesk.core.nlu.entities import EMAIL
from frontdesk.core.ports import BookingLinks, BookingStore
from frontdesk.errors import BookingNotFoundError, InputError, SlotTakenError

REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
REF_LENGTH = 6
REF_PREFIX = "BK-"
MAX_EMAIL = 254


class SlotRefusedError(InputError):
    """A start time that cannot be booked (past, too soon, out of hours, full)."""

    code = "slot_refused"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Owner:
    """Who a booking is for and where it was made."""

    email: str
    customer_id: str | None = None
    conversation_id: str | None = None
    order_id: str | None = None


def new_ref() -> str:
    return REF_PREFIX + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))


def checked_email(text: str) -> str:
    """The email as typed, trimmed; InputError saying what is wrong otherwise."""
    email = text.strip().strip("<>").strip()
    if len(email) > MAX_EMAIL or EMAIL.fullmatch(email) is None:
        raise InputError(
            f"{email[:60]!r} doesn't look like an email address; please type it like "
            "name@example.com."
        )
    return email


def zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class Appointments:
    def __init__(
        self,
        rules: BookingRules,
        store: BookingStore,
        *,
        links: BookingLinks | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.rules = rules
        self.store = store
        # None: no secret to sign links with (the CLI); confirmations then go without.
        self.links = links
        self.calendar = Calendar(rules, store, clock=clock)

    @property
    def zone(self) -> ZoneInfo:
        return self.rules.timezone

    def now(self) -> datetime:
        return self.calendar.now()

    def kind(self, type_id: str) -> AppointmentType:
        kind = self.rules.type(type_id)
        if kind is None:
            names = ", ".join(t.id for t in self.rules.types)
            raise InputError(f"There is no appointment type {type_id[:40]!r}; choose {names}.")
        return kind

    def free(
        self,
        kind: AppointmentType,
        *,
        day: date | None = None,
        viewer: ZoneInfo | None = None,
        limit: int = 4,
        per_day: int | None = PER_DAY,
    ) -> list[Slot]:
        return self.calendar.free(kind, day=day, viewer=viewer, limit=limit, per_day=per_day)

    def nothing_on(self, kind: AppointmentType, day: date) -> str:
        """Why ``day`` offers no free time of ``kind``, for the shopper."""
        calendar = self.calendar
        name = day_name(day)
        if day < calendar.today():
            return f"{name} has already passed."
        if day > calendar.last_day(kind):
            return f"We take bookings up to {kind.horizon_days} days ahead only."
        if not calendar.is_open(kind, day):
            return f"We don't do {kind.name.lower()}s on {name}."
        starts = calendar.starts_on(kind, day)
        if starts and starts[-1] < calendar.earliest(kind):
            refusal = calendar.refusal(kind, starts[-1])  # says how much notice it needs
            if refusal is not None:
                return f"{name} is too soon: {refusal.text}"
        return f"There's nothing free on {name}."

    def check(self, kind: AppointmentType, start: datetime) -> None:
        """SlotTakenError when every place is booked (whoever sees it, the store
        losing a race or this check, it is the same news); SlotRefusedError when the
        time cannot be booked at all."""
        refusal = self.calendar.refusal(kind, start)
        if refusal is None:
            return
        if refusal.reason == "full":
            raise SlotTakenError(refusal.text)
        raise SlotRefusedError(refusal.text, refusal.reason)

    def book(self, type_id: str, start: datetime, owner: Owner) -> Booking:
        """Book ``start``: SlotRefusedError when it cannot be booked, SlotTakenError
        when it is full; nothing is stored in either case."""
        kind = self.kind(type_id)
        email = checked_email(owner.email)
        start = start.astimezone(UTC)
        self.check(kind, start)
        booking = Booking(
            ref=new_ref(),
            type_id=kind.id,
            start=start,
            end=start + timedelta(minutes=kind.duration_min),
            email=email,
            customer_id=owner.customer_id,
            conversation_id=owner.conversation_id,
            order_id=owner.order_id,
        )
        return self.store.book(booking, kind.capacity)

    def get(self, ref: str) -> Booking:
        booking = self.store.get(ref)
        if booking is None:
            raise BookingNotFoundError(f"No booking {ref[:20]!r}; check the reference.")
        return booking

    def reschedule(self, ref: str, start: datetime) -> Booking:
        booking = self._changeable(ref)
        kind = self.kind(booking.type_id)
        start = start.astimezone(UTC)
        if start != booking.start:
            self.check(kind, start)
        end = start + timedelta(minutes=kind.duration_min)
        return self.store.reschedule(ref, start, end, kind.capacity)

    def cancel(self, ref: str) -> Booking:
        self._changeable(ref)
        return self.store.cancel(ref)

    def _changeable(self, ref: str) -> Booking:
        """An appointment that has started can no longer be moved or cancelled."""
        booking = self.get(ref)
        if booking.active and booking.start <= self.now():
            raise InputError(
                f"Your appointment {booking.ref} has already started or taken place, so it "
                "can't be changed here any more. Please contact us if something went wrong."
            )
        return booking

    def upcoming(
        self, *, customer_id: str | None = None, conversation_id: str | None = None
    ) -> list[Booking]:
        """Active bookings not yet over: a verified customer's, or those made in this
        conversation (all a visitor can be trusted with)."""
        now = self.now()
        found: dict[str, Booking] = {}
        if customer_id is not None:
            found.update((b.ref, b) for b in self.store.of_customer(customer_id, now))
        if conversation_id is not None:
            found.update((b.ref, b) for b in self.store.of_conversation(conversation_id, now))
        return sorted(found.values(), key=lambda b: b.start)

    def parse_slot_key(self, key: str) -> datetime | None:
        """The start time an option or form field carries ("slot:2026-12-01T10:00Z")."""
        if not key.startswith("slot:"):
            return None
        try:
            return datetime.strptime(key.removeprefix("slot:"), "%Y-%m-%dT%H:%MZ").replace(
                tzinfo=UTC
            )
        except ValueError:
            return None
