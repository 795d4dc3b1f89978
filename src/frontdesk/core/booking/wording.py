"""How appointment times read: in the shopper's timezone, with the shop's beside it
when the two differ."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from frontdesk.core.booking.model import AppointmentType, Booking, Slot


def when(start: datetime, zone: ZoneInfo) -> str:
    """ "Thu 26 Nov, 10:00" in ``zone``."""
    local = start.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """ "Thu 26 Nov, 10:00–10:30" (the end's date too when it is another day)."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        return f"{when(start, zone)}–{last:%H:%M}"
    return f"{when(start, zone)} – {when(end, zone)}"


def day_name(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def slot_label(slot: Slot, viewer: ZoneInfo) -> str:
    return span(slot.start, slot.end, viewer)


def zone_note(viewer: ZoneInfo, shop: ZoneInfo, at: datetime) -> str:
    """ "(times in your timezone, Europe/Paris)" when it is not the shop's."""
    if _same_clock(viewer, shop, at):
        return ""
    return f" (times in your timezone, {viewer.key})"


def booking_time(booking: Booking, viewer: ZoneInfo, shop: ZoneInfo) -> str:
    """The booking's time for the shopper, and in shop time when that differs."""
    return time_for(booking.start, booking.end, viewer, shop)


def time_for(start: datetime, end: datetime, viewer: ZoneInfo, shop: ZoneInfo) -> str:
    """A time for the shopper, and in shop time when that differs."""
    text = span(start, end, viewer)
    if _same_clock(viewer, shop, start):
        return text
    return f"{text} your time ({span(start, end, shop)} shop time)"


def type_label(kind: AppointmentType) -> str:
    """ "Installation visit (2 hours, £49)" """
    extra = [_duration(kind.duration_min)]
    if kind.price and len(kind.price) <= 12:
        extra.append(kind.price)
    return f"{kind.name} ({', '.join(extra)})"


def type_line(kind: AppointmentType) -> str:
    """One line of the list of appointment types."""
    line = f"• {kind.name}: {_duration(kind.duration_min)}"
    if kind.price:
        line += f", {kind.price}"
    return line


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    text = f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{text} {rest} min" if rest else text


def _same_clock(a: ZoneInfo, b: ZoneInfo, at: datetime) -> bool:
    return a.key == b.key or at.astimezone(a).utcoffset() == at.astimezone(b).utcoffset()
