"""A booking as an iCalendar file (RFC 5545) for the shopper's calendar.

One VEVENT, times in UTC. The UID is the booking's reference, and SEQUENCE grows with
every change (it is the epoch second of the booking's last update), so a calendar
that imported the first file replaces the event when it gets a rescheduled one, and
removes it when it gets the cancellation (METHOD:CANCEL, STATUS:CANCELLED).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from frontdesk.core.booking.model import Booking, BookingStatus

__all__ = ["calendar_file", "escape_text", "fold_line"]

PRODID = "-//frontdesk//Appointments 1.0//EN"
_LINE_OCTETS = 75  # RFC 5545 §3.1: lines longer than this are folded
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not allowed in TEXT (HTAB is)
_ADDRESS = re.compile(r"^\s*(?:(.*?)\s*<\s*([^<>\s]+@[^<>\s]+)\s*>|([^<>\s]+@[^<>\s]+))\s*$")


def calendar_file(
    booking: Booking,
    *,
    title: str,
    description: str,
    organiser: str,
    domain: str,
    now: datetime,
) -> str:
    """The ``.ics`` text for ``booking``: CRLF line endings, long lines folded.

    ``organiser`` is "Name <email>", an email address, or a name alone (then the
    address is ``noreply@{domain}``). ``now`` stamps the file (DTSTAMP).
    """
    cancelled = booking.status is BookingStatus.CANCELLED
    changed = booking.updated_at or booking.created_at
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(f'{booking.ref}@{domain}')}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(booking.start)}",
        f"DTEND:{_utc(booking.end)}",
        f"SEQUENCE:{_sequence(changed)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape_text(title)}",
        f"DESCRIPTION:{escape_text(description)}",
        _organizer(organiser, domain),
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold_line(line) + "\r\n" for line in lines)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped;
    other control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """``line`` split into lines of at most 75 octets of UTF-8 joined by CRLF + space
    (RFC 5545 §3.1), never inside a character."""
    if len(line.encode("utf-8")) <= _LINE_OCTETS:
        return line
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = _LINE_OCTETS  # the first line; each later one starts with its space
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, _LINE_OCTETS - 1
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    """A UTC DATE-TIME: 20261201T100000Z (a naive time is taken as UTC already)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _sequence(changed: datetime | None) -> int:
    """The booking's last change as whole seconds since 1970: later files supersede
    earlier ones."""
    if changed is None:
        return 0
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    return max(0, int(changed.timestamp()))


def _organizer(organiser: str, domain: str) -> str:
    match = _ADDRESS.match(organiser)
    if match is None:
        name, email = organiser.strip(), f"noreply@{domain}"
    else:
        name, email = (match[1] or "").strip(), match[2] or match[3]
    name = _CONTROL.sub("", name).replace('"', "").replace("\n", " ").replace("\t", " ")
    if not name:
        return f"ORGANIZER:mailto:{email}"
    return f'ORGANIZER;CN="{name}":mailto:{email}'
