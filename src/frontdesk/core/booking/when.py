"""Read the day and time a shopper asks for, from what they type while booking.

English only. Understood: "today", "tomorrow", "the day after tomorrow", weekday
names and abbreviations ("Fri", "on Friday", "this Friday", "next Friday": all the
first such day after today; "today" is the only way to say today), "next week" (its
Monday), "Friday next week", "in 3 days", "on the 3rd", calendar dates ("3 Dec",
"3rd of December", "December 3, 2026", "3/12" and "03/12/2026" in UK day/month
order, ISO "2026-12-03"), times ("10am", "10.30", "10:30am", "2 pm", "14:00", "noon",
"half past 2", "quarter to 3", "at 10", "two o'clock", "8 in the evening", a bare
"10" as the whole message) and parts of the day ("morning", "afternoon", "evening",
"tonight").

Left alone: order numbers ("order 1043", "#1059"), prices ("£49"), postcodes
("BS6 5JT"), quantities ("2 chairs"), durations ("2 hours") and greetings ("good
morning"). When a message names several days or times ("not Friday, Tuesday", "move
it from 10am to 2pm") the last one not ruled out ("not", "can't do", "instead of" …)
counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

__all__ = ["When", "parse_when"]


@dataclass(frozen=True, slots=True)
class When:
    """What a shopper named. Every field None: the text
    has something date- or time-like but nothing usable, such as an impossible date
    ("31 Feb") or only a day ruled out ("not Friday"); the caller asks again."""

    day: date | None  # a calendar date the shopper named
    at: time | None  # a time of day they named
    part: str | None  # "morning" | "afternoon" | "evening" when they named only that


# -- vocabulary ----------------------------------------------------------------------

_WEEKDAYS = {
    "monday": 0, "mondays": 0, "mon": 0,
    "tuesday": 1, "tuesdays": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "wednesdays": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thursdays": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fridays": 4, "fri": 4,
    "saturday": 5, "saturdays": 5, "sat": 5,
    "sunday": 6, "sundays": 6, "sun": 6,
}  # fmt: skip
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_MINUTE_WORDS = {"five": 5, "ten": 10, "quarter": 15, "twenty": 20, "twenty-five": 25, "half": 30}
_PARTS = {
    "morning": "morning", "mornings": "morning",
    "afternoon": "afternoon", "afternoons": "afternoon",
    "evening": "evening", "evenings": "evening", "tonight": "evening",
}  # fmt: skip


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_WD = _alternatives(_WEEKDAYS)
_MON = _alternatives(_MONTHS)
_NUMW = _alternatives(_NUMBER_WORDS)
_HOUR = rf"(?:\d{{1,2}}|{_NUMW})"
_ORD = r"(?:st|nd|rd|th)"
_AMPM = r"(?:a\.?m\.?|p\.?m\.?)(?![a-z])"
_YEAR = r"(?:,?\s*(\d{4}|'\d{2})(?![\d:.]))?"

# -- spans that are never a day or a time --------------------------------------------

_MASKS = (
    # order and reference numbers: "order 1043", "order no. 1043", "orders 1043 and 1044"
    re.compile(
        r"\b(?:orders?|ref(?:erence)?|invoices?|sku|tickets?)\s*(?:no\.?|number|num|id)?"
        r"\s*[:#]?\s*#?\s*[a-z]{0,3}-?\d[\d-]*(?:\s*(?:,|and|&|or)\s*#?\s*\d{3,})*"
    ),
    re.compile(r"#\s*\d+"),  # "#1059"
    # prices: "£49", "£3.95", "$10", "49p", "25 pounds"
    re.compile(r"[£$€]\s*\d[\d,]*(?:\.\d+)?(?:\s*(?:k|m|bn)\b)?"),
    re.compile(
        r"\b\d[\d,]*(?:\.\d+)?\s*(?:p(?!\.?\s*m\b)|pence|pounds?|quid|gbp|eur|euros?|usd|dollars?)\b"
    ),
    # UK postcodes: "BS6 5JT", "SW1A 1AA", "m11ae"
    re.compile(r"\b(?!at\d)[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b"),
    # phone numbers and other long runs of digits
    re.compile(r"\+?\d[\d ]{7,}\d"),
    # greetings
    re.compile(r"\bgood\s+(?:morning|afternoon|evening)\b"),
)
# After a number: it is a duration, a quantity or part of an address, not a time.
_NOT_A_TIME_AFTER = re.compile(
    r"\s*(?:%|x\b|-?\s*(?:hours?|hrs?|h|minutes?|mins?|m|days?|weeks?|wks?|months?|years?"
    r"|yrs?|seconds?|secs?|people|persons?|items?|pieces?|pcs|boxes|units?|of|point|stage"
    r"|time|times|go|least|more|less|other|another|kg|g|cm|mm|metres?|meters?|ft|feet"
    r"|inch(?:es)?|seat(?:er)?s?)\b)"
)
_PLURAL_NEXT = re.compile(r"\s+([a-z]{3,}s)\b")
_NOT_PLURAL = {
    "this", "thus", "is", "was", "has", "does", "works", "suits", "thanks", "yes", "plus",
    "always", "perhaps", "unless", "across", "regardless",
}  # fmt: skip
_STREET = re.compile(
    r"(?:\s+(?!(?:on|my|the|a|in|by|to|if|i|we|you|it|is|be)\b)[a-z'.-]+){0,2}?"
    r"\s+(?:road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way"
    r"|court|ct|place|pl|gardens|crescent|terrace|grove|square|hill|park|mews|row|walk)\b"
)
# Words right before a day or a time that rule it out ("can't do Friday").
_FILLER = (
    r"(?:do|make|manage|be|on|the|this|that|at|free|available|around|until|till|in|for|me"
    r"|it|us|good|possible|able|to|come|work|working|home|there|anymore|any|more)"
)
_RULED_OUT = re.compile(
    r"(?:\bnot|n't|\bcannot|\bcant|\bexcept|\binstead\s+of|\brather\s+than|\bno\s+longer)"
    rf"\s+(?:{_FILLER}\s+){{0,4}}$"
)
_FROM = re.compile(r"\bfrom\s+(?:(?:the|this|my|on|at)\s+)*$")
_CLAUSE = re.compile(r"[.,;!?()]|\bbut\b|\band\b|\bor\b")


@dataclass(frozen=True, slots=True)
class _Found:
    """One day, time or part of day found in the text, with where it was."""

    start: int
    end: int
    day: date | None = None
    weekday: bool = False  # the day is from a weekday name
    explicit: bool = False  # a calendar date: beats a weekday name written beside it
    hour: int = 0
    minute: int = 0
    fixed: bool = True  # the hour is as meant (am/pm, 24-hour, noon); else 1–7 are pm
    part: str = ""  # the part of day (for a time: the one written beside it)
    ruled_out: int = 0  # 0: fine; 1: after "from"; 2: after "not", "can't do" …


# -- entry point ---------------------------------------------------------------------


def parse_when(text: str, today: date) -> When | None:
    """The day, time or part of day in ``text``, read relative to ``today``, or None
    when nothing in it looks like one."""
    s = _normalise(text)
    for mask in _MASKS:
        s = mask.sub(lambda m: " " * len(m[0]), s)
    s, dates, impossible = _calendar_dates(s, today)
    s, relative = _relative_days(s, today)
    s, times = _times(s)
    parts = [_Found(m.start(), m.end(), part=_PARTS[m[1]]) for m in _PART.finditer(s)]
    if not (dates or relative or times or parts):
        whole = _whole_number(s)
        if whole is None:
            return When(None, None, None) if impossible else None
        times = [whole]

    day = _pick([_rule(s, f) for f in _beside_dates(dates + relative)])
    at = _pick([_rule(s, f) for f in times])
    part = _pick([_rule(s, f) for f in parts])
    part_name = part.part if part else None
    clock = _resolve(at, part_name) if at else None
    return When(
        day=day.day if day else None,
        at=clock,
        part=part_name if clock is None else None,
    )


# -- helpers -------------------------------------------------------------------------


_PLAIN = str.maketrans("’‘–—\u00a0", "''-- ")


def _normalise(text: str) -> str:
    s = text.lower()
    s = s.translate(_PLAIN)
    # a date-time from a form: "2026-12-03t10:00" → "2026-12-03 10:00"
    return re.sub(r"(\d{4}-\d{2}-\d{2})t(?=\d)", r"\1 ", s)


def _cut(s: str, start: int, end: int) -> str:
    """Blanks a span that has been read, keeping every other position."""
    return s[:start] + " " * (end - start) + s[end:]


def _rule(s: str, found: _Found) -> _Found:
    before = _CLAUSE.split(s[max(0, found.start - 60) : found.start])[-1]
    if _RULED_OUT.search(before):
        return replace(found, ruled_out=2)
    if _FROM.search(before):
        return replace(found, ruled_out=1)
    return found


def _pick(candidates: list[_Found]) -> _Found | None:
    """The last one mentioned that is not ruled out; one after "from" only failing that."""
    for level in (0, 1):
        chosen = [c for c in candidates if c.ruled_out == level]
        if chosen:
            return max(chosen, key=lambda c: c.start)
    return None


# -- calendar dates ------------------------------------------------------------------

_ISO = re.compile(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b")
_SLASH = re.compile(
    r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])"  # 3/12, 03/12/2026
    r"|(?<![\d/.£$€])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?![\d.])"  # 03.12.2026
)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s*{_ORD}?(?:\s+of)?[\s-]*({_MON})\b\.?{_YEAR}")
_MONTH_DAY = re.compile(rf"\b({_MON})\.?\s+(?:the\s+)?(\d{{1,2}})\s*({_ORD})?\b(?![:.]\d){_YEAR}")
_NTH = re.compile(
    rf"\bthe\s+(\d{{1,2}})\s*{_ORD}\b(?!\s+(?:one|option|slot|time|choice|of|place|in\s+line))"
)
# What may follow "may 3" for it to be a date rather than "may 2 people come?"
_AFTER_MAY_DAY = re.compile(
    rf"\s*(?:$|[.,;!?]|at\b|in\b|for\b|or\b|and\b|please\b|then\b|would\b|works?\b|is\b|if\b"
    rf"|ok\b|instead\b|morning|afternoon|evening|{_HOUR}\s*(?:[:.]\d|{_AMPM}))"
)


def _calendar_dates(s: str, today: date) -> tuple[str, list[_Found], bool]:
    """Dates written as dates; also whether one of them is no real date ("31 Feb")."""
    found: list[_Found] = []
    impossible = False

    def take(m: re.Match[str], day: date | None) -> None:
        nonlocal s, impossible
        if day is None:
            impossible = True
        else:
            found.append(_Found(m.start(), m.end(), day=day, explicit=True))
        s = _cut(s, m.start(), m.end())

    for m in list(_ISO.finditer(s)):
        if 1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= 31:
            take(m, _real_date(int(m[1]), int(m[2]), int(m[3])))
    for m in list(_DAY_MONTH.finditer(s)):
        if 1 <= int(m[1]) <= 31:
            take(m, _dated(today, _year(m[3]), _MONTHS[m[2]], int(m[1])))
    for m in list(_MONTH_DAY.finditer(s)):
        if m[1] == "may" and not m[3] and not m[4] and not _AFTER_MAY_DAY.match(s, m.end()):
            continue
        if 1 <= int(m[2]) <= 31:
            take(m, _dated(today, _year(m[4]), _MONTHS[m[1]], int(m[2])))
    for m in list(_SLASH.finditer(s)):
        d, mo, year = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
        if 1 <= int(d) <= 31 and 1 <= int(mo) <= 12:
            take(m, _dated(today, _year(year), int(mo), int(d)))
    for m in list(_NTH.finditer(s)):
        if 1 <= int(m[1]) <= 31:
            take(m, _next_nth(today, int(m[1])))
    return s, found, impossible


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text.lstrip("'"))
    return year + 2000 if year < 100 else year


def _dated(today: date, year: int | None, month: int, day: int) -> date | None:
    """A date as written; without a year this year's, or next year's once this year's
    has passed. None when there is no such day ("31 Feb"; "29 Feb" of a common year)."""
    if year is not None:
        return _real_date(year, month, day)
    this_year = _real_date(today.year, month, day)
    # A day just gone ("23 November" on the 24th) is a slip, refused as past, not a
    # booking eleven months ahead.
    if this_year is not None and this_year >= today - timedelta(days=RECENT_PAST_DAYS):
        return this_year
    next_year = _real_date(today.year + 1, month, day)
    if next_year is None and this_year is None and month == 2 and day == 29:
        return next(
            (d for y in range(today.year + 2, today.year + 5) if (d := _real_date(y, 2, 29))),
            None,
        )
    return next_year


def _next_nth(today: date, day: int) -> date | None:
    """ "The 3rd": this month's while it is still to come, else the next month's."""
    year, month = today.year, today.month
    for _ in range(3):
        found = _real_date(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _beside_dates(days: list[_Found]) -> list[_Found]:
    """Drops a weekday name written next to a calendar date ("Friday 4 December")."""
    dates = [d for d in days if d.explicit]
    return [
        d
        for d in days
        if not d.weekday
        or not any(abs(d.start - x.end) <= 6 or abs(x.start - d.end) <= 6 for x in dates)
    ]


# -- days named relative to today -----------------------------------------------------

RECENT_PAST_DAYS = 31
_YESTERDAY = re.compile(r"\b(?:yesterday|yday)\b")
_DAY_AFTER = re.compile(r"\b(?:the\s+)?day\s+after\s+(?:tomorrow|tomorow|tommorow|tmrw|tmr)\b")
_TOMORROW = re.compile(r"\b(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|2moro|2morrow)\b")
_TODAY = re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b")
_IN_DAYS = re.compile(
    rf"\bin\s+(a|an|\d{{1,2}}|{_NUMW})\s+(days?|weeks?|fortnight)(?:'?s?\s+time)?\b"
)
_NEXT_WEEK = re.compile(r"\bnext\s+week\b")
_WEEKDAY = re.compile(rf"(?<!')\b(?:(?:this\s+coming|this|next|on|coming)\s+)?({_WD})\b\.?")
_WEEKEND = re.compile(r"\b(?:this\s+|next\s+|the\s+)?week-?end\b")


def _relative_days(s: str, today: date) -> tuple[str, list[_Found]]:
    found: list[_Found] = []

    def take(m: re.Match[str], day: date, *, weekday: bool = False) -> None:
        nonlocal s
        found.append(_Found(m.start(), m.end(), day=day, weekday=weekday))
        s = _cut(s, m.start(), m.end())

    def after(weekday: int) -> date:
        """The first such weekday strictly after today."""
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)

    for m in list(_DAY_AFTER.finditer(s)):
        take(m, today + timedelta(days=2))
    for m in list(_YESTERDAY.finditer(s)):
        take(m, today - timedelta(days=1))
    for m in list(_TOMORROW.finditer(s)):
        take(m, today + timedelta(days=1))
    for m in _TODAY.finditer(s):  # not blanked: "this morning" is a part of day too
        found.append(_Found(m.start(), m.end(), day=today))
    for m in list(_IN_DAYS.finditer(s)):
        count = 1 if m[1] in ("a", "an") else _NUMBER_WORDS.get(m[1]) or int(m[1])
        unit = 14 if m[2] == "fortnight" else 7 if m[2].startswith("week") else 1
        take(m, today + timedelta(days=count * unit))
    next_monday = today + timedelta(days=7 - today.weekday())
    weeks = list(_NEXT_WEEK.finditer(s))
    for m in weeks:
        s = _cut(s, m.start(), m.end())
    weekdays = list(_WEEKDAY.finditer(s))
    for m in weekdays:
        wanted = _WEEKDAYS[m[1]]
        # "Friday next week" is that week's Friday; "next Friday" the first one to come.
        take(m, next_monday + timedelta(days=wanted) if weeks else after(wanted), weekday=True)
    if not weekdays:
        found += [_Found(m.start(), m.end(), day=next_monday) for m in weeks]
    for m in list(_WEEKEND.finditer(s)):  # its Saturday; on a Saturday, Sunday
        take(m, today + timedelta(days=1) if today.weekday() == 5 else after(5), weekday=True)
    return s, found


# -- times of day --------------------------------------------------------------------

_NOON = re.compile(r"\b(?:12\s*)?(?:noon|midday|mid-day|midnight)\b")
_PAST = re.compile(
    rf"\b(?:(\d{{1,2}}|{_alternatives(_MINUTE_WORDS)})\s+past|"
    rf"({_alternatives(_MINUTE_WORDS.keys() - {'half'})})\s+to)\s+({_HOUR})\b"
    rf"(?:\s*({_AMPM}))?"
)
_CLOCK = re.compile(rf"(?<![a-z\d.:£$€/])(\d{{1,2}})([:.])(\d{{2}})(?![\d.:/])(?:\s*({_AMPM}))?")
_MERIDIEM = re.compile(rf"\b({_HOUR})\s*({_AMPM})")
_HALF = re.compile(rf"\bhalf\s+({_HOUR})\b(?!\s*(?:hours?|hrs?|days?|weeks?|an?\b))")
_OCLOCK = re.compile(rf"\b({_HOUR})\s*o'?\s*clock\b")
_IN_THE = re.compile(
    rf"(?<![\d.:£$€/])\b({_HOUR})\s+(?:in\s+the\s+(morning|afternoon|evening)|(tonight))\b"
)
_AT = re.compile(rf"(?:\bat|@)\s*(?:around\s+|about\s+|roughly\s+)?({_HOUR})\b(?![.:/]\d)")
_ONE = rf"({_HOUR})(?:[:.](\d{{2}}))?\s*({_AMPM})?"
# A range names its start: "between 2 and 4pm" is 14:00, "10am-12pm" 10:00.
_RANGE = re.compile(
    rf"(?:\bbetween\s+{_ONE}\s+and|(?<![\d.:/£$€-])\b{_ONE}\s*-)\s*{_ONE}(?![\d:.])"
)
_PRICE_BEFORE = re.compile(r"\b(?:costs?|costing|pay|paid|price[ds]?|charged?|fee|refund)\s*$")


def _hour(text: str) -> int:
    return _NUMBER_WORDS.get(text) or int(text)


def _times(s: str) -> tuple[str, list[_Found]]:
    found: list[_Found] = []

    def take(m: re.Match[str], hour: int, minute: int, fixed: bool, part: str = "") -> None:
        nonlocal s
        found.append(_Found(m.start(), m.end(), hour=hour, minute=minute, fixed=fixed, part=part))
        s = _cut(s, m.start(), m.end())

    for m in list(_RANGE.finditer(s)):
        start = _range_start(m)
        if start is not None and not _NOT_A_TIME_AFTER.match(s, m.end()):
            take(m, *start)
    for m in list(_NOON.finditer(s)):
        take(m, 0 if m[0].endswith("midnight") else 12, 0, True)
    for m in list(_PAST.finditer(s)):
        hour = _hour(m[3])
        words = m[1] or m[2]
        minutes = int(words) if words.isdigit() else _MINUTE_WORDS[words]
        if not 1 <= hour <= 12 or not 0 < minutes < 60:
            continue
        if m[2]:  # "quarter to 3": 2:45
            hour, minutes = (hour - 1) or 12, 60 - minutes
        take(m, _meridiem(hour, m[4]) if m[4] else hour, minutes, bool(m[4]))
    for m in list(_CLOCK.finditer(s)):
        hour, minute = int(m[1]), int(m[3])
        if minute > 59 or _NOT_A_TIME_AFTER.match(s, m.end()):
            continue
        if m[2] == "." and (minute % 5 or _PRICE_BEFORE.search(s, 0, m.start())):
            continue  # "it costs 4.50", "1.37"
        if m[4] and 1 <= hour <= 12:
            take(m, _meridiem(hour, m[4]), minute, True)
        elif not m[4] and hour <= 23:
            # 24-hour or written with a leading zero: as written; "2:30" is 14:30
            take(m, hour, minute, hour == 0 or hour >= 12 or m[1].startswith("0"))
    for m in list(_MERIDIEM.finditer(s)):
        if 1 <= _hour(m[1]) <= 12:
            take(m, _meridiem(_hour(m[1]), m[2]), 0, True)
    for m in list(_HALF.finditer(s)):
        if 1 <= _hour(m[1]) <= 12:
            take(m, _hour(m[1]), 30, False)  # British "half 2": 2:30
    for m in list(_OCLOCK.finditer(s)):
        if 1 <= _hour(m[1]) <= 12:
            take(m, _hour(m[1]), 0, False)
    for m in list(_IN_THE.finditer(s)):
        if 1 <= _hour(m[1]) <= 12:
            take(m, _hour(m[1]), 0, False, _PARTS[m[2] or m[3]])
    for m in list(_AT.finditer(s)):
        if _NOT_A_TIME_AFTER.match(s, m.end()) or _STREET.match(s, m.end()):
            continue  # "at 2 hours' notice", "at 12 Elm Road"
        plural = _PLURAL_NEXT.match(s, m.end())
        if plural and plural[1] not in _NOT_PLURAL:
            continue  # "at 2 chairs"
        if 1 <= _hour(m[1]) <= 23:
            take(m, _hour(m[1]), 0, _hour(m[1]) >= 12)
    return s, found


def _range_start(m: re.Match[str]) -> tuple[int, int, bool] | None:
    """(hour, minute, fixed) of a range's start, its am/pm taken from the end's."""
    between = m[1] is not None
    hour, minute, suffix = (m[1], m[2], m[3]) if between else (m[4], m[5], m[6])
    end_hour, end_minute, end_suffix = m[7], m[8], m[9]
    h, mm, eh = _hour(hour), int(minute or 0), _hour(end_hour)
    if mm > 59 or int(end_minute or 0) > 59 or not (0 <= h <= 23 and 0 <= eh <= 23):
        return None
    if not between and not (suffix or end_suffix or (minute and end_minute)):
        return None  # "2-3 days", "10-12"
    if suffix:
        return (_meridiem(h, suffix), mm, True) if 1 <= h <= 12 else None
    if end_suffix and 1 <= h <= 12 and 1 <= eh <= 12:
        end = _meridiem(eh, end_suffix) * 60 + int(end_minute or 0)
        later = (h % 12 + 12) * 60 + mm
        return (h % 12 + 12, mm, True) if later < end else (h % 12, mm, True)
    if minute and end_minute:
        return h, mm, h == 0 or h >= 12 or hour.startswith("0")
    return (h, mm, h >= 12) if 1 <= h <= 23 else None


def _meridiem(hour: int, suffix: str) -> int:
    return hour % 12 + (12 if suffix.startswith("p") else 0)


_WHOLE = re.compile(
    r"\s*(?:(?:how\s+about|what\s+about|maybe|ok|okay|say|at)\s+)?(\d{1,2})"
    r"\s*(?:please|pls|then)?\s*[.!?]*\s*"
)


def _whole_number(s: str) -> _Found | None:
    """A message that is only a small number ("10", "2?") means that hour."""
    m = _WHOLE.fullmatch(s)
    if m is None or not 1 <= int(m[1]) <= 23:
        return None
    return _Found(m.start(1), m.end(1), hour=int(m[1]), fixed=int(m[1]) >= 12)


def _resolve(at: _Found, part: str | None) -> time:
    """The clock time: an hour without am/pm follows the part of day written beside
    it or in the message; failing that 1–7 are afternoon and 8–11 morning."""
    hour, part = at.hour, at.part or part
    later = part in ("afternoon", "evening") and hour < 12
    if not at.fixed and (later or (part != "morning" and 1 <= hour <= 7)):
        hour += 12
    return time(hour, at.minute)


# -- parts of the day ----------------------------------------------------------------

_PART = re.compile(r"\b(mornings?|afternoons?|evenings?|tonight)\b")
