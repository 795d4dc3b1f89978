"""ChatService: durable conversations around the Assistant.

A message is stored before anything else happens to it, so an acknowledged message
is never lost; a resend with the same client message id finds the stored copy and
its reply instead of making new ones; the assistant reads the conversation back
from the store, so a restarted server continues where the last one stopped.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from frontdesk.core.booking.service import zone_or_none
from frontdesk.core.conversation import (
    WEB_CHANNEL,
    Conversation,
    ConversationInfo,
    Customer,
    Event,
    EventKind,
    Mode,
    Source,
    reply_id,
)
from frontdesk.core.engine import Assistant
from frontdesk.core.escalation.desk import EscalationDesk
from frontdesk.core.escalation.handover import Handed, just_handed_back, mode_event_id
from frontdesk.core.escalation.model import CaseStatus, Rating, Trigger
from frontdesk.core.ports import Appended, ConversationStore
from frontdesk.core.rate_limit import RateLimiter
from frontdesk.errors import (
    CaseStateError,
    InputError,
    MessageTooLongError,
    NotFoundError,
    RateLimitedError,
)

# Enough history for follow-ups and picked options; older turns do not change a reply.
CONTEXT_EVENTS = 12
MAX_CLIENT_ID = 64
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_LOCK_STRIPES = 64


def token_hash(token: str) -> str:
    # "replace": a token with a lone surrogate is simply a wrong token, not a crash.
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class Turn:
    message: Event
    replies: tuple[Event, ...]  # everything the turn added after the message
    duplicate: bool  # the message had been stored before: nothing new was added
    # Set when this turn put the conversation in the queue for a person.
    handed: Handed | None = None


class ChatService:
    def __init__(
        self,
        assistant: Assistant,
        store: ConversationStore,
        *,
        limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.time,
        escalation: EscalationDesk | None = None,
    ) -> None:
        self.assistant = assistant
        self.store = store
        self.limiter = limiter
        # Hands conversations to people; None: the assistant never escalates.
        self.escalation = escalation
        self.max_chars = assistant.max_chars
        self._clock = clock
        # Turns of one conversation run one at a time in this process, so a reply
        # reads the conversation including the previous reply.
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def start(
        self,
        customer: Customer | None = None,
        timezone: str | None = None,
        channel: str = WEB_CHANNEL,
    ) -> tuple[ConversationInfo, str]:
        """A new conversation and the token that is the only way to read it.
        ``timezone`` is the shopper's (browser's) IANA name; one not known here is
        dropped, and times are shown in the shop's. ``channel`` is where it came in."""
        token = secrets.token_urlsafe(32)
        info = ConversationInfo(
            id=uuid.uuid4().hex,
            token_hash=token_hash(token),
            mode=Mode.BOT,
            created_at=self._clock(),
            last_seq=0,
            customer=customer,
            timezone=timezone if zone_or_none(timezone) is not None else None,
            channel=channel,
        )
        self.store.create(info)
        return info, token

    def open(self, conversation_id: str, token: str | None) -> ConversationInfo:
        """The conversation, if ``token`` is its token; otherwise NotFoundError, the same
        for a wrong token as for an unknown id."""
        info = self.store.get(conversation_id) if _looks_like_id(conversation_id) else None
        if info is None or not token or not hmac.compare_digest(info.token_hash, token_hash(token)):
            raise NotFoundError(
                "No such conversation. It may have been started in another browser; "
                "start a new one."
            )
        return info

    def history(self, conversation_id: str, after: int = 0, limit: int = 1000) -> list[Event]:
        return self.store.events(conversation_id, after=max(0, after), limit=limit)

    def post(self, conversation_id: str, text: str, client_message_id: str | None = None) -> Turn:
        """Store the shopper's message, then answer it, unless a person has the chat:
        then the assistant stays silent and the message waits for them."""
        self._check(text, client_message_id)
        with self._locks[hash(conversation_id) % _LOCK_STRIPES]:
            stored = self._store_message(conversation_id, text, client_message_id)
            duplicate = not stored.created
            if duplicate:
                earlier = self.store.reply_to(conversation_id, stored.event.seq)
                if earlier or self._changed_hands_since(conversation_id, stored.event.seq):
                    # Answered, or kept for a person who has since handed the chat
                    # back or closed it: a resend is not a new question.
                    return Turn(stored.event, tuple(earlier), True)
                # Stored, but the process stopped before answering: answer it now.
            if stored.mode in (Mode.QUEUED, Mode.AGENT):
                return Turn(stored.event, self._listen(conversation_id, stored), duplicate)
            if stored.mode is Mode.CLOSED:
                reopened = self._reopen(conversation_id, stored.event.seq)
                turn = self._answer(conversation_id, stored, duplicate)
                return replace(turn, replies=(reopened, *turn.replies))
            return self._answer(conversation_id, stored, duplicate)

    def _changed_hands_since(self, conversation_id: str, seq: int) -> bool:
        later = self.store.events(conversation_id, after=seq, limit=CONTEXT_EVENTS * 4)
        return any(event.kind is EventKind.MODE for event in later)

    def _reopen(self, conversation_id: str, message_seq: int) -> Event:
        """A message after an agent closed the chat opens it again, to the assistant."""
        self.store.set_mode(conversation_id, Mode.BOT)
        event = Event(
            Source.SYSTEM,
            "The assistant is back with you.",
            self._clock(),
            kind=EventKind.MODE,
            mode=Mode.BOT,
            client_message_id=mode_event_id(message_seq),
            reply_to=message_seq,
        )
        return self.store.append(conversation_id, event).event

    def rate(self, conversation_id: str, score: int, comment: str = "") -> Rating:
        """The shopper's rating of their conversation with an agent, once it is closed."""
        desk = self.escalation
        info = self.store.get(conversation_id)
        case = None if desk is None else desk.handover.cases.latest(conversation_id)
        closed_by_agent = (
            case is not None and case.status is CaseStatus.CLOSED and case.claimed_at is not None
        )
        if (
            desk is None
            or case is None
            or not closed_by_agent
            or info is None
            or (info.mode is not Mode.CLOSED)
        ):
            raise CaseStateError(
                "There is nothing to rate: ratings are for a conversation an agent has just closed."
            )
        if not 1 <= score <= 5:
            raise InputError("A rating is a whole number from 1 (poor) to 5 (excellent).")
        rating = Rating(conversation_id, case.id, score, self._clock(), comment.strip()[:2000])
        return desk.handover.cases.rate(rating)

    # -- steps -------------------------------------------------------------------------

    def _check(self, text: str, client_message_id: str | None) -> None:
        if len(text) > self.max_chars:
            raise MessageTooLongError(
                f"That message is {len(text)} characters long; the limit is {self.max_chars}. "
                "Please shorten it or split it into several messages."
            )
        if not text.strip():
            raise InputError("The message is empty: type a question first.")
        if "\x00" in text or not _encodable(text):
            raise InputError(
                "The message holds characters that are not text (a NUL byte or half of a "
                "surrogate pair); send it as plain UTF-8 text."
            )
        if client_message_id is not None and not _CLIENT_ID.match(client_message_id):
            raise InputError(
                f"client_message_id must be 1–{MAX_CLIENT_ID} letters, digits or . _ : - "
                "(a UUID works)."
            )

    def _store_message(
        self, conversation_id: str, text: str, client_message_id: str | None
    ) -> Appended:
        if client_message_id is not None:
            # A resend is answered from the store and does not count towards the limit.
            earlier = self.store.find(conversation_id, client_message_id)
            if earlier is not None:
                info = self.store.get(conversation_id)
                if info is None:
                    return Appended(earlier, created=False, mode=Mode.CLOSED)
                return Appended(
                    earlier,
                    created=False,
                    mode=info.mode,
                    customer=info.customer,
                    timezone=info.timezone,
                )
        if self.limiter is not None:
            wait = self.limiter.take(conversation_id)
            if wait > 0:
                raise RateLimitedError(
                    f"You are sending messages too quickly; please wait {wait:.0f} s.",
                    retry_after=wait,
                )
        event = Event(Source.CUSTOMER, text, self._clock(), client_message_id=client_message_id)
        return self.store.append(conversation_id, event)

    def _answer(self, conversation_id: str, stored: Appended, duplicate: bool) -> Turn:
        message = stored.event
        earlier = [
            e for e in self.store.recent(conversation_id, CONTEXT_EVENTS + 1) if e.seq < message.seq
        ][-CONTEXT_EVENTS:]
        desk = self.escalation
        if desk is not None:
            trigger = desk.before_reply(earlier, message.text)
            if trigger is not None:
                return self._escalated(conversation_id, desk, trigger, earlier, stored, duplicate)
        conversation = Conversation(
            conversation_id,
            stored.mode,
            list(earlier),
            stored.customer,
            stored.timezone,
            briefing=self._briefing(conversation_id, earlier),
        )
        reply = self.assistant.respond(conversation, message.text)
        if desk is not None:
            trigger = desk.after_reply(earlier, message.text, reply)
            if trigger is not None:  # rather than a second "I don't know", a person
                return self._escalated(conversation_id, desk, trigger, earlier, stored, duplicate)
        latency = conversation.events[-1].latency_ms
        event = Event(
            Source.BOT,
            reply.text,
            self._clock(),
            reply=reply,
            latency_ms=latency,
            client_message_id=reply_id(message.seq),
            reply_to=message.seq,
        )
        return Turn(message, (self.store.append(conversation_id, event).event,), duplicate)

    def _escalated(
        self,
        conversation_id: str,
        desk: EscalationDesk,
        trigger: Trigger,
        earlier: list[Event],
        stored: Appended,
        duplicate: bool,
    ) -> Turn:
        message = stored.event
        handed = desk.escalate(
            conversation_id, trigger, [*earlier, message], stored.customer, message.seq
        )
        if handed is None:  # queued by another worker's turn: that one said so
            return Turn(message, (), duplicate)
        return Turn(message, handed.events, duplicate, handed)

    def _listen(self, conversation_id: str, stored: Appended) -> tuple[Event, ...]:
        """A message while a person has (or is about to have) the chat: kept for them;
        an email left while waiting is acknowledged."""
        if self.escalation is None or stored.mode is not Mode.QUEUED:
            return ()
        handover = self.escalation.handover
        noted = handover.left_email(conversation_id, stored.event.text, stored.event.seq)
        return () if noted is None else (noted,)

    def _briefing(self, conversation_id: str, earlier: list[Event]) -> str | None:
        if self.escalation is None or not just_handed_back(earlier):
            return None
        case = self.escalation.handover.cases.latest(conversation_id)
        return None if case is None or not case.note else case.note


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _looks_like_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)
