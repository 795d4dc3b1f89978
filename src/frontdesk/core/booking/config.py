"""Read a shop's appointment set-up (appointments.toml) into BookingRules.

Every mistake is a ConfigError that names the file, the field (``types[1].hours.mon``,
counting ``[[types]]`` tables from 0) and what to write instead. Unknown keys are errors
too, so that a typo such as ``capacty = 3`` is not silently ignored.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frontdesk.core.booking.model import AppointmentType, BookingRules, OpeningHours
from frontdesk.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()

_TOP_KEYS = ("timezone", "working_days", "holidays", "free_change_hours", "types")
_TYPE_KEYS = (
    "id",
    "name",
    "duration_min",
    "step_min",
    "capacity",
    "min_notice_min",
    "min_notice_working_days",
    "horizon_days",
    "price",
    "description",
    "needs_order",
    "keywords",
    "holidays",
    "hours",
)
_ID = re.compile(r"[a-z0-9_-]+")
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})")
_MINUTES_A_DAY = 24 * 60
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Problem(Exception):
    """A bad value at ``field``; turned into a ConfigError naming the file."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(f"{field}: {text}")
        self.field = field
        self.text = text


def load_booking_rules(path: Path) -> BookingRules:
    """The appointment rules in ``path``, or ConfigError saying what to fix."""
    where = f"appointments file {path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{where} does not exist. Create it, or set FRONTDESK_APPOINTMENTS_PATH "
            "to the file that holds the shop's appointment types."
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{where} cannot be read ({exc.strerror or exc}). Check that it is a file "
            "frontdesk may read.",
            detail=repr(exc),
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text. Save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{where} is not valid TOML ({exc}). Fix the syntax there; "
            "https://toml.io shows the format.",
            detail=str(exc),
        ) from None
    try:
        return _rules(data)
    except _Problem as problem:
        raise ConfigError(f"{where}: {problem.field}: {problem.text}") from None


def _rules(data: Mapping[str, object]) -> BookingRules:
    _no_unknown_keys(data, _TOP_KEYS, "")
    timezone = _timezone(data)
    working = _working_days(data.get("working_days"))
    holidays = _dates(data.get("holidays", []), "holidays")
    free_change = _int(data.get("free_change_hours", 24), "free_change_hours", low=0)
    types = _types(data.get("types"))
    return BookingRules(
        timezone=timezone,
        types=types,
        holidays=holidays,
        working_days=working,
        free_change_hours=free_change,
    )


# -- the file's top level ------------------------------------------------------------


def _timezone(data: Mapping[str, object]) -> ZoneInfo:
    if "timezone" not in data:
        raise _Problem(
            "timezone", 'is missing. Add the shop\'s zone, e.g. timezone = "Europe/London".'
        )
    name = data["timezone"]
    if not isinstance(name, str) or not name.strip():
        raise _Problem("timezone", 'must be a zone name in quotes, e.g. "Europe/London".')
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _Problem(
            "timezone",
            f"{name!r} is not a known IANA time zone. Write one like "
            '"Europe/London" or "America/New_York".',
        ) from None


def _working_days(value: object) -> frozenset[int]:
    if value is None:
        return frozenset(range(6))
    field = "working_days"
    if not isinstance(value, list) or not value:
        raise _Problem(field, 'must be a list of weekdays, e.g. ["mon", "tue", "wed"].')
    days: set[int] = set()
    for i, item in enumerate(value):
        days.add(_weekday(item, f"{field}[{i}]"))
    return frozenset(days)


def _weekday(value: object, field: str) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    raise _Problem(field, f"{value!r} is not a weekday; write one of {', '.join(WEEKDAYS)}.")


# -- appointment types ---------------------------------------------------------------


def _types(value: object) -> tuple[AppointmentType, ...]:
    if value is None:
        raise _Problem(
            "types",
            "is missing. Add at least one [[types]] table with id, name, duration_min and hours.",
        )
    if not isinstance(value, list) or not value:
        raise _Problem("types", "must be one or more [[types]] tables.")
    kinds: list[AppointmentType] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        field = f"types[{i}]"
        if not isinstance(item, dict):
            raise _Problem(field, "must be a [[types]] table.")
        kind = _type(item, field)
        if kind.id in seen:
            raise _Problem(
                f"{field}.id",
                f"{kind.id!r} is already the id of types[{seen[kind.id]}]. "
                "Give each type its own id.",
            )
        seen[kind.id] = i
        kinds.append(kind)
    return tuple(kinds)


