"""The analytics figures of a period, computed from what was stored.

Definitions (the console page and docs/analytics.md say the same in words):

- A conversation counts when the shopper sent at least one message in it; one that
  was opened and never used says nothing about the assistant.
- Contained: a counted conversation that never went to a person: it has no
  escalation case and never changed to the queued or agent mode, whatever the
  reason. Escalated is the rest, so the two always add up.
- Reasons: every hand-over (case) by the trigger that caused it.
- First bot reply: the shopper's first message to the assistant's first reply.
- First human response: the hand-over (the case opening) to the first message a
  person of the shop wrote in the conversation. Bot replies and system notes never
  count, and a case nobody answered has no figure (it is counted as unanswered).
- Wait for an agent: the hand-over to the claim. Handling: the claim to the hand-back
  or close.
- Booking completion: conversations where a booking was confirmed over those where
  the shopper started one (asked to book, or was in the booking flow).
- Conversation length: the shopper's messages per conversation, and minutes from the
  first event to the last.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from frontdesk.core.analytics.period import AnalyticsPeriod
from frontdesk.core.analytics.records import StoredConversation
from frontdesk.core.analytics.timing import Durations
from frontdesk.core.analytics.unanswered import (
    MAX_MESSAGES,
    Unanswered,
    UnansweredTopic,
    top_unanswered,
)
from frontdesk.core.analytics.wrong_entries import WrongEntry, wrong_entries
from frontdesk.core.booking.flows import BOOK
from frontdesk.core.booking.intents import BookingIntent
from frontdesk.core.conversation import Event, EventKind, Mode, ReplyKind, Source
from frontdesk.core.escalation.model import Case, Feedback, Rating
from frontdesk.core.escalation.report import Csat, counts_by_kind, csat
from frontdesk.core.ports import Embedder

CONFIRMED = "booking_confirmed"
HUMAN_MODES = frozenset({Mode.QUEUED, Mode.AGENT})


@dataclass(frozen=True, slots=True)
class Rate:
    count: int  # the numerator
    of: int  # the denominator
    rate: float | None  # None when nothing was counted

    @classmethod
    def of_counts(cls, count: int, of: int) -> Rate:
        return cls(count, of, round(count / of, 4) if of else None)


@dataclass(frozen=True, slots=True)
class Length:
    conversations: int
    messages_mean: float | None
    messages_p50: float | None
    messages_p90: float | None
    minutes_p50: float | None


@dataclass(frozen=True, slots=True)
class BucketFigures:
    bucket: str
    conversations: int
    escalated: int
    containment: float | None
    csat_mean: float | None
    bookings: int


@dataclass(frozen=True, slots=True)
class Analytics:
    period: AnalyticsPeriod
    opened: int  # every conversation started, used or not
    conversations: int  # with at least one message from the shopper
    containment: Rate
    escalation: Rate
    reasons: dict[str, int]  # every hand-over by trigger kind
    first_bot_reply: Durations
    first_human_response: Durations
    unanswered_cases: int  # hand-overs no person has written in yet
    wait_for_agent: Durations  # of the claimed hand-overs
    unclaimed: int  # hand-overs no agent has claimed (still waiting, or ended unclaimed)
    handling: Durations
    csat: Csat
    booking: Rate
    length: Length
    unanswered_messages: int  # every message the assistant abstained on
    top_unanswered: tuple[UnansweredTopic, ...]  # grouped from the most recent MAX_MESSAGES
    wrong_entries: tuple[WrongEntry, ...]
    series: tuple[BucketFigures, ...]
    channels: dict[str, int]  # conversations per channel, every channel of the period

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period.as_dict(),
            "opened": self.opened,
            "conversations": self.conversations,
            "containment": _plain(self.containment),
            "escalation": {**_plain(self.escalation), "reasons": self.reasons},
            "first_bot_reply": _plain(self.first_bot_reply),
            "first_human_response": {
                **_plain(self.first_human_response),
                "unanswered": self.unanswered_cases,
            },
            "wait_for_agent": {**_plain(self.wait_for_agent), "unclaimed": self.unclaimed},
            "handling": _plain(self.handling),
            "csat": _plain(self.csat),
            "booking_completion": _plain(self.booking),
            "length": _plain(self.length),
            "unanswered": {
                "messages": self.unanswered_messages,
                "grouped": min(self.unanswered_messages, MAX_MESSAGES),
            },
            "top_unanswered": [t.as_dict() for t in self.top_unanswered],
            "wrong_entries": [w.as_dict() for w in self.wrong_entries],
            "series": [_plain(b) for b in self.series],
            "channels": self.channels,
        }


@dataclass(frozen=True, slots=True)
class _Facts:
    """One counted conversation, reduced to what the figures need."""

    id: str
    bucket: str
    messages: int
    minutes: float
    escalated: bool
    first_reply_s: float | None
    booking_started: bool
    booked: bool


def build_analytics(
    period: AnalyticsPeriod,
    conversations: Sequence[StoredConversation],
    cases: Iterable[Case],
    ratings: Iterable[Rating],
    feedback: Iterable[Feedback],
    *,
    channels: Mapping[str, int],
    entry_question: Callable[[str], str | None],
    embedder: Embedder | None = None,
) -> Analytics:
    """The figures of ``conversations`` (those of the period and channel); cases,
    ratings and feedback of other conversations are ignored, so a caller may pass
    a wider read."""
    ids = {c.info.id for c in conversations}
    own_cases = sorted((c for c in cases if c.conversation_id in ids), key=lambda c: c.created_at)
    case_ids = {c.id for c in own_cases}
    own_ratings = [r for r in ratings if r.case_id in case_ids]
    own_feedback = [f for f in feedback if f.case_id in case_ids]
    handed_over = {c.conversation_id for c in own_cases}
    events_of = {c.info.id: c.events for c in conversations}

    facts = [
        _facts(period, c, c.info.id in handed_over) for c in conversations if _engaged(c.events)
    ]
    escalated = sum(f.escalated for f in facts)
    started = [f for f in facts if f.booking_started]
    human, unanswered_cases = _first_human_responses(own_cases, events_of)
    first_replies = [f.first_reply_s for f in facts if f.first_reply_s is not None]
    abstained = _abstained_on(conversations)
    return Analytics(
        period=period,
        opened=len(conversations),
        conversations=len(facts),
        containment=Rate.of_counts(len(facts) - escalated, len(facts)),
        escalation=Rate.of_counts(escalated, len(facts)),
        reasons=counts_by_kind(c.trigger.kind for c in own_cases),
        first_bot_reply=Durations.of(first_replies),
        first_human_response=Durations.of(human),
        unanswered_cases=unanswered_cases,
        wait_for_agent=Durations.of(
            [c.claimed_at - c.created_at for c in own_cases if c.claimed_at is not None]
        ),
        unclaimed=sum(c.claimed_at is None for c in own_cases),
        handling=Durations.of(
            [
                c.ended_at - c.claimed_at
                for c in own_cases
                if c.claimed_at is not None and c.ended_at is not None
            ]
        ),
        csat=csat(own_ratings),
        booking=Rate.of_counts(sum(f.booked for f in started), len(started)),
        length=_length(facts),
        unanswered_messages=len(abstained),
        top_unanswered=top_unanswered(abstained, embedder),
        wrong_entries=wrong_entries(own_feedback, own_cases, events_of, entry_question),
        series=_series(period, facts, own_cases, own_ratings),
        channels=dict(sorted(channels.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _engaged(events: Sequence[Event]) -> bool:
    return any(_said_by(e, Source.CUSTOMER) for e in events)


def _said_by(event: Event, source: Source) -> bool:
    return event.source is source and event.kind is EventKind.MESSAGE


def _facts(period: AnalyticsPeriod, conversation: StoredConversation, has_case: bool) -> _Facts:
    events = conversation.events
    messages = [e for e in events if _said_by(e, Source.CUSTOMER)]
    mode_changed = any(e.kind is EventKind.MODE and e.mode in HUMAN_MODES for e in events)
    replies = [e for e in events if _said_by(e, Source.BOT) and e.reply is not None]
    first_reply = next((e for e in replies if e.at >= messages[0].at), None)
    return _Facts(
        id=conversation.info.id,
        bucket=period.bucket_of(conversation.info.created_at),
        messages=len(messages),
        minutes=(events[-1].at - events[0].at) / 60.0,
        escalated=has_case or mode_changed,
        first_reply_s=None if first_reply is None else first_reply.at - messages[0].at,
        booking_started=any(_in_booking(e) for e in replies),
        booked=any(e.reply is not None and CONFIRMED in e.reply.notes for e in replies),
    )


def _in_booking(event: Event) -> bool:
    reply = event.reply
    if reply is None:
        return False
    in_flow = reply.flow is not None and reply.flow.name == BOOK
    return in_flow or reply.intent == BookingIntent.BOOK.value or CONFIRMED in reply.notes


def _first_human_responses(
    cases: Sequence[Case], events_of: Mapping[str, Sequence[Event]]
) -> tuple[list[float], int]:
    """Seconds from each hand-over to a person's first message, and how many
    hand-overs no person has written in."""
    seconds: list[float] = []
    unanswered = 0
    for case in cases:
        ends = case.ended_at if case.ended_at is not None else float("inf")
        first = next(
            (
                e
                for e in events_of.get(case.conversation_id, ())
                if _said_by(e, Source.AGENT) and case.created_at <= e.at <= ends
            ),
            None,
        )
        if first is None:
            unanswered += 1
        else:
            seconds.append(first.at - case.created_at)
    return seconds, unanswered


def _length(facts: Sequence[_Facts]) -> Length:
    if not facts:
        return Length(0, None, None, None, None)
    counts = [float(f.messages) for f in facts]
    minutes = Durations.of([f.minutes for f in facts])
    by_count = Durations.of(counts)
    return Length(
        len(facts),
        round(statistics.fmean(counts), 2),
        by_count.p50_s,
        by_count.p90_s,
        minutes.p50_s,
    )


def _abstained_on(conversations: Sequence[StoredConversation]) -> list[Unanswered]:
    """The shopper's messages whose reply was "I don't know"."""
    found: list[Unanswered] = []
    for conversation in conversations:
        asked = {e.seq: e for e in conversation.events if _said_by(e, Source.CUSTOMER)}
        for event in conversation.events:
            reply = event.reply
            if reply is None or reply.kind is not ReplyKind.ABSTAIN or event.reply_to is None:
                continue
            message = asked.get(event.reply_to)
            if message is not None and message.text.strip():
                found.append(Unanswered(message.at, message.text))
    return found


