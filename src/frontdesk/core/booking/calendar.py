"""Which start times an appointment type offers, and which of them still have room.

Opening hours are wall-clock times in the shop's timezone, so a 9:00 start is 9:00
on both sides of a daylight-saving change. A wall time that does not exist (the hour
skipped in spring) is not offered; one that happens twice (autumn) is offered once,
at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.core.booking.model import AppointmentType, BookingRules, Slot
from frontdesk.core.ports import BookingStore

# Offered when a shopper asks for "the next free times": the earliest ones, at most
# this many a day, so the options reach over more than one morning.
PER_DAY = 2


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a start time cannot be booked, in words for the shopper."""

    reason: str  # "past", "too_soon", "too_far", "closed", "not_a_start", "full"
    text: str


def utc_now() -> datetime:
    return datetime.now(UTC)


class Calendar:
    def __init__(
        self,
        rules: BookingRules,
        store: BookingStore,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.rules = rules
        self.store = store
        self._clock = clock

    @property
    def zone(self) -> ZoneInfo:
        return self.rules.timezone

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def today(self) -> date:
        """Today in the shop's timezone."""
        return self.now().astimezone(self.zone).date()

    # -- the shape of the calendar -----------------------------------------------------

    def is_open(self, kind: AppointmentType, day: date) -> bool:
        return (
            day.weekday() in kind.hours
            and day not in self.rules.holidays
            and day not in kind.holidays
        )

    def starts_on(self, kind: AppointmentType, day: date) -> list[datetime]:
        """Every start time of ``kind`` on the shop's ``day``, in UTC, booked or not."""
        if not self.is_open(kind, day):
            return []
        starts: list[datetime] = []
        for hours in kind.hours[day.weekday()]:
            minute = _minutes(hours.start)
            last = _minutes(hours.end) - kind.duration_min
            while minute <= last:
                start = self._wall_to_utc(day, time(minute // 60, minute % 60))
                if start is not None:
                    starts.append(start)
                minute += kind.step
        return sorted(set(starts))

    def earliest(self, kind: AppointmentType) -> datetime:
        """The first moment ``kind`` may start: minimum notice in minutes, and in
        working days (the first day that many working days after today)."""
        now = self.now()
        soonest = now + timedelta(minutes=kind.min_notice_min)
        if kind.min_notice_working_days > 0:
            day, counted = self.today(), 0
            while counted < kind.min_notice_working_days:
                day += timedelta(days=1)
                if day.weekday() in self.rules.working_days and day not in self.rules.holidays:
                    counted += 1
            first = datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)
            soonest = max(soonest, first)
        return soonest

    def last_day(self, kind: AppointmentType) -> date:
        return self.today() + timedelta(days=kind.horizon_days)

    # -- what is free ----------------------------------------------------------------

    def free(
        self,
        kind: AppointmentType,
        *,
        day: date | None = None,
        viewer: ZoneInfo | None = None,
        limit: int = 4,
        per_day: int | None = PER_DAY,
    ) -> list[Slot]:
        """Free slots of ``kind``, earliest first: on ``day`` as the viewer's calendar
        has it (their timezone, the shop's if None), or from now on."""
        viewer = viewer or self.zone
        if day is not None:
            shop_days = [day - timedelta(days=1), day, day + timedelta(days=1)]
            per_day = None
        else:
            first = self.today()
            shop_days = [first + timedelta(days=n) for n in range(kind.horizon_days + 1)]
        earliest, last = self.earliest(kind), self.last_day(kind)
        candidates = [
            start
            for shop_day in shop_days
            if shop_day <= last
            for start in self.starts_on(kind, shop_day)
            if start >= earliest and (day is None or start.astimezone(viewer).date() == day)
        ]
        if not candidates:
            return []
        duration = timedelta(minutes=kind.duration_min)
        taken = self.store.taken(kind.id, candidates[0], candidates[-1] + timedelta(seconds=1))
        slots: list[Slot] = []
        per: dict[date, int] = {}
        for start in candidates:
            left = kind.capacity - taken.get(start, 0)
            local_day = start.astimezone(viewer).date()
            if left <= 0 or (per_day is not None and per.get(local_day, 0) >= per_day):
                continue
            per[local_day] = per.get(local_day, 0) + 1
            slots.append(Slot(kind.id, start, start + duration, left))
            if len(slots) >= limit:
                break
        return slots

    def refusal(self, kind: AppointmentType, start: datetime) -> Refusal | None:
        """Why ``start`` cannot be booked for ``kind`` now, or None when it can."""
        start = start.astimezone(UTC)
        local = start.astimezone(self.zone)
        if start <= self.now():
            return Refusal("past", "That time has already passed.")
        if local.date() > self.last_day(kind):
            return Refusal(
                "too_far", f"We take bookings up to {kind.horizon_days} days ahead only."
            )
        if start < self.earliest(kind):
            return Refusal("too_soon", _notice_text(kind))
        if not self.is_open(kind, local.date()):
            return Refusal("closed", f"We don't do {kind.name.lower()}s on that day.")
        if start not in self.starts_on(kind, local.date()):
            return Refusal("not_a_start", _hours_text(kind, local.date(), self.zone))
        taken = self.store.taken(kind.id, start, start + timedelta(seconds=1))
        if taken.get(start, 0) >= kind.capacity:
            return Refusal("full", "That time is fully booked.")
        return None

    def _wall_to_utc(self, day: date, wall: time) -> datetime | None:
        local = datetime.combine(day, wall, tzinfo=self.zone)  # fold=0: the first of two
        utc = local.astimezone(UTC)
        if utc.astimezone(self.zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            return None  # skipped by the clocks going forward
        return utc


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _notice_text(kind: AppointmentType) -> str:
    if kind.min_notice_working_days:
        days = kind.min_notice_working_days
        return (
            f"{kind.name}s need booking at least {days} working day{'s' if days > 1 else ''} ahead."
        )
    hours, minutes = divmod(kind.min_notice_min, 60)
    ahead = (
        f"{hours} hour{'s' if hours != 1 else ''}"
        if not minutes
        else f"{kind.min_notice_min} minutes"
    )
    return f"{kind.name}s need booking at least {ahead} ahead."


def _hours_text(kind: AppointmentType, day: date, zone: ZoneInfo) -> str:
    stretches = kind.hours.get(day.weekday(), ())
    if not stretches:
        return f"We don't do {kind.name.lower()}s on that day."
    spans = ", ".join(f"{h.start:%H:%M}–{h.end:%H:%M}" for h in stretches)
    every = kind.step
    return (
        f"{kind.name}s start every {_duration(every)} between {spans} {zone.key} time "
        "(ending by the close), and that time isn't one of them."
    )


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    if not rest:
        return "hour" if hours == 1 else f"{hours} hours"
    return f"{hours} h {rest} min"
