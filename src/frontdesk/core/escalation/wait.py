"""How long a shopper in the queue waits for a person, and the line they read about it.

The model. The shopper is in the queue only because no agent has claimed the case
yet, so every agent online is taken to be busy. The ``n`` agents online work the
queue in parallel and take the next ``n`` cases together, so the shopper at position
``p`` is reached in round ``ceil(p / n)``; a round lasts about one typical handling
time ``h``. Hence

    wait ≈ ceil(p / n) × h

Starting the first round at a full ``h`` (rather than the ``h / 2`` a case already in
hand has left on average) leans on the long side on purpose: a wait that ends early
pleases, one that overruns does not, and the estimate is recomputed live as cases are
claimed, so it only ever gets better news. ``h`` is the median of the most recent
handled cases: one three-hour case (an agent who left a chat open over lunch) must not
triple everybody's estimate, as a mean would. With too few cases to go by, a default
stands in.

Support hours are wall-clock times in the shop's timezone, as appointment hours are
(booking/calendar.py): 09:00 is 09:00 on both sides of a daylight-saving change. A
stretch that starts in the hour skipped in spring opens when the clocks jump; a wall
time that happens twice (autumn) counts at its first occurrence.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.core.booking.wording import day_name
from frontdesk.core.escalation.model import Handled, SupportHours, WaitEstimate

# The typical handling time is the median of this many most recent handled cases …
RECENT_CASES = 20
# … once there are at least this many; fewer say too little, and the default stands.
MIN_CASES = 5
# A median outside these bounds says more about the data than about the agents.
MIN_HANDLE_S = 60.0
MAX_HANDLE_S = 2 * 3600.0
# Nobody online inside hours: one agent, who first has to come back to the console
# (from a call, a break), counted as one extra round.
RETURN_ROUNDS = 1
# How far ahead to look for the next opening (a long closure over the holidays).
SEARCH_DAYS = 400

LEAVE_EMAIL = "you can leave your email address here and we'll reply by email"


# -- the estimate ------------------------------------------------------------------------


def estimate_wait(
    position: int,
    agents_online: int,
    handled: Sequence[Handled],
    now: float,
    hours: SupportHours,
    default_handle_s: float = 360.0,
    *,
    viewer: ZoneInfo | None = None,
) -> WaitEstimate:
    """The wait of the case at ``position`` (1: next in line) at ``now`` (epoch
    seconds). ``viewer``: the shopper's timezone, for the times in the text (the shop's
    when None). An agent online outside support hours still takes cases, so the
    estimate is theirs; ``open_now`` and ``opens_at`` still tell the hours."""
    position = max(1, position)
    agents = max(0, agents_online)
    open_now = is_open(now, hours)
    opens_at = None if open_now else next_opening(now, hours)
    if not open_now and agents == 0:
        text = _closed_text(position, now, opens_at, hours, viewer)
        return WaitEstimate(position, 0, None, False, opens_at, text)
    handle = typical_handle_s(handled, default_handle_s)
    if agents == 0:
        seconds = (position + RETURN_ROUNDS) * handle
        text = f"{_place(position)}. {_nobody_online(seconds)}"
    else:
        seconds = math.ceil(position / agents) * handle
        text = f"{_place(position)}; the wait is {friendly_duration(seconds)}."
    if open_now:
        text += _closing_note(now, seconds, hours, viewer)
    return WaitEstimate(position, agents, seconds, open_now, opens_at, text)


def typical_handle_s(handled: Sequence[Handled], default_s: float = 360.0) -> float:
    """The median handling time of the most recent cases, or ``default_s`` when there
    are fewer than MIN_CASES of them. Cases that took no time at all (claimed and
    handed back in the same second) are glitches, not work, and are left out."""
    recent = sorted(handled, key=lambda h: h.ended_at)[-RECENT_CASES:]
    durations = [h.seconds for h in recent if h.seconds > 0]
    if len(durations) < MIN_CASES:
        return default_s
    return min(MAX_HANDLE_S, max(MIN_HANDLE_S, statistics.median(durations)))


def friendly_duration(seconds: float) -> str:
    """ "about 4 minutes", "about 25 minutes", "about an hour and a half": exact to the
    minute only while that means something, then in fives, then in half hours."""
    minutes = seconds / 60
    if minutes < 0.75:
        return "less than a minute"
    if minutes < 1.5:
        return "about a minute"
    if minutes < 10:
        return f"about {_half_up(minutes)} minutes"
    fives = 5 * _half_up(minutes / 5)
    if fives < 60:
        return f"about {fives} minutes"
    whole, half = divmod(_half_up(minutes / 30), 2)
    hours = "an hour" if whole == 1 else f"{whole} hours"
    if not half:
        return f"about {hours}"
    return "about an hour and a half" if whole == 1 else f"about {whole} and a half hours"


def _half_up(value: float) -> int:
    # round() rounds halves to even (2.5 → 2); a shopper expects 2.5 minutes → 3.
    return math.floor(value + 0.5)


# -- what the shopper reads --------------------------------------------------------------


def _place(position: int) -> str:
    return "You're next in the queue" if position == 1 else f"You're number {position} in the queue"


def _nobody_online(seconds: float) -> str:
    return (
        "Nobody from our team is free at the moment, so someone will be with you as soon "
        f"as an agent is; that may take {friendly_duration(seconds)} or a little longer."
    )


def _closed_text(
    position: int, now: float, opens_at: float | None, hours: SupportHours, viewer: ZoneInfo | None
) -> str:
    if opens_at is None:
        return f"Our team isn't available at the moment, but {LEAVE_EMAIL}."
    when = at_text(opens_at, now, hours.timezone, viewer)
    return (
        f"Our team is away right now; someone will answer {when}. "
        f"{_place(position)}, and if you'd rather not wait, {LEAVE_EMAIL}."
    )


def _closing_note(now: float, seconds: float, hours: SupportHours, viewer: ZoneInfo | None) -> str:
    """When the wait runs past closing time, say so: "about 40 minutes" at 16:50 is a
    promise the team may not keep."""
    closes = closes_at(now, hours)
    if closes is None or now + seconds <= closes:
        return ""
    zone = hours.timezone
    note = f" We close {at_text(closes, now, zone, viewer, with_day=False)}"
    reopens = next_opening(closes, hours)
    if reopens is None:
        return f"{note}, so if nobody reaches you by then, {LEAVE_EMAIL}."
    return (
        f"{note}, so if nobody reaches you by then, someone will answer "
        f"{at_text(reopens, now, zone, viewer)}; {LEAVE_EMAIL}."
    )


def at_text(
    at: float, now: float, shop: ZoneInfo, viewer: ZoneInfo | None = None, *, with_day: bool = True
) -> str:
    """ "tomorrow at 09:00 (Europe/London time)", "on Monday at 09:00", "at 17:00":
    in the viewer's timezone when known (marked "your time" where the shop's clock
    reads differently), else in the shop's, named so a shopper abroad is not misled."""
    zone = viewer or shop
    local = datetime.fromtimestamp(at, UTC).astimezone(zone)
    today = datetime.fromtimestamp(now, UTC).astimezone(zone).date()
    clock = f"at {local:%H:%M}"
    day = _relative_day(local.date(), today) if with_day else ""
    text = f"{day} {clock}" if day else clock
    if viewer is None:
        return f"{text} ({shop.key} time)"
    shop_offset = local.astimezone(shop).utcoffset()
    return text if local.utcoffset() == shop_offset else f"{text} your time"


