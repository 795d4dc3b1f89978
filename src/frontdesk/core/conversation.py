"""A conversation is an append-only log of events that records who said each thing."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The shop's web widget (and the REST API it uses); a shop's own integration may name
# another channel ("email", "whatsapp") when it starts a conversation.
WEB_CHANNEL = "web"
# A channel's name: lower-case letters, digits, "_" and "-", up to 32 (a full match).
CHANNEL_NAME = r"[a-z0-9][a-z0-9_-]{0,31}"


class Source(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Mode(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    AGENT = "agent"
    CLOSED = "closed"


class ReplyKind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ABSTAIN = "abstain"
    SMALLTALK = "smalltalk"
    PROMPT = "prompt"  # the message was empty: ask the shopper to ask something
    ACCOUNT = "account"  # from the shopper's own records in the CRM
    CONFIRM = "confirm"  # an account change waits for the shopper's yes
    SIGN_IN = "sign_in"  # an account question from a visitor the shop has not vouched for
    UNAVAILABLE = "unavailable"  # the CRM could not be reached or read: try later, or a person
    NOTICE = "notice"  # said unprompted: the CRM told us an order shipped, a payment arrived …
    BOOKING = "booking"  # a step of booking, moving or cancelling an appointment
    HANDOVER = "handover"  # a person takes over: the queue place and the wait


@dataclass(frozen=True, slots=True)
class Option:
    """A quick reply the shopper can pick; ``id`` is the FAQ entry it leads to."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link shown under a reply: a calendar file, a page to manage a booking. ``url``
    is a path on this server (or an absolute https URL)."""

    label: str
    url: str


def reply_id(message_seq: int) -> str:
    """The client id of the bot's reply to a message: a second worker answering the
    same message finds the first one's reply stored under it instead of adding one.
    The "/" is refused in a sender's own ids, so no message can take a reply's place."""
    return f"reply/{message_seq}"


_OPTION_NUMBER = re.compile(r"^\s*(?:option\s*)?#?([1-9])\s*[.)]?\s*$", re.IGNORECASE)


def option_named(options: tuple[Option, ...], text: str) -> Option | None:
    """The option a reply means: "2" is the second; its label is what the widget sends
    when the shopper clicks a quick reply."""
    match = _OPTION_NUMBER.match(text)
    if match is not None:
        number = int(match.group(1))
        return options[number - 1] if number <= len(options) else None
    wanted = text.strip().casefold()
    return next((o for o in options if o.label.strip().casefold() == wanted), None)


@dataclass(frozen=True, slots=True)
class LlmUsage:
    """One language-model call behind a reply: what it used and what it cost."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # None: no price known for the model (or no usage reported)
    # False: its answer cited no retrieved entry, so the KB's own answer was given.
    answered: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 8),
            "answered": self.answered,
        }