def _series(
    period: AnalyticsPeriod,
    facts: Sequence[_Facts],
    cases: Sequence[Case],
    ratings: Sequence[Rating],
) -> tuple[BucketFigures, ...]:
    bucket_of_conversation = {f.id: f.bucket for f in facts}
    case_conversation = {c.id: c.conversation_id for c in cases}
    by_bucket: dict[str, list[_Facts]] = defaultdict(list)
    for f in facts:
        by_bucket[f.bucket].append(f)
    scores: dict[str, list[int]] = defaultdict(list)
    for rating in ratings:
        bucket = bucket_of_conversation.get(case_conversation.get(rating.case_id, ""))
        if bucket is not None:
            scores[bucket].append(rating.score)
    series = []
    for bucket in period.buckets():
        group = by_bucket.get(bucket, [])
        escalated = sum(f.escalated for f in group)
        mean = round(statistics.fmean(scores[bucket]), 2) if scores.get(bucket) else None
        series.append(
            BucketFigures(
                bucket=bucket,
                conversations=len(group),
                escalated=escalated,
                containment=Rate.of_counts(len(group) - escalated, len(group)).rate,
                csat_mean=mean,
                bookings=sum(f.booked for f in group),
            )
        )
    return tuple(series)


def _plain(record: Any) -> dict[str, object]:
    plain: dict[str, object] = asdict(record)
    return plain
