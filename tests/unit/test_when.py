"""parse_when: the day and time a shopper types while booking, and what it must not read."""

from __future__ import annotations

from datetime import date, time

import pytest

from frontdesk.core.booking.when import When, parse_when

TODAY = date(2026, 11, 24)  # a Tuesday
assert TODAY.weekday() == 1


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


# ------------------------------------------------------------------------------ days


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", TODAY),
        ("Today please", TODAY),
        ("tomorrow", d(11, 25)),
        ("Tomorrow?", d(11, 25)),
        ("tmrw", d(11, 25)),
        ("the day after tomorrow", d(11, 26)),
        ("day after tomorrow", d(11, 26)),
        ("in 3 days", d(11, 27)),
        ("in a week", d(12, 1)),
        ("in two weeks' time", d(12, 8)),
        ("next week", d(11, 30)),  # its Monday
        ("3 Dec", d(12, 3)),
        ("3rd December", d(12, 3)),
        ("3rd of December", d(12, 3)),
        ("on the 3rd of Dec", d(12, 3)),
        ("December 3", d(12, 3)),
        ("december the 3rd", d(12, 3)),
        ("Dec 3rd", d(12, 3)),
        ("Dec. 3", d(12, 3)),
        ("3/12", d(12, 3)),  # UK day/month
        ("03/12/2026", d(12, 3)),
        ("3/12/26", d(12, 3)),
        ("03.12.2026", d(12, 3)),
        ("2026-12-03", d(12, 3)),  # the date picker
        ("2026/12/03", d(12, 3)),
        ("December 3, 2026", d(12, 3)),
        ("3 Dec 2026", d(12, 3)),
        ("on the 3rd", d(12, 3)),  # November's 3rd has passed
        ("the 30th", d(11, 30)),
        ("24 Nov", TODAY),  # today has not passed
        ("1 Jan", d(1, 1, 2027)),  # passed this year: next year's
        ("23 November", d(11, 23, 2026)),  # just gone: a slip, refused as past
        ("20 October", d(10, 20, 2027)),  # over a month gone: next year's
        ("yesterday", d(11, 23, 2026)),
        ("3 Dec 2025", d(12, 3, 2025)),  # an explicit year stays, even in the past
        ("01/06/2025", d(6, 1, 2025)),
        ("May 3", d(5, 3, 2027)),
        ("3 may", d(5, 3, 2027)),
        ("29 Feb", d(2, 29, 2028)),  # the next one there is
    ],
)
def test_dates(text: str, day: date) -> None:
    when = parse_when(text, TODAY)
    assert when is not None
    assert when.day == day
    assert when.at is None and when.part is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("friday", d(11, 27)),
        ("Fri", d(11, 27)),
        ("fri.", d(11, 27)),
        ("on Friday", d(11, 27)),
        ("this Friday", d(11, 27)),
        ("next Friday", d(11, 27)),  # the first Friday after today
        ("Wednesday", d(11, 25)),
        ("weds", d(11, 25)),
        ("thurs", d(11, 26)),
        ("sat", d(11, 28)),
        ("Sunday", d(11, 29)),
        ("monday", d(11, 30)),
        ("tuesday", d(12, 1)),  # a weekday name never means today
        ("tue", d(12, 1)),
        ("Friday next week", d(12, 4)),
        ("next week on Tuesday", d(12, 1)),
        ("this weekend", d(11, 28)),
    ],
)
def test_weekdays(text: str, day: date) -> None:
    when = parse_when(text, TODAY)
    assert when == When(day=day, at=None, part=None)


def test_weekday_after_today_from_other_days() -> None:
    friday = date(2026, 11, 27)
    assert parse_when("friday", friday) == When(d(12, 4), None, None)
    assert parse_when("saturday", friday) == When(d(11, 28), None, None)
    assert parse_when("next week", d(11, 29)) == When(d(11, 30), None, None)  # Sunday


def test_weekday_beside_a_date_gives_way_to_it() -> None:
    assert parse_when("Friday 4 December", TODAY) == When(d(12, 4), None, None)
    assert parse_when("Fri 4/12 at 9.30", TODAY) == When(d(12, 4), time(9, 30), None)
    assert parse_when("Monday the 30th", TODAY) == When(d(11, 30), None, None)


# ----------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("10", time(10)),  # the whole message
        ("10?", time(10)),
        ("2", time(14)),
        ("8", time(8)),
        ("12", time(12)),
        ("16", time(16)),
        ("at 10", time(10)),
        ("at 2", time(14)),  # 1–7 without am/pm: the afternoon
        ("at 7", time(19)),
        ("at 8", time(8)),  # 8–11: the morning
        ("at 11", time(11)),
        ("at 12", time(12)),
        ("at 15", time(15)),
        ("@ 3", time(15)),
        ("at around 10", time(10)),
        ("10am", time(10)),
        ("10 am", time(10)),
        ("10 a.m.", time(10)),
        ("7am", time(7)),
        ("10.30", time(10, 30)),
        ("10:30", time(10, 30)),
        ("10:30am", time(10, 30)),
        ("10.30 pm", time(22, 30)),
        ("2:30", time(14, 30)),
        ("09:00", time(9)),
        ("07:30", time(7, 30)),  # a leading zero is as written
        ("2pm", time(14)),
        ("2 pm", time(14)),
        ("2 p.m.", time(14)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("14:00", time(14)),
        ("noon", time(12)),
        ("midday", time(12)),
        ("12 noon", time(12)),
        ("half past 2", time(14, 30)),
        ("half past ten", time(10, 30)),
        ("quarter past 9", time(9, 15)),
        ("quarter to 3", time(14, 45)),
        ("twenty past ten", time(10, 20)),
        ("half 2", time(14, 30)),  # British for 2:30
        ("two o'clock", time(14)),
        ("at ten", time(10)),
        ("ten am", time(10)),
        ("at 8 in the evening", time(20)),
        ("7 in the morning", time(7)),
        ("2 in the afternoon", time(14)),
        ("at 6 this evening", time(18)),
        # a range names its start
        ("between 2 and 4pm", time(14)),
        ("between 10 and 12", time(10)),
        ("10am-12pm", time(10)),
        ("10-12pm", time(10)),
        ("11-1pm", time(11)),
        ("2pm - 4pm", time(14)),
        ("14:00-16:00", time(14)),
    ],
)
def test_times(text: str, at: time) -> None:
    when = parse_when(text, TODAY)
    assert when is not None
    assert when.at == at
    assert when.part is None


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("morning", "morning"),
        ("in the morning", "morning"),
        ("mornings are best", "morning"),
        ("afternoon", "afternoon"),
        ("any time in the afternoon", "afternoon"),
        ("evening", "evening"),
        ("early evening?", "evening"),
    ],
)
def test_parts_of_the_day(text: str, part: str) -> None:
    assert parse_when(text, TODAY) == When(day=None, at=None, part=part)


