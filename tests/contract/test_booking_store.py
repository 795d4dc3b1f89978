"""The BookingStore contract; SQLite and PostgreSQL run the very same tests.

The store alone keeps a slot from holding more active bookings than its capacity, so
the races are tested as they happen in production: many threads on one store, and
two stores on two engines (two workers), all booking one slot at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, inspect, select, text

from frontdesk.adapters.storage.booking_store import (
    DuplicateBookingRefError,
    SqlBookingStore,
    appointments,
)
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import MIGRATIONS, head_revision, upgrade
from frontdesk.core.booking.model import Booking, BookingStatus
from frontdesk.errors import BookingNotFoundError, SlotTakenError, StorageError
from tests.databases import BACKENDS, database_url

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
PARIS = ZoneInfo("Europe/Paris")
THREADS = 20


@pytest.fixture
def store(db_url: str) -> Iterator[SqlBookingStore]:
    engine = make_engine(db_url)
    store = SqlBookingStore(engine)
    yield store
    store.close()
    engine.dispose()  # the store never disposes an engine: it is the caller's


def _booking(ref: str, start: datetime = T0, type_id: str = "installation", **kw: Any) -> Booking:
    return Booking(ref, type_id, start, start + HOUR, "alex@example.com", **kw)


def _active_rows(store: SqlBookingStore) -> int:
    with store.engine.connect() as connection:
        count = connection.execute(
            select(func.count())
            .select_from(appointments)
            .where(appointments.c.status == BookingStatus.BOOKED.value)
        ).scalar_one()
    return int(count)


def test_a_booking_comes_back_as_it_was_in_utc(store: SqlBookingStore) -> None:
    # 10:00 in Paris is 09:00 UTC: stored and returned as the same instant, in UTC.
    paris = T0.astimezone(PARIS)
    booked = store.book(
        _booking(
            "NW-AAAAAA", paris, customer_id="cus_1", conversation_id="c" * 32, order_id="1059"
        ),
        capacity=1,
    )
    assert booked.start == T0 and booked.start.tzinfo is UTC and booked.end == T0 + HOUR
    assert booked.seat == 0 and booked.active
    assert booked.created_at is not None and booked.created_at.tzinfo is UTC
    assert booked.updated_at == booked.created_at
    got = store.get("NW-AAAAAA")
    assert got == booked
    assert got is not None and got.created_at is not None
    assert got.start.tzinfo is UTC and got.created_at.tzinfo is UTC
    assert store.get("NW-ZZZZZZ") is None


def test_taken_counts_active_bookings_per_start(store: SqlBookingStore) -> None:
    store.book(_booking("R1"), capacity=3)
    store.book(_booking("R2"), capacity=3)
    store.book(_booking("R3", T0 + HOUR), capacity=3)
    store.book(_booking("R4", T0, "return-pickup"), capacity=3)  # another type
    store.book(_booking("R5", T0 + 2 * HOUR), capacity=3)
    store.cancel("R5")  # cancelled: not counted
    store.book(_booking("R6", T0 + 3 * HOUR), capacity=3)  # at the end: outside [start, end)
    store.book(_booking("R7", T0 - HOUR), capacity=3)  # before the start

    taken = store.taken("installation", T0, T0 + 3 * HOUR)
    assert taken == {T0: 2, T0 + HOUR: 1}
    # The keys are the very instants booked: aware UTC, usable as dict keys.
    assert all(at.tzinfo is UTC for at in taken)
    assert taken[T0] == 2 and taken[T0 + HOUR] == 1
    # The range may be given in any timezone.
    assert store.taken("installation", T0.astimezone(PARIS), (T0 + HOUR).astimezone(PARIS)) == {
        T0: 2
    }
    assert store.taken("nothing", T0, T0 + HOUR) == {}


def _race(attempts: Sequence[Callable[[], Booking]]) -> tuple[list[Booking], int]:
    """Run every attempt at the same moment; the bookings made and the SlotTakenErrors."""
    barrier = threading.Barrier(len(attempts))

    def go(attempt: Callable[[], Booking]) -> Booking | None:
        barrier.wait()
        try:
            return attempt()
        except SlotTakenError:
            return None

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        results = list(pool.map(go, attempts))
    booked = [b for b in results if b is not None]
    return booked, len(results) - len(booked)


@pytest.mark.parametrize("capacity", [1, 3])
def test_many_threads_never_over_book_a_slot(store: SqlBookingStore, capacity: int) -> None:
    attempts = [partial(store.book, _booking(f"T-{i:02d}"), capacity) for i in range(THREADS)]
    booked, refused = _race(attempts)
    assert len(booked) == capacity and refused == THREADS - capacity
    assert sorted(b.seat for b in booked) == list(range(capacity))
    assert _active_rows(store) == capacity
    assert store.taken("installation", T0, T0 + HOUR) == {T0: capacity}


@pytest.mark.parametrize("capacity", [1, 3])
def test_two_workers_never_over_book_a_slot(
    store: SqlBookingStore, db_url: str, capacity: int
) -> None:
    other_engine = make_engine(db_url)
    other = SqlBookingStore(other_engine)
    try:
        workers = [store, other]
        attempts = [
            partial(workers[i % 2].book, _booking(f"W-{i:02d}"), capacity) for i in range(THREADS)
        ]
        booked, refused = _race(attempts)
        assert len(booked) == capacity and refused == THREADS - capacity
        assert sorted(b.seat for b in booked) == list(range(capacity))
        assert _active_rows(store) == capacity
        assert other.taken("installation", T0, T0 + HOUR) == {T0: capacity}
    finally:
        other.close()
        other_engine.dispose()


def test_a_full_slot_refuses_and_stores_nothing(store: SqlBookingStore) -> None:
    store.book(_booking("A"), capacity=1)
    with pytest.raises(SlotTakenError, match="nothing was booked"):
        store.book(_booking("B"), capacity=1)
    assert store.get("B") is None
    # A larger capacity (say, a second advisor today) opens a second place.
    assert store.book(_booking("B"), capacity=2).seat == 1


def test_cancelling_frees_the_place(store: SqlBookingStore) -> None:
    first = store.book(_booking("A"), capacity=1)
    cancelled = store.cancel("A")
    assert cancelled.status is BookingStatus.CANCELLED and not cancelled.active
    assert cancelled.updated_at is not None and first.updated_at is not None
    assert cancelled.updated_at >= first.updated_at
    assert store.get("A") == cancelled
    assert store.book(_booking("B"), capacity=1).seat == 0
    assert store.taken("installation", T0, T0 + HOUR) == {T0: 1}


def test_rescheduling_moves_a_booking_to_a_free_place(store: SqlBookingStore) -> None:
    store.book(_booking("A"), capacity=1)
    later = T0 + 2 * HOUR
    moved = store.reschedule("A", later.astimezone(PARIS), later + HOUR, capacity=1)
    assert (moved.start, moved.end, moved.seat) == (later, later + HOUR, 0)
    assert moved.start.tzinfo is UTC and moved.active
    assert store.get("A") == moved
    assert store.taken("installation", T0, T0 + 3 * HOUR) == {later: 1}
    assert store.book(_booking("B"), capacity=1).start == T0  # the old slot is free again


def test_rescheduling_to_the_slot_it_holds_succeeds(store: SqlBookingStore) -> None:
    store.book(_booking("A"), capacity=1)
    same = store.reschedule("A", T0, T0 + HOUR, capacity=1)
    assert same.start == T0 and same.seat == 0 and same.active
    assert _active_rows(store) == 1


def test_rescheduling_into_a_full_slot_leaves_the_booking_alone(store: SqlBookingStore) -> None:
    before = store.book(_booking("A"), capacity=1)
    store.book(_booking("B", T0 + HOUR), capacity=1)
    with pytest.raises(SlotTakenError, match="not moved"):
        store.reschedule("A", T0 + HOUR, T0 + 2 * HOUR, capacity=1)
    assert store.get("A") == before
    assert store.taken("installation", T0, T0 + 2 * HOUR) == {T0: 1, T0 + HOUR: 1}


def test_concurrent_reschedules_into_one_place_move_one_booking(store: SqlBookingStore) -> None:
    for i in range(6):
        store.book(_booking(f"M-{i}", T0 + i * HOUR), capacity=1)
    target = T0 + 10 * HOUR
    attempts = [partial(store.reschedule, f"M-{i}", target, target + HOUR, 1) for i in range(6)]
    moved, refused = _race(attempts)
    assert len(moved) == 1 and refused == 5
    assert store.taken("installation", target, target + HOUR) == {target: 1}
    assert _active_rows(store) == 6


def test_only_active_bookings_can_be_changed(store: SqlBookingStore) -> None:
    store.book(_booking("A"), capacity=1)
    store.cancel("A")
    changes: list[Callable[[], Booking]] = [
        lambda: store.cancel("A"),
        lambda: store.reschedule("A", T0 + HOUR, T0 + 2 * HOUR, capacity=1),
        lambda: store.cancel("NW-UNKNOWN"),
        lambda: store.reschedule("NW-UNKNOWN", T0, T0 + HOUR, capacity=1),
    ]
    for change in changes:
        with pytest.raises(BookingNotFoundError, match="may have been cancelled"):
            change()
    assert store.get("A").status is BookingStatus.CANCELLED  # type: ignore[union-attr]


def test_a_customers_and_a_conversations_bookings_are_found(store: SqlBookingStore) -> None:
    chat = "c" * 32
    store.book(_booking("SOON", T0, customer_id="cus_1", conversation_id=chat), capacity=3)
    store.book(_booking("LATER", T0 + 2 * HOUR, customer_id="cus_1"), capacity=3)
    store.book(_booking("GONE", T0 + HOUR, customer_id="cus_1", conversation_id=chat), capacity=3)
    store.cancel("GONE")
    store.book(
        _booking("PAST", T0 - 3 * HOUR, customer_id="cus_1", conversation_id=chat), capacity=3
    )
    store.book(_booking("SAMS", T0, customer_id="cus_2", conversation_id="d" * 32), capacity=3)

    def refs(found: list[Booking]) -> list[str]:
        return [b.ref for b in found]

    assert refs(store.of_customer("cus_1", T0 - HOUR)) == ["SOON", "LATER"]
    # Ending after ``after``: one under way still counts, one just ended does not.
    assert refs(store.of_customer("cus_1", T0 + HOUR / 2)) == ["SOON", "LATER"]
    assert refs(store.of_customer("cus_1", T0 + HOUR)) == ["LATER"]
    assert refs(store.of_customer("cus_1", (T0 - 6 * HOUR).astimezone(PARIS))) == [
        "PAST",
        "SOON",
        "LATER",
    ]
    assert refs(store.of_customer("cus_9", T0 - HOUR)) == []
    assert refs(store.of_conversation(chat, T0 - HOUR)) == ["SOON"]
    assert refs(store.of_conversation("d" * 32, T0 - HOUR)) == ["SAMS"]
    assert all(b.start.tzinfo is UTC for b in store.of_customer("cus_1", T0 - HOUR))


def test_naive_times_are_refused(store: SqlBookingStore) -> None:
    naive = T0.replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.book(_booking("A", naive), capacity=1)
    assert store.get("A") is None
    with pytest.raises(ValueError, match="timezone-aware"):
        store.taken("installation", naive, T0 + HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.of_customer("cus_1", naive)
    store.book(_booking("B"), capacity=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.reschedule("B", naive, naive + HOUR, capacity=1)
    assert store.get("B").start == T0  # type: ignore[union-attr]


def test_a_duplicate_ref_is_not_a_full_slot(store: SqlBookingStore) -> None:
    first = store.book(_booking("A"), capacity=1)
    for start in (T0 + HOUR, T0):  # a free slot, and its own full one
        with pytest.raises(DuplicateBookingRefError, match="already exists") as raised:
            store.book(_booking("A", start), capacity=1)
        assert not isinstance(raised.value, SlotTakenError)
    assert store.get("A") == first


def test_a_ref_booked_twice_at_once_is_stored_once(store: SqlBookingStore) -> None:
    # Different free slots, so only the primary key can clash: the losers must hear
    # about the ref, never that their slot was full.
    barrier = threading.Barrier(8)

    def go(i: int) -> str:
        barrier.wait()
        try:
            store.book(_booking("SAME", T0 + i * HOUR), capacity=1)
        except DuplicateBookingRefError:
            return "duplicate"
        return "booked"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(go, range(8)))
    assert sorted(outcomes) == ["booked"] + ["duplicate"] * 7
    assert _active_rows(store) == 1


def test_an_unusable_database_is_a_storage_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    store = SqlBookingStore(engine)
    try:
        with pytest.raises(StorageError, match="nothing was booked"):
            store.book(_booking("A"), capacity=1)
        with pytest.raises(StorageError):
            store.get("A")
    finally:
        store.close()
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0004_downgrades_and_upgrades_keeping_conversations(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO conversations (id, token_hash, mode, created_at, "
                        "updated_at, last_seq, timezone) "
                        "VALUES ('c1', 'h', 'bot', 1, 1, 1, 'Europe/Paris')"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO events (conversation_id, seq, source, kind, text, at) "
                        "VALUES ('c1', 1, 'customer', 'message', 'hi', 1)"
                    )
                )
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.downgrade(config, "0003")
            schema = inspect(engine)
            assert "appointments" not in schema.get_table_names()
            assert "timezone" not in {col["name"] for col in schema.get_columns("conversations")}
            with engine.connect() as connection:
                # The events survived: the column was dropped in place, not by copy.
                assert connection.execute(text("SELECT count(*) FROM events")).scalar_one() == 1
            assert upgrade(engine) == head_revision()
            assert "appointments" in inspect(engine).get_table_names()
        finally:
            engine.dispose()