def _type(data: Mapping[str, object], field: str) -> AppointmentType:
    _no_unknown_keys(data, _TYPE_KEYS, field)
    type_id = _required_str(data, "id", field)
    if not _ID.fullmatch(type_id):
        raise _Problem(
            f"{field}.id",
            f"{type_id!r} may use only a-z, 0-9, '_' and '-', e.g. \"return_pickup\".",
        )
    name = _required_str(data, "name", field)
    if "duration_min" not in data:
        raise _Problem(f"{field}.duration_min", "is missing. Add the length in minutes, e.g. 30.")
    duration = _int(data["duration_min"], f"{field}.duration_min", low=1, high=_MINUTES_A_DAY)
    step = 0
    if "step_min" in data:
        step = _int(data["step_min"], f"{field}.step_min", low=1, high=_MINUTES_A_DAY)
    keywords = data.get("keywords", [])
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and k.strip() for k in keywords
    ):
        raise _Problem(
            f"{field}.keywords", 'must be a list of words, e.g. ["installation", "assemble"].'
        )
    needs_order = data.get("needs_order", False)
    if not isinstance(needs_order, bool):
        raise _Problem(f"{field}.needs_order", "must be true or false (no quotes).")
    return AppointmentType(
        id=type_id,
        name=name,
        duration_min=duration,
        hours=_hours(data.get("hours"), f"{field}.hours", duration),
        capacity=_int(data.get("capacity", 1), f"{field}.capacity", low=1),
        step_min=step,
        min_notice_min=_int(data.get("min_notice_min", 0), f"{field}.min_notice_min", low=0),
        min_notice_working_days=_int(
            data.get("min_notice_working_days", 0), f"{field}.min_notice_working_days", low=0
        ),
        horizon_days=_int(data.get("horizon_days", 28), f"{field}.horizon_days", low=1, high=366),
        holidays=_dates(data.get("holidays", []), f"{field}.holidays"),
        price=_optional_str(data, "price", field),
        description=_optional_str(data, "description", field),
        needs_order=needs_order,
        keywords=tuple(k.strip() for k in keywords),
    )


def _hours(value: object, field: str, duration: int) -> dict[int, tuple[OpeningHours, ...]]:
    example = 'e.g. mon = ["09:00-17:00"]'
    if value is None:
        raise _Problem(field, f"is missing. Add a [types.hours] table, {example}.")
    if not isinstance(value, dict):
        raise _Problem(field, f"must be a table of weekdays, {example}.")
    _no_unknown_keys(value, WEEKDAYS, field)
    hours: dict[int, tuple[OpeningHours, ...]] = {}
    for key, ranges in value.items():
        day_field = f"{field}.{key}"
        if isinstance(ranges, str):
            ranges = [ranges]
        if not isinstance(ranges, list):
            raise _Problem(day_field, 'must be a list of time ranges, e.g. ["09:00-17:00"].')
        stretches: list[tuple[int, int, str]] = []
        for item in ranges:
            start, end = _range(item, day_field, duration)
            stretches.append((start, end, str(item)))
        stretches.sort()
        for (_, end_a, text_a), (start_b, _, text_b) in pairwise(stretches):
            if start_b < end_a:
                raise _Problem(
                    day_field,
                    f"{text_a!r} and {text_b!r} overlap. Merge them into one range "
                    "or make one end before the other starts.",
                )
        if stretches:
            hours[WEEKDAYS.index(key)] = tuple(
                OpeningHours(_time(start), _time(end)) for start, end, _ in stretches
            )
    if not hours:
        raise _Problem(
            field, f"has no opening hours, so nothing could be booked. Add some, {example}."
        )
    return hours


def _range(value: object, field: str, duration: int) -> tuple[int, int]:
    """A "HH:MM-HH:MM" range as minutes since midnight."""
    match = _RANGE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise _Problem(field, f"{value!r} is not a time range like 09:00-17:00.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise _Problem(
            field,
            f"{value!r} has a time that does not exist; use 00:00 to 23:59, like 09:00-17:00.",
        )
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= end:
        raise _Problem(
            field,
            f"{value!r} ends before it starts; write the earlier time first, like 09:00-17:00.",
        )
    if end - start < duration:
        raise _Problem(
            field,
            f"{value!r} is shorter than the appointment ({duration} min), so no appointment "
            "fits in it. Make the range at least that long or shorten duration_min.",
        )
    return start, end


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


# -- values --------------------------------------------------------------------------


def _no_unknown_keys(data: Mapping[str, object], known: tuple[str, ...], field: str) -> None:
    for key in data:
        if key in known:
            continue
        where = f"{field}.{key}" if field else key
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"Did you mean {close[0]!r}? " if close else ""
        raise _Problem(where, f"is not a known key. {hint}Known keys here: {', '.join(known)}.")


def _int(value: object, field: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Problem(field, f"{value!r} is not a whole number; write it without quotes, e.g. 30.")
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise _Problem(field, f"{value} is out of range; write a number {bounds}.")
    return value


def _required_str(data: Mapping[str, object], key: str, field: str) -> str:
    value = data.get(key)
    if value is None:
        raise _Problem(f"{field}.{key}", "is missing. Add it as text in quotes.")
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"{field}.{key}", "must be non-empty text in quotes.")
    return value.strip()


def _optional_str(data: Mapping[str, object], key: str, field: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise _Problem(f"{field}.{key}", "must be text in quotes.")
    return value.strip()


def _dates(value: object, field: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise _Problem(field, 'must be a list of dates, e.g. ["2026-12-25", "2026-12-28"].')
    days: set[date] = set()
    for i, item in enumerate(value):
        day = _date(item)
        if day is None:
            raise _Problem(
                f"{field}[{i}]",
                f'{item!r} is not a date; write it as YYYY-MM-DD, e.g. "2026-12-25".',
            )
        days.add(day)
    return frozenset(days)


def _date(value: object) -> date | None:
    """A TOML date (``2026-12-25``) or the same in quotes."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
