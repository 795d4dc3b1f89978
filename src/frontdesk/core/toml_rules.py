"""Shared pieces for reading a shop's TOML set-up files (appointments.toml,
escalation.toml) into rules.

A loader reads the file with ``read_toml``, builds its rules from the table, raising
``RuleProblem(field, text)`` at the first bad value, and wraps the build in ``checked``
so that the problem becomes a ConfigError naming the file, the field and the fix::

    data = read_toml(path, where, missing_hint)
    return checked(where, _rules, data)

The value helpers below raise ``RuleProblem``; each takes the field it reads so that
its message can name it, and an ``example`` where the fix shows one.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frontdesk.errors import ConfigError

_T = TypeVar("_T")

_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RuleProblem(Exception):
    """A bad value at ``field``; turned into a ConfigError naming the file."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(f"{field}: {text}")
        self.field = field
        self.text = text


# -- the file ------------------------------------------------------------------------


def read_toml(path: Path, where: str, missing_hint: str) -> dict[str, object]:
    """The TOML table in ``path``, or ConfigError saying what to fix.

    ``where`` names the file in messages ("appointments file /etc/x.toml");
    ``missing_hint`` follows "does not exist." and says what to do about it.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist. {missing_hint}") from None
    except OSError as exc:
        raise ConfigError(
            f"{where} cannot be read ({exc.strerror or exc}). Check that it is a file "
            "frontdesk may read.",
            detail=repr(exc),
        ) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text. Save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{where} is not valid TOML ({exc}). Fix the syntax there; "
            "https://toml.io shows the format.",
            detail=str(exc),
        ) from None


def checked(
    where: str, build: Callable[[Mapping[str, object]], _T], data: Mapping[str, object]
) -> _T:
    """``build(data)``, with a RuleProblem turned into a ConfigError naming the file."""
    try:
        return build(data)
    except RuleProblem as problem:
        raise ConfigError(f"{where}: {problem.field}: {problem.text}") from None


# -- values --------------------------------------------------------------------------


def no_unknown_keys(data: Mapping[str, object], known: tuple[str, ...], field: str) -> None:
    """Refuse a key of ``data`` (the table at ``field``, "" for the top) not in
    ``known``, suggesting the closest known one."""
    for key in data:
        if key in known:
            continue
        where = f"{field}.{key}" if field else key
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"Did you mean {close[0]!r}? " if close else ""
        raise RuleProblem(where, f"is not a known key. {hint}Known keys here: {', '.join(known)}.")


def whole_number(
    value: object, field: str, *, low: int, high: int | None = None, example: str
) -> int:
    """An integer from ``low`` to ``high`` (no upper bound when None); ``example``
    is a number to show, e.g. "30"."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleProblem(
            field, f"{value!r} is not a whole number; write it without quotes, e.g. {example}."
        )
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise RuleProblem(field, f"{value} is out of range; write a number {bounds}.")
    return value


def timezone(table: Mapping[str, object], field: str, *, example: str) -> ZoneInfo:
    """The zone named by ``table["timezone"]`` (reported as ``field``); ``example`` is
    a zone name to show, e.g. "Europe/London"."""
    if "timezone" not in table:
        raise RuleProblem(field, f'is missing. Add the shop\'s zone, e.g. timezone = "{example}".')
    name = table["timezone"]
    if not isinstance(name, str) or not name.strip():
        raise RuleProblem(field, f'must be a zone name in quotes, e.g. "{example}".')
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RuleProblem(
            field,
            f"{name!r} is not a known IANA time zone. Write one like "
            '"Europe/London" or "America/New_York".',
        ) from None


def time_range(value: object, field: str, *, example: str) -> tuple[int, int]:
    """A "HH:MM-HH:MM" range as minutes since midnight, start before end; ``example``
    is a range to show, e.g. "09:00-17:00"."""
    match = _RANGE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise RuleProblem(field, f"{value!r} is not a time range like {example}.")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise RuleProblem(
            field,
            f"{value!r} has a time that does not exist; use 00:00 to 23:59, like {example}.",
        )
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= end:
        raise RuleProblem(
            field,
            f"{value!r} ends before it starts; write the earlier time first, like {example}.",
        )
    return start, end


def clock_time(minutes: int) -> time:
    """Minutes since midnight as a time of day."""
    return time(minutes // 60, minutes % 60)


def toml_dates(value: object, field: str, *, example: str) -> frozenset[date]:
    """A list of dates; ``example`` is a list to show, e.g. '["2026-12-25"]'."""
    if not isinstance(value, list):
        raise RuleProblem(field, f"must be a list of dates, e.g. {example}.")
    days: set[date] = set()
    for i, item in enumerate(value):
        day = toml_date(item)
        if day is None:
            raise RuleProblem(
                f"{field}[{i}]",
                f'{item!r} is not a date; write it as YYYY-MM-DD, e.g. "2026-12-25".',
            )
        days.add(day)
    return frozenset(days)


def toml_date(value: object) -> date | None:
    """A TOML date (``2026-12-25``) or the same in quotes; None for anything else."""
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
