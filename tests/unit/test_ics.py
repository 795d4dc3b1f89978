"""calendar_file: an RFC 5545 file that calendars import, update and cancel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from frontdesk.core.booking.ics import calendar_file, escape_text, fold_line
from frontdesk.core.booking.model import Booking, BookingStatus

NOW = datetime(2026, 11, 24, 9, 15, 30, tzinfo=UTC)
BOOKED_AT = datetime(2026, 11, 24, 9, 10, tzinfo=UTC)


def booking(**changes: object) -> Booking:
    values: dict[str, object] = {
        "ref": "NW-7K3QXD",
        "type_id": "consultation",
        "start": datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        "end": datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
        "email": "ana@example.com",
        "created_at": BOOKED_AT,
        "updated_at": BOOKED_AT,
    }
    values.update(changes)
    return Booking(**values)  # type: ignore[arg-type]


def make(b: Booking | None = None, **kwargs: str) -> str:
    args = {
        "title": "Product consultation video call",
        "description": "Your video call with a Northwind home advisor.",
        "organiser": "Northwind Home <help@northwind.example>",
        "domain": "northwind.example",
    }
    args.update(kwargs)
    return calendar_file(b or booking(), now=NOW, **args)


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    return text.replace("\r\n ", "").removesuffix("\r\n").split("\r\n")


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def parse(text: str) -> dict[str, str]:
    """Property name → raw value of the unfolded file (the last one wins)."""
    props: dict[str, str] = {}
    for line in unfold(text):
        name, _, value = line.partition(":")
        props[name.split(";")[0]] = value
    return props


# ------------------------------------------------------------------------- structure


def test_a_booking_file() -> None:
    text = make()
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.index("BEGIN:VEVENT") < lines.index("END:VEVENT")
    assert lines.count("BEGIN:VEVENT") == 1
    props = parse(text)
    assert props["VERSION"] == "2.0"
    assert props["PRODID"].startswith("-//frontdesk//")
    assert props["CALSCALE"] == "GREGORIAN"
    assert props["METHOD"] == "PUBLISH"
    assert props["STATUS"] == "CONFIRMED"
    assert props["UID"] == "NW-7K3QXD@northwind.example"
    assert props["DTSTAMP"] == "20261124T091530Z"
    assert props["DTSTART"] == "20261201T100000Z"
    assert props["DTEND"] == "20261201T103000Z"
    assert props["SEQUENCE"] == str(int(BOOKED_AT.timestamp()))
    assert unescape(props["SUMMARY"]) == "Product consultation video call"
    assert unescape(props["DESCRIPTION"]) == "Your video call with a Northwind home advisor."
    assert 'ORGANIZER;CN="Northwind Home":mailto:help@northwind.example' in lines


def test_cancelled() -> None:
    props = parse(make(booking(status=BookingStatus.CANCELLED)))
    assert props["METHOD"] == "CANCEL"
    assert props["STATUS"] == "CANCELLED"
    assert props["UID"] == "NW-7K3QXD@northwind.example"  # the same event


def test_a_rescheduled_file_supersedes_the_first() -> None:
    first = parse(make())
    moved = booking(
        start=datetime(2026, 12, 2, 14, tzinfo=UTC),
        end=datetime(2026, 12, 2, 14, 30, tzinfo=UTC),
        updated_at=BOOKED_AT + timedelta(hours=3),
    )
    second = parse(make(moved))
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second["DTSTART"] == "20261202T140000Z"


def test_times_are_written_in_utc() -> None:
    london_winter = timezone(timedelta(hours=0))
    new_york = timezone(timedelta(hours=-5))
    b = booking(
        start=datetime(2026, 12, 1, 5, 0, tzinfo=new_york),  # 10:00 UTC
        end=datetime(2026, 12, 1, 10, 30, tzinfo=london_winter),
        updated_at=None,
        created_at=None,
    )
    props = parse(
        calendar_file(
            b,
            title="t",
            description="d",
            organiser="x@y.z",
            domain="y.z",
            now=datetime(2026, 11, 24, 10, 15, tzinfo=new_york),
        )
    )
    assert props["DTSTART"] == "20261201T100000Z"
    assert props["DTEND"] == "20261201T103000Z"
    assert props["DTSTAMP"] == "20261124T151500Z"
    assert props["SEQUENCE"] == "0"  # no change recorded yet


def test_organiser_forms() -> None:
    assert "ORGANIZER:mailto:help@northwind.example" in unfold(
        make(organiser="help@northwind.example")
    )
    assert 'ORGANIZER;CN="Northwind Home":mailto:noreply@northwind.example' in unfold(
        make(organiser="Northwind Home")
    )
    assert 'ORGANIZER;CN="Northwind; Home":mailto:a@b.c' in unfold(
        make(organiser='"Northwind; Home" <a@b.c>')
    )


# ------------------------------------------------------------------------ escaping


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain", "plain"),
        ("a, b; c", "a\\, b\\; c"),
        ("back\\slash", "back\\\\slash"),
        ("line one\nline two", "line one\\nline two"),
        ("crlf\r\nand cr\r", "crlf\\nand cr\\n"),
        ("bell\x07gone\ttab kept", "bellgone\ttab kept"),
        ("\\n is not a newline", "\\\\n is not a newline"),
    ],
)
def test_escape_text(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


def test_escaped_values_round_trip() -> None:
    title = "Installation visit, sofa; 2 seats"
    description = "Bring:\n- the order number, 1043\n- a clear path\\door; thanks"
    text = make(title=title, description=description)
    props = parse(text)
    assert unescape(props["SUMMARY"]) == title
    assert unescape(props["DESCRIPTION"]) == description
    for line in unfold(text):
        assert "\n" not in line and "\r" not in line


# ------------------------------------------------------------------------- folding


def test_short_lines_are_not_folded() -> None:
    assert fold_line("x" * 75) == "x" * 75


def test_long_ascii_line_folds_at_75_octets() -> None:
    line = "DESCRIPTION:" + "a" * 200
    folded = fold_line(line)
    parts = folded.split("\r\n")
    assert len(parts[0].encode()) == 75
    assert all(p.startswith(" ") for p in parts[1:])
    assert all(len(p.encode()) <= 75 for p in parts)
    assert folded.replace("\r\n ", "") == line


@pytest.mark.parametrize("char", ["é", "£", "€", "日", "😀"])  # 2, 2, 3, 3 and 4 octets
def test_folding_never_splits_a_character(char: str) -> None:
    for prefix in range(1, 5):  # shift where the 75-octet boundaries fall
        line = "SUMMARY:" + "x" * prefix + char * 90
        folded = fold_line(line)
        parts = folded.split("\r\n")
        assert all(len(part.encode("utf-8")) <= 75 for part in parts)
        assert folded.replace("\r\n ", "") == line
        # as bytes, every physical line is valid UTF-8 by itself (decode raises if not)
        for raw in folded.encode("utf-8").split(b"\r\n"):
            raw.decode("utf-8")
        # and lines are filled: a fold happens only where the next character won't fit
        for part in parts[:-1]:
            assert len(part.encode("utf-8")) > 75 - len(char.encode("utf-8"))


def test_whole_file_lines_within_75_octets_and_parse_back() -> None:
    description = "Ünpacking, assembly & positioning 🛋️; " * 8 + "\nsee you then"
    title = "Installation visit — Zoë's sofa, "
    text = make(title=title * 4, description=description)
    for raw in text.encode("utf-8").split(b"\r\n"):
        assert len(raw) <= 75
        raw.decode("utf-8")
    props = parse(text)
    assert unescape(props["SUMMARY"]) == title * 4
    assert unescape(props["DESCRIPTION"]) == description
