"""What a shopper wants to do about appointments: book one, or check, move or cancel
the one they have; and which kind they mean."""

from __future__ import annotations

import re
from enum import StrEnum

from frontdesk.core.booking.model import AppointmentType, BookingRules


class BookingIntent(StrEnum):
    BOOK = "book_appointment"
    CHECK = "check_appointment"
    RESCHEDULE = "reschedule_appointment"
    CANCEL = "cancel_appointment"


_THING = (
    r"(?:appointments?|bookings?|visits?|consultations?|video ?calls?|calls?|"
    r"installations?|installers?|technicians?|pick-?ups?|pick ups?|fitting|assembly)"
)
# Asks us to book: always, whatever else the message says.
_BOOK_NOW = re.compile(
    rf"\b(?:book|schedule|arrange|set up|organi[sz]e|reserve)\b(?:\W+\w+){{0,5}}?\W+{_THING}\b"
    r"|\b(?:can|could|may) (?:i|we) book\b|\bi (?:want|need|would like|'d like|wanna) to book\b",
    re.IGNORECASE,
)
# Wants one ("I'd like a video call"): unless it asks a question about one ("do I
# need a camera for the call?") or wants a call back, which is another thing.
_WANT_ONE = re.compile(
    rf"\b(?:make|get|request)\b(?:\W+\w+){{0,5}}?\W+{_THING}\b"
    rf"|\b(?:i'?d like|i would like|i want|i need|can i (?:have|get)|could i (?:have|get)|"
    rf"i'?m after)\s+(?:a|an|to book|to arrange|someone)\b.*\b{_THING}\b"
    r"|\bcan (?:someone|somebody|you|a technician|your team|a driver)\s+"
    r"(?:come|visit|install|assemble|put together|fit|collect|pick up)\b"
    r"|\b(?:call|chat|speak|talk) with (?:someone|an? advisor|an? expert)\b.*\babout\b",
    re.IGNORECASE,
)
_NOT_A_BOOKING = re.compile(
    r"\bcall ?back\b|\brefund\b|\bfrom your (?:store|shop|warehouse)\b", re.I
)
_ASKS = re.compile(
    r"^\s*(?:how|what|why|who|which|where|does|do|is|are|will|would|should)\b", re.IGNORECASE
)
_MY_THING = rf"(?:my|the|our|this|that)\s+(?:\w+\s+)?{_THING}"
_CHECK = re.compile(
    rf"\b(?:when|what time|what day|which day)(?:'s| is| was| are)\s+{_MY_THING}"
    rf"|\bdo i have (?:an?|any)\s+(?:\w+\s+)?{_THING}"
    rf"|\b(?:show|check|remind me of|details of|what'?s)\s+{_MY_THING}",
    re.IGNORECASE,
)
_RESCHEDULE = re.compile(
    rf"\b(?:move|reschedule|rebook|re-book|change|push back|bring forward|postpone|shift)\b"
    rf"\s+(?:{_MY_THING}|the (?:time|date|day) of {_MY_THING})\b"
    # "move it to Friday": "it" only with a verb that moves things in time
    rf"|\b(?:move|reschedule|rebook|postpone|shift) it\b|\b(?:push|bring) it (?:back|forward)\b"
    rf"|\breschedule\b"
    rf"|\b{_THING}\b.*\b(?:a |another |a new )?(?:different|other|new|later|earlier) "
    rf"(?:day|date|time|week|slot)\b",
    re.IGNORECASE,
)
_CANCEL = re.compile(
    rf"\b(?:cancel\w*|withdraw|call off|scrap)\s+(?:{_MY_THING}|an? {_THING}\b.*\b(?:i|we) "
    rf"(?:made|booked|have))\b",
    re.IGNORECASE,
)
# "how do I cancel an appointment?" asks how; "cancel my appointment" asks us to.
_HOW = re.compile(r"^\s*(?:how|can i|where|is it possible|what happens)\b", re.IGNORECASE)


def detect_booking_intent(text: str) -> BookingIntent | None:
    if _CANCEL.search(text):
        return BookingIntent.CANCEL
    if _RESCHEDULE.search(text) and not _HOW.search(text):
        return BookingIntent.RESCHEDULE
    if _CHECK.search(text):
        return BookingIntent.CHECK
    if _BOOK_NOW.search(text):
        return BookingIntent.BOOK
    if _WANT_ONE.search(text) and not _ASKS.search(text) and not _NOT_A_BOOKING.search(text):
        return BookingIntent.BOOK
    return None


def asks_how(text: str) -> bool:
    """ "How do I cancel an appointment?" asks how it is done, which the FAQ answers."""
    return _HOW.search(text) is not None


def booking_intent(name: str | None) -> BookingIntent | None:
    """A knowledge-base entry's intent tag, if it is one of ours."""
    try:
        return BookingIntent(name) if name else None
    except ValueError:
        return None


def type_named(text: str, rules: BookingRules) -> AppointmentType | None:
    """The appointment type ``text`` names by its name or a keyword; the longest
    match wins ("return pickup" over "pickup"), and None when two types tie."""
    folded = text.casefold()
    best: tuple[int, AppointmentType | None] = (0, None)
    for kind in rules.types:
        for word in (kind.name, kind.id.replace("_", " "), *kind.keywords):
            word = word.casefold().strip()
            if not word or not re.search(rf"\b{re.escape(word)}\b", folded):
                continue
            if len(word) > best[0]:
                best = (len(word), kind)
            elif len(word) == best[0] and best[1] is not kind:
                best = (len(word), None)
    return best[1]
