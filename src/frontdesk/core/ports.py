"""Protocols the core needs from the outside world; adapters implement them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from frontdesk.core.account.model import (
    Address,
    ContactUpdate,
    CrmUpdate,
    Invoice,
    Order,
    Profile,
    Subscription,
)
from frontdesk.core.booking.model import Booking
from frontdesk.core.conversation import (
    ConversationInfo,
    Customer,
    Event,
    LlmUsage,
    Mode,
)
from frontdesk.core.escalation.model import (
    Agent,
    Case,
    CaseQuery,
    Feedback,
    Handled,
    Rating,
    Session,
)
from frontdesk.core.knowledge.model import Entry

FloatArray = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into unit-length vectors; similar meaning, high dot product."""

    @property
    def name(self) -> str:
        """A short description for reports and warnings."""
        ...

    def fit(self, corpus: Sequence[str]) -> None:
        """Learn corpus statistics if the embedder needs them (TF-IDF); else no-op."""
        ...

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return an array of shape (len(texts), dim), each row L2-normalised."""
        ...

    def encode(self, text: str) -> tuple[FloatArray, list[str], FloatArray]:
        """One text in one model run: its sentence vector (as ``embed`` gives), its
        tokens and their unit-length contextual vectors (special tokens left out)."""
        ...


@dataclass(frozen=True, slots=True)
class WrittenAnswer:
    """A reply a language model wrote from retrieved entries, and the ids it cited."""

    text: str
    cited_ids: tuple[str, ...]
    usage: LlmUsage


class AnswerWriter(Protocol):
    """Writes the answer to a shopper from the retrieved knowledge-base entries.

    Implementations must cite the entries they used; the engine gives the top entry's
    own answer when none of the cited ids is among ``entries``. Failures raise a
    FrontdeskError whose message says what to do.
    """

    @property
    def name(self) -> str:
        """The model and where it runs, for reports."""
        ...

    @property
    def max_entries(self) -> int:
        """How many of the top-ranked entries to give it."""
        ...

    def write(self, message: str, query: str, entries: Sequence[Entry]) -> WrittenAnswer:
        """``message`` as the shopper typed it, ``query`` as retrieval read it (with a
        follow-up's context), ``entries`` best first."""
        ...


@dataclass(frozen=True, slots=True)
class Appended:
    """The stored event, and whether it was stored just now (False: the same
    client_message_id was already there, and ``event`` is the earlier copy), with
    the conversation's mode and customer as the append found them."""

    event: Event
    created: bool
    mode: Mode
    customer: Customer | None = None
    timezone: str | None = None


class ConversationStore(Protocol):
    """Durable conversations: an append-only event log per conversation.

    Sequence numbers are given by the store, 1, 2, 3 … per conversation, with no gaps
    and no repeats even when several workers append at once. An event with a
    ``client_message_id`` that the conversation already holds is not stored again.
    """

    def create(self, info: ConversationInfo) -> None: ...

    def get(self, conversation_id: str) -> ConversationInfo | None: ...

    def of_customer(
        self, customer_id: str, since: float, limit: int = 20
    ) -> list[ConversationInfo]:
        """The customer's open (not closed) conversations with activity since ``since``
        (epoch seconds), most recent first: where news from the CRM should go."""
        ...

    def append(self, conversation_id: str, event: Event) -> Appended:
        """Store ``event`` (its seq is ignored) and return it with its seq.
        Raises NotFoundError for an unknown conversation."""
        ...

    def events(self, conversation_id: str, after: int = 0, limit: int = 1000) -> list[Event]:
        """Events with seq > ``after``, oldest first, at most ``limit``."""
        ...

    def recent(self, conversation_id: str, count: int) -> list[Event]:
        """The last ``count`` events, oldest first."""
        ...

    def find(self, conversation_id: str, client_message_id: str) -> Event | None: ...

    def reply_to(self, conversation_id: str, seq: int) -> list[Event]:
        """The events stored in reply to message ``seq``."""
        ...

    def set_mode(self, conversation_id: str, mode: Mode) -> None: ...

    def close(self) -> None:
        """Release connections."""
        ...


LiveMessage = dict[str, object]


class EventBus(Protocol):
    """Live fan-out of a conversation's events to every open connection, in this
    process or (with Redis) in any worker. Delivery is best effort: every event is
    stored first, and a client catches up from the store after a gap."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, conversation_id: str, message: LiveMessage) -> None: ...

    def subscribe(self, conversation_id: str, queue: asyncio.Queue[LiveMessage]) -> None: ...

    def unsubscribe(self, conversation_id: str, queue: asyncio.Queue[LiveMessage]) -> None: ...


class CustomerDirectory(Protocol):
    """The shop's CRM. Every read and change names the customer it is for, and an
    adapter only ever returns that customer's records: an order of somebody else's
    is as unknown as an order that does not exist.

    Failures raise CrmUnavailableError (down, slow, circuit open), CrmDataError (a
    malformed answer), CrmNotFoundError (no such record on this account) or
    CrmConflictError (the change does not fit the record's state).
    """

    @property
    def name(self) -> str:
        """Which CRM, for logs and the ledger ("sql", "http:crm.example.com")."""
        ...

    @property
    def keeps_copy(self) -> bool:
        """True when records live here and webhooks keep them current (the embedded
        SQL CRM); False when each read asks the shop's CRM."""
        ...

    def customer(self, customer_id: str) -> Profile | None: ...

    def find_by_email(self, email: str) -> Profile | None:
        """Case-insensitive."""
        ...

    def addresses(self, customer_id: str) -> list[Address]:
        """Saved addresses, the default first."""
        ...

    def orders(self, customer_id: str, limit: int = 10) -> list[Order]:
        """The newest ``limit`` orders, newest first, with items and shipment."""
        ...

    def order(self, customer_id: str, order_id: str) -> Order | None: ...

    def subscription(self, customer_id: str) -> Subscription | None:
        """The current plan, or None for a customer without one."""
        ...

    def invoices(self, customer_id: str, limit: int = 10) -> list[Invoice]:
        """The newest ``limit`` invoices, newest first."""
        ...

    def update_contact(self, customer_id: str, update: ContactUpdate) -> Profile: ...

    def update_order_address(self, customer_id: str, order_id: str, address: Address) -> Order:
        """Only while the order is processing; otherwise CrmConflictError."""
        ...

    def cancel_order(self, customer_id: str, order_id: str) -> Order:
        """Only while the order is processing; otherwise CrmConflictError."""
        ...

    def apply_update(self, update: CrmUpdate) -> None:
        """The shop's CRM says a record changed (a webhook). A directory that keeps its
        own copy (the embedded SQL CRM) stores it; one that asks the CRM each time
        has nothing to store."""
        ...

    def close(self) -> None: ...


class DeliveryLog(Protocol):
    """Webhook deliveries already received, so a replayed delivery is refused."""

    def first_time(self, delivery_id: str, kind: str, at: float) -> bool:
        """Record the delivery; False when its id was recorded before (nothing is
        changed then). Safe when several workers receive the same id at once."""
        ...

    def forget(self, delivery_id: str) -> None:
        """Drop a recorded delivery that could not be applied, so a retry is new."""
        ...


class BookingStore(Protocol):
    """Appointments booked. The store alone guarantees capacity: a slot never holds
    more active bookings than the capacity the caller passes, however many workers
    book it at once (a unique place per booking, checked by the database)."""

    def taken(self, type_id: str, start: datetime, end: datetime) -> dict[datetime, int]:
        """Active bookings per start time (UTC) of one type, for starts in [start, end)."""
        ...

    def book(self, booking: Booking, capacity: int) -> Booking:
        """Store ``booking`` in a free place of its slot and return it with that place;
        SlotTakenError when all ``capacity`` places are taken (nothing is stored).
        ``booking.ref`` must be new."""
        ...

    def get(self, ref: str) -> Booking | None: ...

    def of_customer(self, customer_id: str, after: datetime) -> list[Booking]:
        """The customer's active bookings ending after ``after``, soonest first."""
        ...

    def of_conversation(self, conversation_id: str, after: datetime) -> list[Booking]:
        """Active bookings made in the conversation, ending after ``after``, soonest first."""
        ...

    def reschedule(self, ref: str, start: datetime, end: datetime, capacity: int) -> Booking:
        """Move an active booking in one transaction: SlotTakenError (and the booking
        unchanged) when the new slot is full; BookingNotFoundError when there is no
        active booking ``ref``."""
        ...

    def cancel(self, ref: str) -> Booking:
        """Cancel an active booking and free its place; BookingNotFoundError when
        there is no active booking ``ref``."""
        ...

    def close(self) -> None: ...


class BookingLinks(Protocol):
    """Signed, expiring links about bookings, as paths on this server."""

    def manage(self, booking: Booking) -> str:
        """The page to reschedule or cancel ``booking``."""
        ...

    def calendar(self, booking: Booking) -> str:
        """The booking as an .ics file."""
        ...

    def book_page(self, customer: Customer | None, conversation_id: str | None) -> str:
        """The booking page, with a verified customer's email filled in."""
        ...


class AgentStore(Protocol):
    """Agents and admins of the console, their sessions and their presence."""

    def add(self, agent: Agent, password_hash: str) -> Agent:
        """Raises DuplicateAgentError when the email is taken."""
        ...

    def get(self, agent_id: str) -> Agent | None: ...

    def by_email(self, email: str) -> tuple[Agent, str] | None:
        """The agent and their password hash, by email (any case)."""
        ...

    def all(self) -> list[Agent]: ...

    def set_password(self, agent_id: str, password_hash: str) -> None: ...

    def start_session(self, session: Session) -> None: ...

    def session(self, id_hash: str, now: float) -> Session | None:
        """The session if it exists and has not expired."""
        ...

    def end_session(self, id_hash: str) -> None: ...

    def end_sessions_of(self, agent_id: str) -> None:
        """Sign the agent out everywhere (after a password change)."""
        ...

    def seen(self, agent_id: str, at: float) -> None:
        """The agent's console is open at ``at`` (a heartbeat): they count as online."""
        ...

    def online(self, since: float) -> list[Agent]:
        """Agents whose console was open at or after ``since``."""
        ...


class CaseStore(Protocol):
    """Escalation cases, the shopper's ratings and the agents' feedback."""

    def open(self, case: Case) -> Case:
        """Store a new queued case; when the conversation already has an open one,
        that one is returned instead (two workers escalating at once make one case)."""
        ...

    def get(self, case_id: str) -> Case | None: ...

    def current(self, conversation_id: str) -> Case | None:
        """The conversation's open case, or None."""
        ...

    def latest(self, conversation_id: str) -> Case | None:
        """The conversation's most recent case, open or not."""
        ...

    def waiting(self, queues: tuple[str, ...] | None = None) -> list[Case]:
        """Open cases (queued, then claimed), oldest first; None: every queue."""
        ...

    def claim(self, case_id: str, agent_id: str, at: float) -> Case:
        """Give a queued case to ``agent_id``. Exactly one of two concurrent claims
        wins; the other raises AlreadyClaimedError. Claiming one's own is a no-op."""
        ...

    def finish(
        self, case_id: str, status: str, at: float, note: str = "", by: str | None = None
    ) -> Case:
        """Hand back (status "returned") or close (status "closed") an open case.
        With ``by`` (an agent id), only a case still queued or held by that agent:
        otherwise CaseStateError, decided atomically with the change."""
        ...

    def place(self, case_id: str) -> int | None:
        """A queued case's place in its queue (1: next), counted, not read; None
        when it is not queued (any more)."""
        ...

    def handled(
        self, since: float, queue: str | None = None, *, latest: int | None = None
    ) -> list[Handled]:
        """Cases claimed and finished since ``since``, in the order they ended: how
        long agents took. ``latest``: only that many, the most recent."""
        ...

    def cases(self, query: CaseQuery) -> list[Case]:
        """Cases created within the query's period, oldest first."""
        ...

    def rate(self, rating: Rating) -> Rating:
        """Store the shopper's rating; a second rating of one case replaces the first."""
        ...

    def ratings(self, since: float, until: float) -> list[Rating]: ...

    def add_feedback(self, feedback: Feedback) -> Feedback: ...

    def feedback(self, since: float, until: float) -> list[Feedback]: ...

    def close(self) -> None: ...


class SentimentScorer(Protocol):
    """How negative or positive a message sounds: VADER's compound score, -1 … 1."""

    def compound(self, text: str) -> float: ...


@dataclass(frozen=True, slots=True)
class Notice:
    """What agents are told when a conversation joins the queue."""

    case: Case
    summary: str  # one or two lines: who, what they want, why it escalated
    console_url: str  # where to claim it


class Notifier(Protocol):
    """Tells agents about a new case: an outgoing webhook, an email … A notifier
    that fails logs and returns False; it never stops the handover."""

    @property
    def name(self) -> str: ...

    def notify(self, notice: Notice) -> bool: ...