def _relative_day(day: date, today: date) -> str:
    ahead = (day - today).days
    if ahead == 0:
        return "today"
    if ahead == 1:
        return "tomorrow"
    if 1 < ahead < 7:
        return f"on {day:%A}"
    return f"on {day_name(day)}"


# -- support hours -----------------------------------------------------------------------


def is_open(now: float, hours: SupportHours) -> bool:
    """Whether ``now`` (epoch seconds) falls in a support-hours stretch."""
    return _containing(_utc(now), hours) is not None


def next_opening(now: float, hours: SupportHours) -> float | None:
    """The first instant at or after ``now`` when support is open (``now`` itself when
    it is open), skipping closed days and holidays; None when the hours never open."""
    at = _utc(now)
    if _containing(at, hours) is not None:
        return now
    first = at.astimezone(hours.timezone).date()
    for offset in range(SEARCH_DAYS):
        for start, _ in _stretches(first + timedelta(days=offset), hours):
            if start >= at:
                return start.timestamp()
    return None


def closes_at(now: float, hours: SupportHours) -> float | None:
    """When the open stretch around ``now`` ends (stretches that meet, 12:00–13:00 and
    13:00–17:00, count as one); None when closed at ``now``."""
    at = _utc(now)
    current = _containing(at, hours)
    if current is None:
        return None
    end = current[1]
    today = at.astimezone(hours.timezone).date()
    later = sorted(s for n in range(8) for s in _stretches(today + timedelta(days=n), hours))
    for start, stop in later:
        if start <= end < stop:
            end = stop
    return end.timestamp()


def _containing(at: datetime, hours: SupportHours) -> tuple[datetime, datetime] | None:
    today = at.astimezone(hours.timezone).date()
    # Yesterday too: a stretch written 22:00–02:00 is still open after midnight.
    for day in (today - timedelta(days=1), today):
        for start, end in _stretches(day, hours):
            if start <= at < end:
                return start, end
    return None


def _stretches(day: date, hours: SupportHours) -> list[tuple[datetime, datetime]]:
    """The shop's support stretches on its ``day`` as UTC intervals, earliest first.
    An end at or before the start runs into the next day (22:00–02:00, 00:00–00:00)."""
    if day in hours.holidays:
        return []
    zone = hours.timezone
    spans = []
    for stretch in hours.hours.get(day.weekday(), ()):
        end_day = day if stretch.end > stretch.start else day + timedelta(days=1)
        start, end = _instant(day, stretch.start, zone), _instant(end_day, stretch.end, zone)
        if start < end:
            spans.append((start, end))
    return sorted(spans)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the shop's clock reads ``wall`` or later on
    ``day``: the first of two in autumn, the moment the clocks jump in spring."""
    local = datetime.combine(day, wall, tzinfo=zone)  # fold=0: the first of two
    utc = local.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return utc
    # Skipped by the clocks going forward. fold=1 reads the wall time with the offset
    # from after the jump (an instant before it), fold=0 with the one from before (an
    # instant after it): the jump lies between the two.
    return _jump(local.replace(fold=1).astimezone(UTC), utc, zone)


def _jump(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The instant between ``before`` and ``after`` where ``zone``'s offset changes
    (zoneinfo does not expose its transitions), to the second."""
    target = after.astimezone(zone).utcoffset()
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _utc(middle).astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return _utc(high)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
