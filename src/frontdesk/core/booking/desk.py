"""BookingDesk: appointments in the chat. It says when a message is about
appointments, starts the right flow with what the message already tells (the kind,
the order, "Friday at 2pm"), runs the pending flow's next step, and answers "when
is my appointment?" from the bookings the shopper may see: a verified customer's,
or those made in this very conversation.
"""

from __future__ import annotations

from dataclasses import replace

from frontdesk.core.booking.flows import BOOK, CANCEL, MOVE, BookingFlows
from frontdesk.core.booking.intents import (
    BookingIntent,
    asks_how,
    booking_intent,
    detect_booking_intent,
    type_named,
)
from frontdesk.core.booking.model import Booking
from frontdesk.core.booking.service import Appointments, zone_or_none
from frontdesk.core.booking.when import parse_when
from frontdesk.core.booking.wording import booking_time
from frontdesk.core.conversation import (
    Conversation,
    FlowState,
    Option,
    Reply,
    ReplyKind,
    option_named,
)
from frontdesk.core.flows.executor import FlowExecutor
from frontdesk.core.knowledge.model import Entry
from frontdesk.core.nlu.entities import order_numbers
from frontdesk.core.ports import CustomerDirectory

# A booking question unanswered for this long is dropped: its times may be gone.
FLOW_TTL_S = 60 * 60
NONE_IN_CHAT = (
    'I can\'t see an upcoming appointment booked in this chat. The "Change or cancel" '
    "link you got when you booked shows it and lets you change it; or sign in on this "
    "site and ask me again."
)
NONE_ON_ACCOUNT = "I can't see any upcoming appointments on your account."
BOOK_ONE = Option("book", "Book an appointment")


class BookingDesk:
    def __init__(
        self, appointments: Appointments, directory: CustomerDirectory | None = None
    ) -> None:
        self.appointments = appointments
        self.flows = BookingFlows(appointments, directory)
        self.executor = FlowExecutor(self.flows.all)

    # -- a flow under way ----------------------------------------------------------

    def pending(self, conversation: Conversation) -> FlowState | None:
        asked = conversation.last_bot_event()
        state = None if asked is None or asked.reply is None else asked.reply.flow
        if not self.executor.owns(state) or asked is None:
            return None
        if self.appointments.now().timestamp() - asked.at > FLOW_TTL_S:
            return None
        return state

    def advance(self, conversation: Conversation, state: FlowState, text: str) -> Reply | None:
        last = conversation.last_bot_reply()
        chosen = None if last is None else option_named(last.options, text)
        return self.executor.advance(conversation, state, text, chosen)

    def resume(self, reply: Reply, conversation: Conversation, state: FlowState) -> Reply:
        return self.executor.resume(reply, conversation, state)

    def reask(self, conversation: Conversation, state: FlowState, note: str) -> Reply:
        return self.executor.reask(conversation, state, note)

    # -- a new message -------------------------------------------------------------

    def route(self, text: str, top_entry: Entry | None, answered: bool) -> BookingIntent | None:
        """The appointment request ``text`` makes, or None. The words decide first
        ("book an installation", "cancel my appointment"); otherwise an FAQ entry the
        shop tagged (book_appointment on "How do I book an appointment?") that the
        FAQ matched with confidence."""
        intent = detect_booking_intent(text)
        if intent is not None:
            return intent
        tagged = booking_intent(top_entry.intent) if top_entry is not None else None
        return tagged if answered and tagged is BookingIntent.BOOK else None

    def respond(self, conversation: Conversation, text: str, intent: BookingIntent) -> Reply | None:
        """The reply to an appointment request; None when it was not one after all
        ("move it to Friday" with no appointment to move is about something else)."""
        if intent is BookingIntent.BOOK:
            return self._start_booking(conversation, text)
        mine = self._mine(conversation)
        if intent is BookingIntent.CHECK:
            return self._check(conversation, mine)
        if not mine:
            # Nothing to change: a question about how it is done is the FAQ's, and
            # "move it to Friday" was about something else.
            named = type_named(text, self.appointments.rules)
            if asks_how(text) or (named is None and "appointment" not in text.lower()):
                return None
            return self._none(conversation)
        hints = self._when_hints(conversation, text)
        if intent is BookingIntent.RESCHEDULE:
            return self._tagged(self.executor.start(MOVE, conversation, hints), intent)
        return self._tagged(self.executor.start(CANCEL, conversation, {}), intent)

    def _start_booking(self, conversation: Conversation, text: str) -> Reply:
        data = self._when_hints(conversation, text)
        kind = type_named(text, self.appointments.rules)
        if kind is not None:
            data["type"] = kind.id
            numbers = order_numbers(text)
            if kind.needs_order and numbers:
                data["_order_hint"] = numbers[0]  # checked against their account first
        return self._tagged(self.executor.start(BOOK, conversation, data), BookingIntent.BOOK)

    def _when_hints(self, conversation: Conversation, text: str) -> dict[str, str]:
        viewer = zone_or_none(conversation.timezone) or self.appointments.zone
        today = self.appointments.now().astimezone(viewer).date()
        wanted = parse_when(text, today)
        data: dict[str, str] = {}
        if wanted is None:
            return data
        if wanted.day is not None:
            data["day"] = wanted.day.isoformat()
        if wanted.at is not None:
            data["at"] = wanted.at.isoformat(timespec="minutes")
            data.setdefault("day", (wanted.day or today).isoformat())
        if wanted.part is not None:
            data["part"] = wanted.part
        return data

    def _check(self, conversation: Conversation, mine: list[Booking]) -> Reply:
        if not mine:
            return self._none(conversation)
        viewer = zone_or_none(conversation.timezone) or self.appointments.zone
        lines = []
        for booking in mine:
            kind = self.appointments.rules.type(booking.type_id)
            name = booking.type_id if kind is None else kind.name
            when = booking_time(booking, viewer, self.appointments.zone)
            lines.append(f"• {name}: {when} (ref {booking.ref})")
        head = "Your appointment:" if len(mine) == 1 else "Your upcoming appointments:"
        links = self.flows.booking_links(mine[0]) if len(mine) == 1 else ()
        return Reply(
            ReplyKind.BOOKING,
            head + "\n" + "\n".join(lines),
            options=(
                Option("move", "Move my appointment"),
                Option("cancel", "Cancel my appointment"),
            )
            if len(mine) == 1
            else (),
            links=links,
            intent=BookingIntent.CHECK.value,
        )

    def _none(self, conversation: Conversation) -> Reply:
        text = NONE_ON_ACCOUNT if conversation.customer is not None else NONE_IN_CHAT
        return Reply(
            ReplyKind.BOOKING,
            f"{text} Would you like to book one?",
            options=(BOOK_ONE,),
            notes=("no_booking",),
        )

    def _mine(self, conversation: Conversation) -> list[Booking]:
        customer = conversation.customer
        return self.appointments.upcoming(
            customer_id=None if customer is None else customer.id,
            conversation_id=conversation.id,
        )

    @staticmethod
    def _tagged(reply: Reply, intent: BookingIntent) -> Reply:
        return replace(reply, intent=reply.intent or intent.value)
