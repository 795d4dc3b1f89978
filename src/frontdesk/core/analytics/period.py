"""The period an analytics view covers: whole days in the shop's timezone, and the
buckets its charts are drawn in (days, or ISO weeks over a long period)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from frontdesk.core.conversation import CHANNEL_NAME
from frontdesk.core.escalation.report import day_start, parse_day, today_in, week_label, zone
from frontdesk.errors import InputError

DEFAULT_DAYS = 30
MAX_DAYS = 366
# Up to this many days a chart has a bar per day; beyond, one per ISO week.
MAX_DAILY = 92


@dataclass(frozen=True, slots=True)
class AnalyticsPeriod:
    """``first_day`` to ``last_day`` inclusive, in ``timezone``; ``since``/``until`` are
    the epoch seconds of its start and of the midnight after its last day."""

    first_day: date
    last_day: date
    timezone: str
    since: float
    until: float
    channel: str | None = None  # None: every channel

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def bucket(self) -> str:
        return "day" if self.days <= MAX_DAILY else "week"

    def bucket_of(self, at: float) -> str:
        tz = zone(self.timezone)
        if self.bucket == "week":
            return week_label(at, tz)
        return datetime.fromtimestamp(at, tz).date().isoformat()

    def buckets(self) -> tuple[str, ...]:
        """Every bucket of the period in order, the empty ones too: a chart with a
        gap for a quiet day says more than one that skips it."""
        tz = zone(self.timezone)
        labels: list[str] = []
        day = self.first_day
        while day <= self.last_day:
            label = self.bucket_of(day_start(day, tz) + 43200)
            if not labels or labels[-1] != label:
                labels.append(label)
            day += timedelta(days=1)
        return tuple(labels)

    def as_dict(self) -> dict[str, object]:
        return {
            "since": self.first_day.isoformat(),
            "until": self.last_day.isoformat(),
            "days": self.days,
            "timezone": self.timezone,
            "channel": self.channel,
            "bucket": self.bucket,
        }


def analytics_period(
    since: str | None,
    until: str | None,
    timezone: str,
    now: float,
    channel: str | None = None,
) -> AnalyticsPeriod:
    """The period a request names: ``since``/``until`` as YYYY-MM-DD days (both
    inclusive); by default the last DEFAULT_DAYS days up to today. InputError with
    what to send instead for a reversed, too long or malformed period or channel."""
    tz = zone(timezone)
    last = today_in(timezone, now) if until is None else parse_day(until, "until")
    first = last - timedelta(days=DEFAULT_DAYS - 1) if since is None else parse_day(since, "since")
    if first > last:
        raise InputError(f"since ({first}) is after until ({last}); swap them or leave one out.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InputError(f"A period may cover at most {MAX_DAYS} days; choose a shorter one.")
    if channel is not None and not re.fullmatch(CHANNEL_NAME, channel):
        raise InputError(
            "channel must be lower-case letters, digits, '_' or '-' (up to 32), "
            f"like web; not {channel!r}."
        )
    return AnalyticsPeriod(
        first,
        last,
        timezone,
        day_start(first, tz),
        day_start(last + timedelta(days=1), tz),
        channel,
    )