def test_part_of_today() -> None:
    assert parse_when("this afternoon", TODAY) == When(TODAY, None, "afternoon")
    assert parse_when("tonight", TODAY) == When(TODAY, None, "evening")
    assert parse_when("tonight at 8", TODAY) == When(TODAY, time(20), None)


# --------------------------------------------------------------------- whole messages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("actually Tuesday at 2pm", When(d(12, 1), time(14), None)),
        ("can we do Friday morning instead?", When(d(11, 27), None, "morning")),
        ("move it to Friday", When(d(11, 27), None, None)),
        ("Could I book a call tomorrow at 10?", When(d(11, 25), time(10), None)),
        ("tmrw 9am", When(d(11, 25), time(9), None)),
        ("3 Dec at 10", When(d(12, 3), time(10), None)),
        ("December 3rd, 2pm please", When(d(12, 3), time(14), None)),
        ("2026-12-03T10:00", When(d(12, 3), time(10), None)),
        ("Friday afternoon at 3", When(d(11, 27), time(15), None)),
        ("Saturday at 9 in the morning", When(d(11, 28), time(9), None)),
        ("order 1043, Friday at 10 please", When(d(11, 27), time(10), None)),
        ("for order #1043 at 10", When(None, time(10), None)),
        ("installation for 2 chairs on Thursday", When(d(11, 26), None, None)),
        ("my postcode is BS6 5JT, Monday works", When(d(11, 30), None, None)),
        ("Good morning! Can I book Thursday?", When(d(11, 26), None, None)),
        # several named: the last one not ruled out
        ("not Friday, Saturday", When(d(11, 28), None, None)),
        ("I can't do Friday, how about Monday?", When(d(11, 30), None, None)),
        ("I'm not free on Friday but Saturday is fine", When(d(11, 28), None, None)),
        ("Monday instead of Friday", When(d(11, 30), None, None)),
        ("move it from Friday to Tuesday", When(d(12, 1), None, None)),
        ("move it from 10am to 2pm", When(None, time(14), None)),
        ("from Friday", When(d(11, 27), None, None)),
        ("not 10am, 11am", When(None, time(11), None)),
        ("I don't mind, Friday", When(d(11, 27), None, None)),
        ("change my 3 Dec booking to Friday", When(d(11, 27), None, None)),
    ],
)
def test_mixed_messages(text: str, expected: When) -> None:
    assert parse_when(text, TODAY) == expected


# ------------------------------------------------------------------- what is not read


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "yes please",
        "what's the price?",
        "order 1043",
        "order no. 1043",
        "my order number is 1059",
        "orders 1043 and 1044",
        "#1059",
        "£49",
        "it's £3.95 isn't it",
        "it costs 4.50",
        "£10.30",
        "I paid 49p",
        "25 pounds",
        "BS6 5JT",
        "my postcode is BS6 6AM",
        "SW1A 1AA",
        "2 chairs",
        "I need 2 chairs assembled",
        "I'd like 3 pieces",
        "at 2 chairs",
        "a 3 seater sofa",
        "2 hours",
        "it takes 2 hours",
        "in 2 hours",
        "30 minutes",
        "within 2 days",
        "half an hour",
        "1.25 metres",
        "at one point",
        "at 12 Elm Road",
        "at 0",
        "25:00",
        "13:61",
        "may 2 people come?",
        "c'mon",
        "the 2nd one",
        "07700 900123",
        "NW-7K3QXD",
        "10 20 30",
        "2-3 days",
        "10-12",
        "1-2 chairs",
        "between 2 and 4 weeks",
        "before 10",
        "can you do 9",
        "ASAP",
        "any time",
    ],
)
def test_not_a_day_or_time(text: str) -> None:
    assert parse_when(text, TODAY) is None


@pytest.mark.parametrize("text", ["31 Feb", "30 February", "31/11", "29/02/2027", "31 June 2027"])
def test_impossible_dates_are_no_day(text: str) -> None:
    assert parse_when(text, TODAY) == When(day=None, at=None, part=None)


def test_impossible_date_keeps_the_time() -> None:
    assert parse_when("31 Feb at 10", TODAY) == When(None, time(10), None)


def test_only_ruled_out_is_nothing_usable() -> None:
    assert parse_when("not Friday", TODAY) == When(None, None, None)


def test_a_bare_number_is_a_time_only_alone() -> None:
    assert parse_when("10", TODAY) == When(None, time(10), None)
    assert parse_when("Friday 10", TODAY) == When(d(11, 27), None, None)
    assert parse_when("I need 10", TODAY) is None
