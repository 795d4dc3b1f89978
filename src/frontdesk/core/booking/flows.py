"""The booking flows as data: book, move and cancel an appointment.

Book: type (skipped when the message names one) → order (only for kinds that need
one; skipped when there is one candidate) → slot (the next free times, "another
day", or a typed day and time) → email (from the CRM for a verified customer) →
confirm (a summary with one click to book) → booked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from frontdesk.core.account.budget import turn_budget
from frontdesk.core.account.ledger import RecordingDirectory
from frontdesk.core.account.model import Order, OrderStatus
from frontdesk.core.account.wording import order_label
from frontdesk.core.booking.intents import detect_booking_intent, type_named
from frontdesk.core.booking.model import AppointmentType, Booking, Slot
from frontdesk.core.booking.service import (
    Appointments,
    Owner,
    SlotRefusedError,
    checked_email,
    zone_or_none,
)
from frontdesk.core.booking.when import When, parse_when
from frontdesk.core.booking.wording import (
    booking_time,
    day_name,
    slot_label,
    time_for,
    type_label,
    type_line,
    zone_note,
)
from frontdesk.core.conversation import Link, Option, Reply, ReplyKind
from frontdesk.core.flows.executor import (
    QUESTION,
    Ask,
    Filled,
    Flow,
    FlowRun,
    GoBack,
    Leave,
    Reading,
    Retry,
    Step,
)
from frontdesk.core.nlu.entities import EMAIL, is_yes, order_numbers
from frontdesk.core.ports import CustomerDirectory
from frontdesk.errors import (
    BookingNotFoundError,
    CrmDataError,
    CrmUnavailableError,
    InputError,
    SlotTakenError,
    StorageError,
)

log = logging.getLogger("frontdesk.booking")
T = TypeVar("T")

BOOK, MOVE, CANCEL = "booking", "booking_move", "booking_cancel"
YES, NO = "yes", "no"
ANOTHER_DAY, ANOTHER_TIME, ANOTHER_EMAIL = "another_day", "another_time", "another_email"
NO_ORDER = "-"  # the order step's value for kinds that need none
RECENT_ORDERS = 3
DAY_OPTIONS = 4
PARTS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
# At a summary: "yes move it", "please cancel it", "no problem, book it" go ahead …
CONFIRMING = re.compile(
    r"^\s*(?:(?:yes|yeah|yep|sure|ok|okay|please|perfect|great|fine|no problem|go ahead)"
    r"\b[\s,.!]*)*(?:please\s+)?(?:book|move|cancel|confirm|do)\s+(?:it|that|this|the "
    r"(?:appointment|booking|visit|call|pickup))(?:\s+please)?[\s.!]*$"
    r"|^\s*(?:yes|yeah|yep|sure|ok|okay)[\s,.!]+please(?:\s+(?:book|move|cancel)\w*)?[\s.!]*$",
    re.IGNORECASE,
)
# … and only a whole-message no ("no", "no thanks", "keep it") stops: "no, 3pm is
# better" changes the time instead.
DECLINING = re.compile(
    r"^\s*(?:no|nope|nah|no thanks?|no,? thank you|don'?t|keep it(?: as it is)?|"
    r"leave it(?: as it is)?|not now)[\s.!]*$",
    re.IGNORECASE,
)
TAKEN_TEXT = "Sorry, that time has just been booked by someone else, so nothing was booked."


class BookingFlows:
    """The three flows, bound to the shop's appointments and (for verified
    customers' orders and email) its CRM."""

    def __init__(self, appointments: Appointments, directory: CustomerDirectory | None) -> None:
        self.appointments = appointments
        self.directory = directory
        slot = self._slot_step()
        self.book = Flow(
            BOOK,
            (
                Step(
                    "type",
                    ("type",),
                    self._ask_type,
                    self._read_type,
                    self._auto_type,
                    resets=("order", "slot", "confirmed"),
                ),
                Step(
                    "order",
                    ("order",),
                    self._ask_order,
                    self._read_order,
                    self._auto_order,
                    resets=("confirmed",),
                ),
                slot,
                Step(
                    "email",
                    ("email",),
                    self._ask_email,
                    self._read_email,
                    self._auto_email,
                    resets=("confirmed",),
                ),
                Step("confirm", ("confirmed",), self._ask_confirm, self._read_confirm),
            ),
            self._finish_booking,
            "OK, I've left it there: nothing was booked. Anything else I can help with?",
            kind=ReplyKind.BOOKING,
        )
        self.move = Flow(
            MOVE,
            (
                self._which_step(("slot", "confirmed")),
                slot,
                Step("confirm", ("confirmed",), self._ask_move, self._read_confirm),
            ),
            self._finish_move,
            "OK, your appointment stays as it was. Anything else I can help with?",
            kind=ReplyKind.BOOKING,
        )
        self.cancel = Flow(
            CANCEL,
            (
                self._which_step(("confirmed",)),
                Step("confirm", ("confirmed",), self._ask_cancel, self._read_confirm),
            ),
            self._finish_cancel,
            "OK, I haven't cancelled anything. Anything else I can help with?",
            kind=ReplyKind.BOOKING,
        )

    @property
    def all(self) -> list[Flow]:
        return [self.book, self.move, self.cancel]

    # -- type ----------------------------------------------------------------------

    def _auto_type(self, run: FlowRun) -> dict[str, str] | None:
        types = self.appointments.rules.types
        return {"type": types[0].id} if len(types) == 1 else None

    def _ask_type(self, run: FlowRun) -> Ask:
        types = self.appointments.rules.types
        lines = "\n".join(type_line(t) for t in types)
        return Ask(
            f"I can book that for you here. Which appointment would you like?\n{lines}",
            tuple(Option(f"type:{t.id}", type_label(t)) for t in types),
        )

    def _read_type(self, run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
        if chosen is not None and chosen.id.startswith("type:"):
            return Filled({"type": chosen.id.removeprefix("type:")})
        if QUESTION.search(text) and detect_booking_intent(text) is None:
            return None  # "how much is an installation?" asks, it does not choose
        kind = type_named(text, self.appointments.rules)
        return None if kind is None else Filled({"type": kind.id})

    # -- order ---------------------------------------------------------------------

    def _auto_order(self, run: FlowRun) -> dict[str, str] | None:
        kind = self._kind(run)
        if not kind.needs_order:
            return {"order": NO_ORDER}
        hint = run.data.pop("_order_hint", None)
        if hint:  # named in the first message: the same check as a typed answer
            reading = self._read_order(run, f"order {hint}", None)
            if isinstance(reading, Filled):
                return dict(reading.values)
            if isinstance(reading, Retry):
                run.data["_order_note"] = reading.note
        customer = run.conversation.customer
        if customer is None:
            return None
        orders = self._orders(run, customer.id)
        if orders is not None and len(orders) == 1:
            return {"order": orders[0].id}
        return None

    def _ask_order(self, run: FlowRun) -> Ask:
        asked = self._order_question(run)
        note = run.data.pop("_order_note", "")
        return Ask(f"{note} {asked.text}", asked.options) if note else asked

    def _order_question(self, run: FlowRun) -> Ask:
        kind = self._kind(run)
        customer = run.conversation.customer
        if customer is not None:
            orders = self._orders(run, customer.id)
            if orders:
                return Ask(
                    f"Which order is the {kind.name.lower()} for?",
                    tuple(Option(f"order:{o.id}", order_label(o)) for o in orders),
                )
        return Ask(
            f"Which order is the {kind.name.lower()} for? Please type the order number "
            "(it's in your order confirmation email, e.g. #1043)."
        )

    def _read_order(self, run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
        if chosen is not None and chosen.id.startswith("order:"):
            return Filled({"order": chosen.id.removeprefix("order:")})
        numbers = order_numbers(text)
        if not numbers:
            return None
        customer = run.conversation.customer
        if customer is not None:
            read = self._from_crm(run, "order", lambda crm: crm.order(customer.id, numbers[0]))
            # Unreadable: taken as typed, the shop checks it before the visit.
            if read is not None and read[0] is None:
                return Retry(f"I can't find order #{numbers[0]} on your account.")
        return Filled({"order": numbers[0]})

    def _orders(self, run: FlowRun, customer_id: str) -> list[Order] | None:
        """The customer's orders an appointment can be for (not cancelled), newest
        first; None when the CRM cannot say."""
        read = self._from_crm(run, "orders", lambda crm: crm.orders(customer_id, 10))
        if read is None:
            return None
        eligible = [o for o in read[0] if o.status is not OrderStatus.CANCELLED]
        return eligible[:RECENT_ORDERS]

    def _from_crm(
        self, run: FlowRun, what: str, read: Callable[[RecordingDirectory], T]
    ) -> tuple[T] | None:
        """``read`` from the CRM within the turn's budget, noting the records in the
        reply's ledger; None when there is no CRM or it could not answer (the flow
        then asks instead of knowing)."""
        if self.directory is None:
            return None
        crm = RecordingDirectory(self.directory)
        try:
            with turn_budget():
                return (read(crm),)
        except (CrmUnavailableError, CrmDataError) as exc:
            log.warning("%s not read from the CRM for a booking: %s", what, exc.message)
            return None
        finally:
            run.ledger.extend(e for e in crm.entries if e not in run.ledger)

    # -- slot ----------------------------------------------------------------------

    def _slot_step(self) -> Step:
        return Step(
            "slot",
            ("slot",),
            self._ask_slot,
            self._read_slot,
            self._auto_slot,
            resets=("confirmed",),
        )

    def _auto_slot(self, run: FlowRun) -> dict[str, str] | None:
        """A day and a time named up front ("on Friday at 2pm") that are free."""
        day, at = run.get("day"), run.get("at")
        if day is None or at is None:
            return None
        start = _local_start(date.fromisoformat(day), time.fromisoformat(at), self._viewer(run))
        try:
            self.appointments.check(self._kind(run), start)
        except (SlotRefusedError, SlotTakenError) as exc:
            run.data["_note"] = exc.message
            return None
        run.data.pop("at", None)
        return {"slot": _key(start)}

    def _ask_slot(self, run: FlowRun) -> Ask:
        kind, viewer = self._kind(run), self._viewer(run)
        note = run.data.pop("_note", "")
        run.data.pop("at", None)
        if run.data.pop("_pick_day", None):
            return self._ask_day(run, kind, viewer)
        day_text = run.data.get("day")
        part = run.data.pop("part", None)
        if day_text:
            ask = self._slots_on(run, kind, date.fromisoformat(day_text), part, viewer)
        else:
            slots = self._without_own(run, self.appointments.free(kind, viewer=viewer, limit=5))[:4]
            ask = self._slot_options(
                run, slots, f"Here are the next free times for {_a(kind.name.lower())}"
            )
        if note:
            return Ask(f"{note} {ask.text}", ask.options, ask.links)
        return ask

    def _ask_day(self, run: FlowRun, kind: AppointmentType, viewer: ZoneInfo) -> Ask:
        slots = self.appointments.free(kind, viewer=viewer, limit=200, per_day=1)
        days = [s.start.astimezone(viewer).date() for s in slots][:DAY_OPTIONS]
        options = [Option(f"day:{d.isoformat()}", f"{d:%a} {d.day} {d:%b}") for d in days]
        first = self.appointments.calendar.earliest(kind).astimezone(viewer).date()
        last = self.appointments.calendar.last_day(kind)
        options.append(Option(f"date:{first.isoformat()}:{last.isoformat()}", "Choose a date"))
        return Ask(
            "Which day suits you? Pick one, choose a date, or type one like "
            '"Friday" or "3 December".',
            tuple(options),
            self._page_link(run),
        )

    def _slots_on(
        self, run: FlowRun, kind: AppointmentType, day: date, part: str | None, viewer: ZoneInfo
    ) -> Ask:
        slots = self._without_own(
            run, self.appointments.free(kind, day=day, viewer=viewer, limit=9)
        )
        if part in PARTS:
            low, high = PARTS[part]
            slots = [s for s in slots if low <= s.start.astimezone(viewer).hour < high]
        if slots:
            when = f"{part} " if part in PARTS else ""
            return self._slot_options(
                run, slots[:6], f"Here are the free {when}times on {day_name(day)}"
            )
        why = self.appointments.nothing_on(kind, day)
        run.data["day"] = ""  # the times shown next are the nearest, not that day's
        nearest = self._without_own(run, self.appointments.free(kind, viewer=viewer, limit=5))
        return self._slot_options(run, nearest[:4], f"{why} Here are the nearest free times")

    def _without_own(self, run: FlowRun, slots: list[Slot]) -> list[Slot]:
        """Moving a booking: its own time is not a new one to offer."""
        ref = run.get("ref")
        if ref is None:
            return slots
        own = self.appointments.get(ref).start
        return [s for s in slots if s.start != own]

    def _slot_options(self, run: FlowRun, slots: list[Slot], lead: str) -> Ask:
        kind, viewer = self._kind(run), self._viewer(run)
        links = self._page_link(run)
        if not slots:
            return Ask(
                f"I'm sorry, there are no free {kind.name.lower()} times in the next "
                f"{kind.horizon_days} days. A member of our team may be able to help.",
                links=links,
            )
        zone = zone_note(viewer, self.appointments.zone, slots[0].start)
        options = [Option(s.key, slot_label(s, viewer)) for s in slots]
        options.append(Option(ANOTHER_DAY, "Another day"))
        return Ask(f"{lead}{zone}. Which suits you?", tuple(options), links)

    def _read_slot(self, run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
        if chosen is not None:
            return self._chosen_slot(run, chosen)
        viewer = self._viewer(run)
        today = self.appointments.now().astimezone(viewer).date()
        wanted = parse_when(text, today)
        if wanted is None or (wanted.day is None and wanted.at is None and wanted.part is None):
            return None
        return self._wanted_slot(run, wanted, today)

    def _chosen_slot(self, run: FlowRun, chosen: Option) -> Reading | None:
        if chosen.id == ANOTHER_DAY:
            return Retry("", {"_pick_day": "1"})
        if chosen.id.startswith("day:"):
            return Retry("", {"day": chosen.id.removeprefix("day:")})
        if chosen.id.startswith("date:"):  # the date picker, named without the widget
            return Retry(
                'Please type the day you\'d like, for example "Friday" or "3 December".',
                {"_pick_day": "1"},
            )
        start = self.appointments.parse_slot_key(chosen.id)
        if start is None:
            return None
        try:
            self.appointments.check(self._kind(run), start)
        except SlotTakenError:  # it was free when we offered it
            return Retry(TAKEN_TEXT, {"day": ""})
        except SlotRefusedError as exc:
            return Retry(exc.message, {"day": ""})
        return Filled({"slot": chosen.id})

    def _wanted_slot(self, run: FlowRun, wanted: When, today: date) -> Reading:
        viewer = self._viewer(run)
        day = wanted.day or _date_or_none(run.get("day"))
        if wanted.day is not None and wanted.day < today:
            return Retry(f"{day_name(wanted.day)} has already passed.", {"day": ""})
        if wanted.at is None and wanted.day is not None and wanted.part is None:
            same_time = self._same_time_on(run, wanted.day)
            if same_time is not None:
                return Filled({"slot": _key(same_time), "day": wanted.day.isoformat()})
        if wanted.at is None:
            values = {"day": (day or today).isoformat()}
            if wanted.part:
                values["part"] = wanted.part
            return Retry("", values)
        if day is None:
            found = self._next_at(run, wanted.at)
            if found is None:
                return Retry(f"There's no free time at {wanted.at:%H:%M} soon.", {"day": ""})
            return Filled({"slot": _key(found)})
        start = _local_start(day, wanted.at, viewer)
        try:
            self.appointments.check(self._kind(run), start)
        except (SlotRefusedError, SlotTakenError) as exc:
            return Retry(exc.message, {"day": day.isoformat()})
        return Filled({"slot": _key(start), "day": day.isoformat()})

    def _same_time_on(self, run: FlowRun, day: date) -> datetime | None:
        """ "Actually Tuesday" after picking 10:00: Tuesday at 10:00, if it is free."""
        chosen = self.appointments.parse_slot_key(run.data.get("slot", ""))
        if chosen is None:
            return None
        viewer = self._viewer(run)
        start = _local_start(day, chosen.astimezone(viewer).time(), viewer)
        try:
            self.appointments.check(self._kind(run), start)
        except (SlotRefusedError, SlotTakenError):
            return None
        return start

    def _next_at(self, run: FlowRun, at: time) -> datetime | None:
        viewer = self._viewer(run)
        slots = self.appointments.free(self._kind(run), viewer=viewer, limit=500, per_day=None)
        return next(
            (s.start for s in slots if s.start.astimezone(viewer).time() == at),
            None,
        )

    def _page_link(self, run: FlowRun) -> tuple[Link, ...]:
        links = self.appointments.links
        if links is None:
            return ()
        url = links.book_page(run.conversation.customer, run.conversation.id)
        return (Link("Prefer a page? Choose a time here", url),)

    # -- email ---------------------------------------------------------------------

    def _auto_email(self, run: FlowRun) -> dict[str, str] | None:
        """A verified customer's email from the CRM (or, failing that, from the
        shop's token), unless they asked to use another."""
        customer = run.conversation.customer
        if customer is None or run.get("email_source") == "typed":
            return None
        email = customer.email
        read = self._from_crm(run, "email", lambda crm: crm.customer(customer.id))
        if read is not None and read[0] is not None and read[0].email:
            email = read[0].email
        if not email:
            return None
        return {"email": email, "email_source": "crm"}

    def _ask_email(self, run: FlowRun) -> Ask:
        return Ask("Which email address should we use for this booking?")

    def _read_email(self, run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
        found = EMAIL.search(text)
        if found is not None:
            try:
                email = checked_email(found.group(0))
            except InputError as exc:
                return Retry(exc.message)
            return Filled({"email": email, "email_source": "typed"})
        words = text.split()
        if "@" in text or (len(words) == 1 and "." in text):
            return Retry(
                f"{text.strip()[:60]!r} doesn't look like an email address; please type it "
                "like name@example.com."
            )
        return None

    # -- confirm -------------------------------------------------------------------

    def _ask_confirm(self, run: FlowRun) -> Ask:
        kind, viewer = self._kind(run), self._viewer(run)
        start = self._slot_start(run)
        end = start + timedelta(minutes=kind.duration_min)
        lines = [
            f"• {type_label(kind)}",
            f"• {time_for(start, end, viewer, self.appointments.zone)}",
        ]
        if run.get("order") not in (None, NO_ORDER):
            lines.append(f"• for order #{run.data['order']}")
        lines.append(f"• contact email: {run.data['email']}")
        return Ask(
            "Here's your booking:\n" + "\n".join(lines) + "\nShall I book it?",
            (
                Option(YES, "Book it"),
                Option(ANOTHER_TIME, "Another time"),
                Option(ANOTHER_EMAIL, "Use another email"),
            ),
        )

    def _read_confirm(self, run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
        if chosen is not None:
            if chosen.id == YES:
                return Filled({"confirmed": "yes"})
            if chosen.id == ANOTHER_TIME:
                return GoBack("slot", values={"day": ""})
            if chosen.id == ANOTHER_EMAIL:
                return GoBack("email", values={"email_source": "typed"})
            if chosen.id == NO:
                return Leave()
            return None
        if is_yes(text) or CONFIRMING.match(text):
            return Filled({"confirmed": "yes"})
        if DECLINING.match(text):
            return Leave()
        return None

    def _finish_booking(self, run: FlowRun) -> Reply | GoBack:
        conversation = run.conversation
        customer = conversation.customer
        order = run.data["order"]
        owner = Owner(
            email=run.data["email"],
            customer_id=None if customer is None else customer.id,
            conversation_id=conversation.id,
            order_id=None if order == NO_ORDER else order,
        )
        try:
            booking = self.appointments.book(run.data["type"], self._slot_start(run), owner)
        except SlotTakenError:
            return GoBack("slot", TAKEN_TEXT, {"day": ""})
        except SlotRefusedError as exc:
            return GoBack("slot", exc.message, {"day": ""})
        except InputError as exc:
            return GoBack("email", exc.message, {"email_source": "typed"})
        except StorageError as exc:
            log.error("booking not stored: %s", exc.detail or exc.message)
            return _not_saved()
        kind = self._kind(run)
        text = (
            f"Booked! Your {kind.name.lower()} is on {self._booking_time(run, booking)}. "
            f"Your reference is {booking.ref}, and we'll contact you at {booking.email}."
        )
        text += self._policy(kind)
        return Reply(
            ReplyKind.BOOKING,
            text,
            notes=(f"booking:{booking.ref}", "booking_confirmed"),
            links=self.booking_links(booking),
        )

    # -- move and cancel -------------------------------------------------------------

    def _which_step(self, resets: tuple[str, ...]) -> Step:
        return Step(
            "which",
            ("ref", "type"),
            self._ask_which,
            self._read_which,
            self._auto_which,
            resets=resets,
            revisable=False,
        )

    def _mine(self, run: FlowRun) -> list[Booking]:
        customer = run.conversation.customer
        return self.appointments.upcoming(
            customer_id=None if customer is None else customer.id,
            conversation_id=run.conversation.id,
        )

    def _auto_which(self, run: FlowRun) -> dict[str, str] | None:
        mine = self._mine(run)
        if len(mine) == 1:
            return {"ref": mine[0].ref, "type": mine[0].type_id}
        return None

    def _ask_which(self, run: FlowRun) -> Ask:
        viewer = self._viewer(run)
        options = tuple(Option(f"booking:{b.ref}", self._short(b, viewer)) for b in self._mine(run))
        if not options:
            return Ask("I can't see an upcoming appointment to change.")
        return Ask("Which appointment?", options)

    def _read_which(self, run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
        mine = {b.ref: b for b in self._mine(run)}
        ref = None
        if chosen is not None and chosen.id.startswith("booking:"):
            ref = chosen.id.removeprefix("booking:")
        else:
            ref = next((r for r in mine if r.casefold() in text.casefold()), None)
        if ref is None or ref not in mine:
            return None
        return Filled({"ref": ref, "type": mine[ref].type_id})

    def _ask_move(self, run: FlowRun) -> Ask:
        booking = self.appointments.get(run.data["ref"])
        kind, viewer = self._kind(run), self._viewer(run)
        start = self._slot_start(run)
        end = start + timedelta(minutes=kind.duration_min)
        old = booking_time(booking, viewer, self.appointments.zone)
        new = time_for(start, end, viewer, self.appointments.zone)
        return Ask(
            f"Move your {kind.name.lower()} ({booking.ref}) from {old} to {new}?",
            (
                Option(YES, "Yes, move it"),
                Option(ANOTHER_TIME, "Another time"),
                Option(NO, "Keep it as it is"),
            ),
        )

    def _finish_move(self, run: FlowRun) -> Reply | GoBack:
        try:
            booking = self.appointments.reschedule(run.data["ref"], self._slot_start(run))
        except SlotTakenError:
            return GoBack("slot", TAKEN_TEXT, {"day": ""})
        except SlotRefusedError as exc:
            return GoBack("slot", exc.message, {"day": ""})
        except (BookingNotFoundError, InputError) as exc:
            return Reply(ReplyKind.BOOKING, exc.message)
        except StorageError as exc:
            log.error("booking not moved: %s", exc.detail or exc.message)
            return _not_saved()
        kind = self._kind(run)
        return Reply(
            ReplyKind.BOOKING,
            f"Done: your {kind.name.lower()} ({booking.ref}) is now on "
            f"{self._booking_time(run, booking)}. The calendar file below has the new time.",
            notes=(f"booking:{booking.ref}", "booking_moved"),
            links=self.booking_links(booking),
        )

    def _ask_cancel(self, run: FlowRun) -> Ask:
        booking = self.appointments.get(run.data["ref"])
        kind = self._kind(run)
        when = self._booking_time(run, booking)
        text = f"Cancel your {kind.name.lower()} on {when} ({booking.ref})?"
        fee = self._late_fee(kind, booking)
        if fee:
            text += f" {fee}"
        return Ask(text, (Option(YES, "Yes, cancel it"), Option(NO, "No, keep it")))

    def _finish_cancel(self, run: FlowRun) -> Reply | GoBack:
        try:
            booking = self.appointments.cancel(run.data["ref"])
        except (BookingNotFoundError, InputError) as exc:
            return Reply(ReplyKind.BOOKING, exc.message)
        except StorageError as exc:
            log.error("booking not cancelled: %s", exc.detail or exc.message)
            return _not_saved()
        kind = self._kind(run)
        return Reply(
            ReplyKind.BOOKING,
            f"Done: your {kind.name.lower()} on {self._booking_time(run, booking)} "
            f"({booking.ref}) is cancelled. Would you like to book another time?",
            options=(Option("rebook", "Book a new appointment"),),
            notes=(f"booking:{booking.ref}", "booking_cancelled"),
        )

    # -- shared ----------------------------------------------------------------------

    def booking_links(self, booking: Booking) -> tuple[Link, ...]:
        links = self.appointments.links
        if links is None:
            return ()
        return (
            Link("Add to calendar (.ics)", links.calendar(booking)),
            Link("Change or cancel", links.manage(booking)),
        )

    def _policy(self, kind: AppointmentType) -> str:
        hours = self.appointments.rules.free_change_hours
        return f" You can move or cancel it free of charge up to {hours} hours before."

    def _late_fee(self, kind: AppointmentType, booking: Booking) -> str:
        hours = self.appointments.rules.free_change_hours
        if booking.start - self.appointments.now() >= timedelta(hours=hours):
            return ""
        return f"It's less than {hours} hours away, so a late-cancellation charge may apply."

    def _short(self, booking: Booking, viewer: ZoneInfo) -> str:
        kind = self.appointments.rules.type(booking.type_id)
        name = booking.type_id if kind is None else kind.name
        start = booking.start.astimezone(viewer)
        return f"{name}, {start:%a} {start.day} {start:%b} {start:%H:%M}"

    def _booking_time(self, run: FlowRun, booking: Booking) -> str:
        return booking_time(booking, self._viewer(run), self.appointments.zone)

    def _kind(self, run: FlowRun) -> AppointmentType:
        return self.appointments.kind(run.data["type"])

    def _viewer(self, run: FlowRun) -> ZoneInfo:
        return zone_or_none(run.conversation.timezone) or self.appointments.zone

    def _slot_start(self, run: FlowRun) -> datetime:
        start = self.appointments.parse_slot_key(run.data["slot"])
        if start is None:
            raise ValueError(f"bad slot key {run.data['slot']!r}")
        return start


def _key(start: datetime) -> str:
    return f"slot:{start.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"


def _local_start(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _not_saved() -> Reply:
    return Reply(
        ReplyKind.BOOKING,
        "I couldn't save that just now, so nothing was changed. Please try again in a minute.",
        notes=("booking_storage_error",),
    )


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"
