"""A seeded week of conversations whose analytics are known by hand.

Every time is seconds after T (Tuesday 6 January 2026, 10:00 UTC, which is London
time in January). The figures below are worked out from these events in comments
beside them; test_analytics_api.py checks the API reports exactly them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from frontdesk.adapters.storage.escalation_store import SqlCaseStore
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.core.booking.flows import BOOK
from frontdesk.core.conversation import (
    ConversationInfo,
    Event,
    EventKind,
    FlowState,
    Mode,
    Reply,
    ReplyKind,
    Source,
)
from frontdesk.core.escalation.model import (
    Case,
    CaseStatus,
    Feedback,
    Rating,
    Trigger,
    TriggerKind,
    Verdict,
)
from tests.integration.test_escalation_report_cli import store_case

T = datetime(2026, 1, 6, 10, tzinfo=UTC).timestamp()
PERIOD = {"since": "2026-01-05", "until": "2026-01-11"}
AGENT_ID = "agt_ada"
WRONG_ENTRY = "orders-track"  # answered, and rated wrong by the agent
RIGHT_ENTRY = "returns-refund-time"


@dataclass
class Seeded:
    id: str
    channel: str = "web"
    created: float = T
    # (seconds after T, source, text, reply or None, mode or None)
    events: list[tuple[float, Source, str, Reply | None, Mode | None]] = field(default_factory=list)


def said(at: float, text: str) -> tuple[float, Source, str, Reply | None, Mode | None]:
    return (at, Source.CUSTOMER, text, None, None)


def bot(at: float, reply: Reply) -> tuple[float, Source, str, Reply | None, Mode | None]:
    return (at, Source.BOT, reply.text, reply, None)


def agent(at: float, text: str) -> tuple[float, Source, str, Reply | None, Mode | None]:
    return (at, Source.AGENT, text, None, None)


def mode(at: float, to: Mode) -> tuple[float, Source, str, Reply | None, Mode | None]:
    return (at, Source.SYSTEM, f"now {to.value}", None, to)


ABSTAIN = Reply(ReplyKind.ABSTAIN, "I don't know that one.")
HANDOVER = Reply(ReplyKind.HANDOVER, "A person will take over.")
BOOKING = Reply(
    ReplyKind.BOOKING,
    "Which day suits you?",
    intent="book_appointment",
    flow=FlowState(BOOK, "slot"),
)

CONVERSATIONS = [
    # c1: answered, then thanks. Contained. 2 messages; first bot reply 0.2 s.
    Seeded(
        "c1",
        events=[
            said(0, "How can I follow my parcel?"),
            bot(0.2, Reply(ReplyKind.ANSWER, "Tracking …", source_ids=("orders-track",))),
            said(30, "thanks"),
            bot(30.1, Reply(ReplyKind.SMALLTALK, "You're welcome!")),
        ],
    ),
    # c2: two abstentions, then the assistant-failing hand-over at +20.4; a bot
    # notice at +50 (never a human response); claimed +80 (wait 59.6); the agent
    # writes at +100 (first human response 79.6); closed +400 (handling 320).
    Seeded(
        "c2",
        events=[
            said(0, "Do you ship to Mars?"),
            bot(0.3, ABSTAIN),
            said(20, "do you ship to mars"),
            bot(20.3, ABSTAIN),
            mode(20.4, Mode.QUEUED),
            bot(50, Reply(ReplyKind.HANDOVER, "Still waiting: about 2 minutes.")),
            mode(80, Mode.AGENT),
            agent(100, "Hi, I'm Ada. Let me check for you."),
            mode(400, Mode.CLOSED),
        ],
    ),
    # c3: answered with orders-track, then asks for a person at +40 (hand-over at
    # +40.5); claimed +240 (wait 199.5); agent writes +270 (229.5); handed back +540
    # (handling 300). The agent rates the answer wrong: returns-refund-time was right.
    Seeded(
        "c3",
        events=[
            said(0, "When will my refund arrive?"),
            bot(0.2, Reply(ReplyKind.ANSWER, "Tracking …", source_ids=("orders-track",))),
            said(40, "That's not it, I want a person"),
            bot(40.5, HANDOVER),
            mode(40.5, Mode.QUEUED),
            mode(240, Mode.AGENT),
            agent(270, "Hello, Ada here."),
            mode(540, Mode.BOT),
        ],
    ),
    # c4 (email): a booking started and confirmed. Contained; first reply 0.1 s.
    Seeded(
        "c4",
        channel="email",
        events=[
            said(0, "Book a video call"),
            bot(0.1, BOOKING),
            said(10, "Tuesday 10:00"),
            bot(
                10.1,
                Reply(ReplyKind.BOOKING, "Booked.", notes=("booking:BK1", "booking_confirmed")),
            ),
        ],
    ),
    # c5: a booking started, never finished. Contained; first reply 0.4 s.
    Seeded("c5", events=[said(0, "I'd like an appointment"), bot(0.4, BOOKING)]),
    # c6: opened, never used: counted as opened only.
    Seeded("c6"),
    # c7: a chargeback goes to a person at +0.5 and nobody has answered yet.
    Seeded(
        "c7",
        events=[
            said(0, "I'm filing a chargeback"),
            bot(0.5, HANDOVER),
            mode(0.5, Mode.QUEUED),
        ],
    ),
    # c8: the week after, outside the period: never counted.
    Seeded(
        "c8",
        created=T + 14 * 86400,
        events=[said(14 * 86400, "Do you ship to Mars?"), bot(14 * 86400 + 0.3, ABSTAIN)],
    ),
]

CASES = [
    Case(
        "k2",
        "c2",
        "support",
        Trigger(TriggerKind.FAILING, "two abstentions"),
        "faq:none",
        "Mars",
        CaseStatus.CLOSED,
        T + 20.4,
        None,
        AGENT_ID,
        T + 80,
        T + 400,
    ),
    Case(
        "k3",
        "c3",
        "support",
        Trigger(TriggerKind.ASKED, "asked for a person"),
        "faq:orders-track",
        "Refunds",
        CaseStatus.RETURNED,
        T + 40.5,
        None,
        AGENT_ID,
        T + 240,
        T + 540,
    ),
    Case(
        "k7",
        "c7",
        "billing",
        Trigger(TriggerKind.SENSITIVE, "chargeback", detail="chargeback"),
        "faq:none",
        "Chargebacks",
        CaseStatus.QUEUED,
        T + 0.5,
    ),
    Case(
        "k8",
        "c8",
        "support",
        Trigger(TriggerKind.FAILING, "two abstentions"),
        "faq:none",
        "Mars",
        CaseStatus.CLOSED,
        T + 14 * 86400 + 1,
        None,
        AGENT_ID,
        T + 14 * 86400 + 2,
        T + 14 * 86400 + 3,
    ),
]
RATINGS = [
    Rating("c2", "k2", 4, T + 410),
    Rating("c3", "k3", 2, T + 550),
    Rating("c8", "k8", 1, T + 14 * 86400 + 10),
]
FEEDBACK = [
    Feedback("k3", "c3", AGENT_ID, Verdict.WRONG, T + 600, right_entry_id=RIGHT_ENTRY),
    Feedback("k2", "c2", AGENT_ID, Verdict.RIGHT, T + 600),
]


def seed(store: SqlConversationStore, cases: SqlCaseStore) -> None:
    for conversation in CONVERSATIONS:
        info = ConversationInfo(
            conversation.id,
            "0" * 64,
            Mode.BOT,
            conversation.created,
            0,
            None,
            None,
            conversation.channel,
        )
        store.create(info)
        asked: int | None = None  # the seq of the shopper's last message
        for at, source, text, reply, to in conversation.events:
            kind = EventKind.MODE if to is not None else EventKind.MESSAGE
            answers = asked if reply is not None else None
            event = Event(source, text, T + at, reply, kind=kind, mode=to, reply_to=answers)
            stored = store.append(conversation.id, event).event
            if source is Source.CUSTOMER:
                asked = stored.seq
    for case in CASES:
        store_case(cases, case)
    for rating in RATINGS:
        cases.rate(rating)
    for item in FEEDBACK:
        cases.add_feedback(item)
