"""Free slots and refusals: opening hours in the shop's wall-clock time across
daylight-saving changes, notice, horizon, holidays and capacity, on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from frontdesk.adapters.storage.booking_store import SqlBookingStore
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.core.booking.calendar import Calendar
from frontdesk.core.booking.model import AppointmentType, Booking, BookingRules, OpeningHours
from frontdesk.core.booking.service import Appointments, Owner
from frontdesk.errors import InputError, SlotTakenError

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MON_SAT = dict.fromkeys(range(6), (OpeningHours(time(9), time(17)),))


def kind(**changes: object) -> AppointmentType:
    values: dict[str, object] = {
        "id": "consultation",
        "name": "Video call",
        "duration_min": 30,
        "hours": MON_SAT,
        "capacity": 2,
    }
    values.update(changes)
    return AppointmentType(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlBookingStore]:
    engine = make_engine(f"sqlite:///{tmp_path / 'booking.db'}")
    upgrade(engine)
    yield SqlBookingStore(engine)
    engine.dispose()


def calendar(store: SqlBookingStore, now: datetime, *types: AppointmentType) -> Calendar:
    rules = BookingRules(LONDON, types or (kind(),), holidays=frozenset({date(2026, 12, 25)}))
    return Calendar(rules, store, clock=lambda: now)


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def test_opening_hours_stay_on_the_wall_clock_across_the_spring_change(
    store: SqlBookingStore,
) -> None:
    # Clocks go forward on Sunday 29 March 2026: 9:00 is 09:00 UTC on Friday the
    # 27th and 08:00 UTC on Monday the 30th.
    cal = calendar(store, datetime(2026, 3, 26, 12, tzinfo=UTC))
    friday = cal.starts_on(kind(), date(2026, 3, 27))
    monday = cal.starts_on(kind(), date(2026, 3, 30))
    assert friday[0] == datetime(2026, 3, 27, 9, tzinfo=UTC)
    assert monday[0] == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert len(friday) == len(monday) == 16  # 9:00 … 16:30


def test_a_wall_time_skipped_by_the_clocks_is_not_offered_and_a_doubled_one_once(
    store: SqlBookingStore,
) -> None:
    night = kind(hours={6: (OpeningHours(time(0), time(3)),)}, duration_min=60)
    cal = calendar(store, datetime(2026, 3, 20, tzinfo=UTC), night)
    spring = cal.starts_on(night, date(2026, 3, 29))  # 1:00 does not exist that night
    assert [s.astimezone(LONDON).hour for s in spring] == [0, 2]
    autumn = cal.starts_on(night, date(2026, 10, 25))  # 1:00 happens twice
    assert [s.astimezone(LONDON).hour for s in autumn] == [0, 1, 2]
    assert autumn[1] == datetime(2026, 10, 25, 0, tzinfo=UTC)  # the first 1:00 (BST)


def test_slots_shown_in_the_shoppers_timezone_follow_their_own_dst_dates(
    store: SqlBookingStore,
) -> None:
    # New York moves its clocks on 8 March, London on 29 March: between the two, a
    # 9:00 London call is 5:00 in New York; before both, 4:00.
    now = datetime(2026, 3, 2, 6, tzinfo=UTC)
    cal = calendar(store, now, kind(horizon_days=30))
    before = cal.free(kind(horizon_days=30), day=date(2026, 3, 3), viewer=NEW_YORK, limit=1)
    between = cal.free(kind(horizon_days=30), day=date(2026, 3, 10), viewer=NEW_YORK, limit=1)
    assert before[0].start.astimezone(NEW_YORK).hour == 4
    assert between[0].start.astimezone(NEW_YORK).hour == 5


def test_notice_horizon_holidays_and_closed_days(store: SqlBookingStore) -> None:
    tuesday_noon = datetime(2026, 12, 22, 12, tzinfo=UTC)
    visit = kind(id="installation", min_notice_working_days=2, horizon_days=14)
    call = kind(min_notice_min=120)
    cal = calendar(store, tuesday_noon, visit, call)
    # Two working days after Tuesday 22nd, with Christmas Day a holiday: Wed 23, Thu 24.
    assert cal.earliest(visit) == local(date(2026, 12, 24), 0)
    assert cal.earliest(call) == tuesday_noon + timedelta(hours=2)
    assert cal.starts_on(call, date(2026, 12, 25)) == []  # holiday
    assert cal.starts_on(call, date(2026, 12, 27)) == []  # Sunday
    refusals = {
        "past": local(date(2026, 12, 22), 9),
        "too_soon": local(date(2026, 12, 23), 10),
        "closed": local(date(2026, 12, 25), 10),
        "not_a_start": local(date(2026, 12, 29), 10, 15),
        "too_far": local(date(2027, 1, 8), 10),
    }
    for reason, start in refusals.items():
        refusal = cal.refusal(visit, start)
        assert refusal is not None and refusal.reason == reason, (reason, refusal)
    assert cal.refusal(visit, local(date(2026, 12, 24), 10)) is None


def test_full_slots_are_not_offered_and_the_next_free_ones_spread_over_days(
    store: SqlBookingStore,
) -> None:
    now = datetime(2026, 11, 24, 7, tzinfo=UTC)  # Tuesday, before opening
    rules = BookingRules(LONDON, (kind(capacity=1),))
    appointments = Appointments(rules, store, clock=lambda: now)
    first = appointments.free(kind(capacity=1))
    assert [s.start.astimezone(LONDON).strftime("%a %H:%M") for s in first] == [
        "Tue 09:00",
        "Tue 09:30",
        "Wed 09:00",
        "Wed 09:30",
    ]
    appointments.book("consultation", first[0].start, Owner("a@example.com"))
    start = first[0].start
    rival = Booking("BK-RIVAL1", "consultation", start, start + timedelta(minutes=30), "c@x.io")
    with pytest.raises(SlotTakenError):
        store.book(rival, 1)  # the store alone holds the line, even without the check
    with pytest.raises(SlotTakenError, match="fully booked"):  # the check sees it first
        appointments.book("consultation", first[0].start, Owner("b@example.com"))
    again = appointments.free(kind(capacity=1))
    assert again[0].start == first[1].start


def test_an_appointment_that_has_started_can_no_longer_be_moved_or_cancelled(
    store: SqlBookingStore,
) -> None:
    now = [datetime(2026, 11, 24, 7, tzinfo=UTC)]
    rules = BookingRules(LONDON, (kind(),))
    appointments = Appointments(rules, store, clock=lambda: now[0])
    slot = appointments.free(kind())[0]
    booking = appointments.book("consultation", slot.start, Owner("a@example.com"))
    now[0] = slot.start + timedelta(minutes=5)
    for change in (
        lambda: appointments.cancel(booking.ref),
        lambda: appointments.reschedule(booking.ref, slot.start + timedelta(days=1)),
    ):
        with pytest.raises(InputError, match="already started or taken place"):
            change()
    assert appointments.get(booking.ref).start == slot.start
