"""SqlBookingStore: the BookingStore port on SQLAlchemy 2 Core, in the conversation
store's database.

Capacity is the database's to guarantee, not this code's: an active booking holds one
numbered place (0 … capacity-1) of its slot, and a partial unique index
(booking_tables.py) refuses a second active booking in the same place. A booking
reads which places are free, then claims the lowest; a worker that lost the race for
it gets an IntegrityError and tries the next, until none is left.

Each claim is one statement in a transaction of its own, so it either takes the
place or changes nothing. That is on purpose: on PostgreSQL a failed statement
aborts the transaction around it, and with the pysqlite driver a SAVEPOINT taken
before the first write becomes the transaction itself (releasing it commits), so a
retry inside one transaction would need different tricks on each database. A
reschedule is likewise one UPDATE per place tried: the booking moves whole, or stays
where it was.

Times go in and come out as aware UTC datetimes. The database is only ever given
UTC: PostgreSQL keeps timestamptz, and SQLite (no timestamp type) gets the naive UTC
wall time, which SQLAlchemy writes as fixed-width text, so equal instants are equal
strings and ranges compare in time order. What SQLite gives back is naive, and is
read as UTC.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from frontdesk.adapters.storage.booking_tables import AppointmentRow
from frontdesk.adapters.storage.store import SqliteWriteLock, unavailable
from frontdesk.core.booking.model import Booking, BookingStatus
from frontdesk.errors import BookingNotFoundError, SlotTakenError

UNAVAILABLE = (
    "The booking store is not answering ({detail}). Check FRONTDESK_DATABASE_URL and "
    "that the database is running; nothing was booked or changed."
)
SLOT_TAKEN = (
    "That time has just been booked by someone else; nothing was booked. Please pick another time."
)
SLOT_TAKEN_MOVE = (
    "That time has just been booked by someone else, so your booking was not moved. "
    "Please pick another time."
)
NOT_FOUND = "No booking {ref} to change: it may have been cancelled."

appointments = cast(Table, AppointmentRow.__table__)
c = appointments.c
_ACTIVE = c.status == BookingStatus.BOOKED.value

# Built once, as in store.py. Bind names avoid the column names: in an UPDATE those
# are reserved for the SET clause.
INSERT = insert(appointments)
GET = select(appointments).where(c.ref == bindparam("booking_ref"))
SEATS_TAKEN = select(c.seat).where(
    c.type_id == bindparam("type_id_"),
    c.starts_at == bindparam("start"),
    _ACTIVE,
    # A booking moving within its own slot may keep (or reuse) its own place.
    c.ref != bindparam("booking_ref"),
)
TAKEN = (
    select(c.starts_at, func.count())
    .where(
        c.type_id == bindparam("type_id_"),
        _ACTIVE,
        c.starts_at >= bindparam("start"),
        c.starts_at < bindparam("end"),
    )
    .group_by(c.starts_at)
)
OF_CUSTOMER = (
    select(appointments)
    .where(c.customer_id == bindparam("owner"), _ACTIVE, c.ends_at > bindparam("after"))
    .order_by(c.starts_at, c.ref)
)
OF_CONVERSATION = (
    select(appointments)
    .where(c.conversation_id == bindparam("owner"), _ACTIVE, c.ends_at > bindparam("after"))
    .order_by(c.starts_at, c.ref)
)
MOVE = (
    update(appointments)
    .where(c.ref == bindparam("booking_ref"), _ACTIVE)
    .values(
        starts_at=bindparam("start"),
        ends_at=bindparam("end"),
        seat=bindparam("place"),
        updated_at=bindparam("now"),
    )
    .returning(*c)
)
CANCEL = (
    update(appointments)
    .where(c.ref == bindparam("booking_ref"), _ACTIVE)
    .values(status=BookingStatus.CANCELLED.value, updated_at=bindparam("now"))
    .returning(*c)
)


class DuplicateBookingRefError(ValueError):
    """``book`` was given a ref that is already stored. Refs are the caller's to make
    unique (they are random); make a new one and book again. Never a full slot."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlBookingStore:
    """Appointments in the conversation store's database. ``engine`` is shared with
    the conversation store and stays the caller's, as with the SQL CRM: ``close``
    releases what this store holds (the SQLite write-lock file) but never disposes
    the engine, which the conversation store's own ``close`` does."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._sqlite = engine.dialect.name == "sqlite"
        # The same lock file as the conversation store and the CRM: SQLite writes of
        # all three queue together.
        self._write_lock: contextlib.AbstractContextManager[object] = (
            SqliteWriteLock(engine.url.database) if self._sqlite else contextlib.nullcontext()
        )

    # ------------------------------------------------------------------ reads

    def taken(self, type_id: str, start: datetime, end: datetime) -> dict[datetime, int]:
        params = {"type_id_": type_id, "start": self._db(start), "end": self._db(end)}
        with self._read() as connection:
            rows = connection.execute(TAKEN, params).all()
        return {_aware(at): count for at, count in rows}

    def get(self, ref: str) -> Booking | None:
        with self._read() as connection:
            row = connection.execute(GET, {"booking_ref": ref}).first()
        return None if row is None else _booking(row)

    def of_customer(self, customer_id: str, after: datetime) -> list[Booking]:
        return self._of(OF_CUSTOMER, customer_id, after)

    def of_conversation(self, conversation_id: str, after: datetime) -> list[Booking]:
        return self._of(OF_CONVERSATION, conversation_id, after)

    # ----------------------------------------------------------------- writes

    def book(self, booking: Booking, capacity: int) -> Booking:
        if not booking.active:
            raise ValueError(f"Only an active booking can be booked, not {booking.status}.")
        start, end = _span(booking.start, booking.end)
        _check_capacity(capacity)
        now = _checked("now", self._clock())
        stored = replace(booking, start=start, end=end, created_at=now, updated_at=now)
        with self._read() as connection:
            if connection.execute(GET, {"booking_ref": booking.ref}).first() is not None:
                raise _duplicate(booking.ref)
            places = self._free(connection, booking.type_id, start, capacity, booking.ref)
        for place in places:
            try:
                with self._write() as connection:
                    connection.execute(INSERT, self._values(replace(stored, seat=place)))
            except IntegrityError as exc:
                # Either someone took this place first, or the ref arrived meanwhile.
                if self.get(booking.ref) is not None:
                    raise _duplicate(booking.ref) from exc
                continue
            return replace(stored, seat=place)
        raise SlotTakenError(SLOT_TAKEN, detail=f"{booking.type_id} at {start.isoformat()}")

    def reschedule(self, ref: str, start: datetime, end: datetime, capacity: int) -> Booking:
        start, end = _span(start, end)
        _check_capacity(capacity)
        with self._read() as connection:
            current = connection.execute(GET, {"booking_ref": ref}).first()
            if current is None or current.status != BookingStatus.BOOKED.value:
                raise BookingNotFoundError(NOT_FOUND.format(ref=ref))
            places = self._free(connection, current.type_id, start, capacity, ref)
        params = {
            "booking_ref": ref,
            "start": self._db(start),
            "end": self._db(end),
            "now": self._db(self._clock()),
        }
        for place in places:
            try:
                with self._write() as connection:
                    row = connection.execute(MOVE, {**params, "place": place}).first()
            except IntegrityError:
                continue  # taken meanwhile: the UPDATE changed nothing
            if row is None:  # cancelled since we read it
                raise BookingNotFoundError(NOT_FOUND.format(ref=ref))
            return _booking(row)
        raise SlotTakenError(SLOT_TAKEN_MOVE, detail=f"{ref} to {start.isoformat()}")

    def cancel(self, ref: str) -> Booking:
        with self._write() as connection:
            row = connection.execute(
                CANCEL, {"booking_ref": ref, "now": self._db(self._clock())}
            ).first()
        if row is None:
            raise BookingNotFoundError(NOT_FOUND.format(ref=ref))
        return _booking(row)

    def close(self) -> None:
        if isinstance(self._write_lock, SqliteWriteLock):
            self._write_lock.close()

    # ---------------------------------------------------------------- helpers

    def _of(self, statement: Select[Any], owner: str, after: datetime) -> list[Booking]:
        params = {"owner": owner, "after": self._db(_checked("after", after))}
        with self._read() as connection:
            return [_booking(row) for row in connection.execute(statement, params)]

    def _free(
        self, connection: Connection, type_id: str, start: datetime, capacity: int, ref: str
    ) -> list[int]:
        params = {"type_id_": type_id, "start": self._db(start), "booking_ref": ref}
        taken = set(connection.execute(SEATS_TAKEN, params).scalars())
        return [place for place in range(capacity) if place not in taken]

    def _db(self, value: datetime) -> datetime:
        """``value`` as this database keeps it: UTC, and naive on SQLite."""
        utc = _checked("a booking time", value)
        return utc.replace(tzinfo=None) if self._sqlite else utc

    def _values(self, booking: Booking) -> dict[str, object]:
        assert booking.created_at is not None and booking.updated_at is not None
        return {
            "ref": booking.ref,
            "type_id": booking.type_id,
            "starts_at": self._db(booking.start),
            "ends_at": self._db(booking.end),
            "seat": booking.seat,
            "status": booking.status.value,
            "email": booking.email,
            "customer_id": booking.customer_id,
            "conversation_id": booking.conversation_id,
            "order_id": booking.order_id,
            "created_at": self._db(booking.created_at),
            "updated_at": self._db(booking.updated_at),
        }

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _unavailable(), self._write_lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _unavailable(), self.engine.connect() as connection:
            yield connection


def _unavailable() -> contextlib.AbstractContextManager[None]:
    """Database failures as StorageError; an IntegrityError passes through for the
    caller to read as the taken place it is."""
    return unavailable(UNAVAILABLE)


def _checked(name: str, value: datetime) -> datetime:
    # A naive time is ambiguous (shop time? server time?) and would be stored as
    # whatever it happens to say: refuse it rather than book the wrong hour.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), not naive: {value}")
    return value.astimezone(UTC)


def _span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = _checked("start", start), _checked("end", end)
    if end <= start:
        raise ValueError(f"A booking must end after it starts: {start} to {end}.")
    return start, end


def _check_capacity(capacity: int) -> None:
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, not {capacity}.")


def _aware(value: datetime) -> datetime:
    """A time from the database as aware UTC (SQLite's are naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _duplicate(ref: str) -> DuplicateBookingRefError:
    return DuplicateBookingRefError(
        f"A booking {ref} already exists; nothing was booked. Book again under a new ref."
    )


def _booking(row: Row[Any]) -> Booking:
    return Booking(
        ref=row.ref,
        type_id=row.type_id,
        start=_aware(row.starts_at),
        end=_aware(row.ends_at),
        email=row.email,
        status=BookingStatus(row.status),
        customer_id=row.customer_id,
        conversation_id=row.conversation_id,
        order_id=row.order_id,
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        seat=row.seat,
    )
