"""Read a shop's appointment set-up (appointments.toml) into BookingRules.

Every mistake is a ConfigError that names the file, the field (``types[1].hours.mon``,
counting ``[[types]]`` tables from 0) and what to write instead. Unknown keys are errors
too, so that a typo such as ``capacty = 3`` is not silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from itertools import pairwise
from pathlib import Path

from frontdesk.core.booking.model import AppointmentType, BookingRules, OpeningHours
from frontdesk.core.toml_rules import (
    RuleProblem,
    checked,
    clock_time,
    no_unknown_keys,
    read_toml,
    time_range,
    timezone,
    toml_dates,
    whole_number,
)

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
_MINUTES_A_DAY = 24 * 60
_HOLIDAYS_EXAMPLE = '["2026-12-25", "2026-12-28"]'


def load_booking_rules(path: Path) -> BookingRules:
    """The appointment rules in ``path``, or ConfigError saying what to fix."""
    where = f"appointments file {path}"
    data = read_toml(
        path,
        where,
        "Create it, or set FRONTDESK_APPOINTMENTS_PATH to the file that holds the "
        "shop's appointment types.",
    )
    return checked(where, _rules, data)


def _rules(data: Mapping[str, object]) -> BookingRules:
    no_unknown_keys(data, _TOP_KEYS, "")
    zone = timezone(data, "timezone", example="Europe/London")
    working = _working_days(data.get("working_days"))
    holidays = _dates(data.get("holidays", []), "holidays")
    free_change = _int(data.get("free_change_hours", 24), "free_change_hours", low=0)
    types = _types(data.get("types"))
    return BookingRules(
        timezone=zone,
        types=types,
        holidays=holidays,
        working_days=working,
        free_change_hours=free_change,
    )


# -- the file's top level ------------------------------------------------------------


def _working_days(value: object) -> frozenset[int]:
    if value is None:
        return frozenset(range(6))
    field = "working_days"
    if not isinstance(value, list) or not value:
        raise RuleProblem(field, 'must be a list of weekdays, e.g. ["mon", "tue", "wed"].')
    days: set[int] = set()
    for i, item in enumerate(value):
        days.add(_weekday(item, f"{field}[{i}]"))
    return frozenset(days)


def _weekday(value: object, field: str) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    raise RuleProblem(field, f"{value!r} is not a weekday; write one of {', '.join(WEEKDAYS)}.")


# -- appointment types ---------------------------------------------------------------


def _types(value: object) -> tuple[AppointmentType, ...]:
    if value is None:
        raise RuleProblem(
            "types",
            "is missing. Add at least one [[types]] table with id, name, duration_min and hours.",
        )
    if not isinstance(value, list) or not value:
        raise RuleProblem("types", "must be one or more [[types]] tables.")
    kinds: list[AppointmentType] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        field = f"types[{i}]"
        if not isinstance(item, dict):
            raise RuleProblem(field, "must be a [[types]] table.")
        kind = _type(item, field)
        if kind.id in seen:
            raise RuleProblem(
                f"{field}.id",
                f"{kind.id!r} is already the id of types[{seen[kind.id]}]. "
                "Give each type its own id.",
            )
        seen[kind.id] = i
        kinds.append(kind)
    return tuple(kinds)


def _type(data: Mapping[str, object], field: str) -> AppointmentType:
    no_unknown_keys(data, _TYPE_KEYS, field)
    type_id = _required_str(data, "id", field)
    if not _ID.fullmatch(type_id):
        raise RuleProblem(
            f"{field}.id",
            f"{type_id!r} may use only a-z, 0-9, '_' and '-', e.g. \"return_pickup\".",
        )
    name = _required_str(data, "name", field)
    if "duration_min" not in data:
        raise RuleProblem(
            f"{field}.duration_min", "is missing. Add the length in minutes, e.g. 30."
        )
    duration = _int(data["duration_min"], f"{field}.duration_min", low=1, high=_MINUTES_A_DAY)
    step = 0
    if "step_min" in data:
        step = _int(data["step_min"], f"{field}.step_min", low=1, high=_MINUTES_A_DAY)
    keywords = data.get("keywords", [])
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and k.strip() for k in keywords
    ):
        raise RuleProblem(
            f"{field}.keywords", 'must be a list of words, e.g. ["installation", "assemble"].'
        )
    needs_order = data.get("needs_order", False)
    if not isinstance(needs_order, bool):
        raise RuleProblem(f"{field}.needs_order", "must be true or false (no quotes).")
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
        raise RuleProblem(field, f"is missing. Add a [types.hours] table, {example}.")
    if not isinstance(value, dict):
        raise RuleProblem(field, f"must be a table of weekdays, {example}.")
    no_unknown_keys(value, WEEKDAYS, field)
    hours: dict[int, tuple[OpeningHours, ...]] = {}
    for key, ranges in value.items():
        day_field = f"{field}.{key}"
        if isinstance(ranges, str):
            ranges = [ranges]
        if not isinstance(ranges, list):
            raise RuleProblem(day_field, 'must be a list of time ranges, e.g. ["09:00-17:00"].')
        stretches: list[tuple[int, int, str]] = []
        for item in ranges:
            start, end = _range(item, day_field, duration)
            stretches.append((start, end, str(item)))
        stretches.sort()
        for (_, end_a, text_a), (start_b, _, text_b) in pairwise(stretches):
            if start_b < end_a:
                raise RuleProblem(
                    day_field,
                    f"{text_a!r} and {text_b!r} overlap. Merge them into one range "
                    "or make one end before the other starts.",
                )
        if stretches:
            hours[WEEKDAYS.index(key)] = tuple(
                OpeningHours(clock_time(start), clock_time(end)) for start, end, _ in stretches
            )
    if not hours:
        raise RuleProblem(
            field, f"has no opening hours, so nothing could be booked. Add some, {example}."
        )
    return hours


def _range(value: object, field: str, duration: int) -> tuple[int, int]:
    """A "HH:MM-HH:MM" range as minutes since midnight, long enough for ``duration``."""
    start, end = time_range(value, field, example="09:00-17:00")
    if end - start < duration:
        raise RuleProblem(
            field,
            f"{value!r} is shorter than the appointment ({duration} min), so no appointment "
            "fits in it. Make the range at least that long or shorten duration_min.",
        )
    return start, end


# -- values --------------------------------------------------------------------------


def _int(value: object, field: str, *, low: int, high: int | None = None) -> int:
    return whole_number(value, field, low=low, high=high, example="30")


def _required_str(data: Mapping[str, object], key: str, field: str) -> str:
    value = data.get(key)
    if value is None:
        raise RuleProblem(f"{field}.{key}", "is missing. Add it as text in quotes.")
    if not isinstance(value, str) or not value.strip():
        raise RuleProblem(f"{field}.{key}", "must be non-empty text in quotes.")
    return value.strip()


def _optional_str(data: Mapping[str, object], key: str, field: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise RuleProblem(f"{field}.{key}", "must be text in quotes.")
    return value.strip()


def _dates(value: object, field: str) -> frozenset[date]:
    return toml_dates(value, field, example=_HOLIDAYS_EXAMPLE)