@dataclass(frozen=True, slots=True)
class FlowState:
    """Where a multi-step exchange stands ("cancel order 1059?" waiting for a yes):
    kept on the reply that asked, so the next message, in any worker or after a
    restart, continues it."""

    name: str
    step: str
    data: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "step": self.step, "data": dict(self.data)}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> FlowState:
        data = record.get("data") or {}
        return cls(
            str(record["name"]), str(record["step"]), {str(k): str(v) for k, v in data.items()}
        )


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One CRM record the assistant read or changed while making a reply: which record,
    which of its fields (names only, never values), and through which CRM."""

    action: str  # "read", "changed" or "received" (pushed to us by a CRM webhook)
    record: str  # "order 1059", "customer cus_1001", "invoice INV-1059" …
    fields: tuple[str, ...]
    crm: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "record": self.record,
            "fields": list(self.fields),
            "crm": self.crm,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> LedgerEntry:
        return cls(
            str(record["action"]),
            str(record["record"]),
            tuple(str(f) for f in record.get("fields", ())),
            str(record.get("crm", "")),
        )


@dataclass(frozen=True, slots=True)
class Reply:
    """What the assistant says, and why (entry ids, confidence, notes)."""

    kind: ReplyKind
    text: str
    source_ids: tuple[str, ...] = ()
    confidence: float = 0.0
    options: tuple[Option, ...] = ()
    score: float = 0.0  # the top entry's retrieval score (confidence is calibrated from it)
    notes: tuple[str, ...] = ()
    # The text actually used for retrieval (after follow-up rewriting), for agents and eval.
    resolved_query: str = ""
    intent: str | None = None  # from a trained model: what the shopper wants to do
    intent_confidence: float = 0.0
    llm: LlmUsage | None = None  # set when a language model wrote (or tried to) the answer
    flow: FlowState | None = None  # set when the reply asks something the next message answers
    ledger: tuple[LedgerEntry, ...] = ()  # CRM records read or changed to make this reply
    links: tuple[Link, ...] = ()

    def as_dict(self) -> dict[str, object]:
        record: dict[str, object] = {
            "kind": self.kind.value,
            "text": self.text,
            "source_ids": list(self.source_ids),
            "confidence": round(self.confidence, 4),
            "options": [{"id": o.id, "label": o.label} for o in self.options],
        }
        if self.links:  # only booking replies have them; `ask --json` keeps its shape
            record["links"] = [{"label": k.label, "url": k.url} for k in self.links]
        if self.intent is not None:
            record["intent"] = {"name": self.intent, "confidence": round(self.intent_confidence, 4)}
        if self.llm is not None:
            record["llm"] = self.llm.as_dict()
        return record

    def to_record(self) -> dict[str, object]:
        """Everything, for storage: a stored reply must rebuild the very same Reply,
        so a conversation continues after a restart (follow-ups, picked options)."""
        record = self.as_dict()
        record.update(
            score=round(self.score, 6),
            notes=list(self.notes),
            resolved_query=self.resolved_query,
            intent_confidence=round(self.intent_confidence, 6),
        )
        if self.flow is not None:
            record["flow"] = self.flow.as_dict()
        if self.ledger:
            record["ledger"] = [entry.as_dict() for entry in self.ledger]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Reply:
        intent = record.get("intent")
        llm = record.get("llm")
        return cls(
            kind=ReplyKind(record["kind"]),
            text=str(record["text"]),
            source_ids=tuple(str(i) for i in record.get("source_ids", ())),
            confidence=float(record.get("confidence", 0.0)),
            options=tuple(Option(str(o["id"]), str(o["label"])) for o in record.get("options", ())),
            score=float(record.get("score", 0.0)),
            notes=tuple(str(n) for n in record.get("notes", ())),
            resolved_query=str(record.get("resolved_query", "")),
            intent=None if not intent else str(intent["name"]),
            intent_confidence=float(record.get("intent_confidence", 0.0)),
            llm=None if not llm else LlmUsage(**llm),
            flow=None if not record.get("flow") else FlowState.from_dict(record["flow"]),
            ledger=tuple(LedgerEntry.from_dict(e) for e in record.get("ledger", ())),
            links=tuple(Link(str(k["label"]), str(k["url"])) for k in record.get("links", ())),
        )


class EventKind(StrEnum):
    MESSAGE = "message"  # somebody said something
    MODE = "mode"  # the conversation changed hands (bot, queued, agent, closed)


@dataclass(frozen=True, slots=True)
class Event:
    source: Source
    text: str
    at: float
    reply: Reply | None = None  # set on bot events
    latency_ms: float | None = None
    # Set once stored: the event's place in its conversation (1, 2, 3 …).
    seq: int = 0
    kind: EventKind = EventKind.MESSAGE
    # The sender's own id for a message, so a resend after a dropped connection is
    # recognised instead of stored twice.
    client_message_id: str | None = None
    reply_to: int | None = None  # a bot reply: the seq of the message it answers
    mode: Mode | None = None  # a MODE event: the new mode
    # Who said it when that is a person of the shop: the agent's name ("Sam").
    author: str | None = None


@dataclass
class Conversation:
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    mode: Mode = Mode.BOT
    events: list[Event] = field(default_factory=list)
    # The shopper the shop vouched for (a signed token); None for an anonymous visitor.
    customer: Customer | None = None
    # The shopper's IANA timezone as their browser reported it ("Europe/Paris"); None:
    # unknown, and times are shown in the shop's.
    timezone: str | None = None
    # What an agent did before handing the conversation back ("refund issued for
    # order 1043"): the assistant reads the next message in its light.
    briefing: str | None = None

    def append(self, event: Event) -> None:
        self.events.append(event)

    def add_customer(self, text: str) -> Event:
        event = Event(Source.CUSTOMER, text, time.time())
        self.append(event)
        return event

    def add_bot(self, reply: Reply, latency_ms: float | None = None) -> Event:
        event = Event(Source.BOT, reply.text, time.time(), reply, latency_ms)
        self.append(event)
        return event

    def last_bot_event(self) -> Event | None:
        for event in reversed(self.events):
            if event.source is Source.BOT and event.reply is not None:
                return event
        return None

    def last_bot_reply(self) -> Reply | None:
        event = self.last_bot_event()
        return None if event is None else event.reply


@dataclass(frozen=True, slots=True)
class Customer:
    """A shopper the shop vouched for with a signed token; never taken from the browser."""

    id: str
    name: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "email": self.email}


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    """A stored conversation without its events: who, which mode, how far it got."""

    id: str
    token_hash: str  # sha256 of the conversation token; the token itself is never stored
    mode: Mode
    created_at: float
    last_seq: int
    customer: Customer | None = None
    timezone: str | None = None  # the shopper's, from their browser
    channel: str = WEB_CHANNEL  # where it came in, for analytics
