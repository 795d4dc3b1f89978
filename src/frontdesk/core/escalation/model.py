"""Escalation to a person: why a conversation was handed over (the trigger and its
evidence), the case that follows it through the queue, the agents who take it, and
what they say afterwards (the shopper's rating, the agent's verdict on the bot).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.core.booking.model import OpeningHours

DEFAULT_QUEUE = "support"


class TriggerKind(StrEnum):
    ASKED = "asked_for_human"  # "can I talk to a person"
    FRUSTRATED = "frustrated"  # sentiment, shouting, "third time", profanity …
    FAILING = "assistant_failing"  # two abstentions in a row, the same question again
    SENSITIVE = "sensitive"  # chargeback, fraud, legal threat, safety, data deletion


@dataclass(frozen=True, slots=True)
class Trigger:
    """Why a conversation goes to a person, with what showed it: the phrases that
    matched, the sentiment score, the two abstentions … (``evidence``, for the agent
    and for tuning), and a score in 0…1 where the detector has one."""

    kind: TriggerKind
    reason: str  # one line an agent reads: "asked for a person", "sounds frustrated"
    evidence: tuple[str, ...] = ()
    score: float = 1.0
    # A finer label where the trigger has one: "chargeback", "legal", "shouting" …
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "reason": self.reason,
            "evidence": list(self.evidence),
            "score": round(self.score, 4),
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Trigger:
        return cls(
            TriggerKind(str(record["kind"])),
            str(record.get("reason", "")),
            tuple(str(e) for e in record.get("evidence", ())),
            float(record.get("score", 1.0)),
            str(record.get("detail", "")),
        )


class CaseStatus(StrEnum):
    QUEUED = "queued"  # waiting for an agent
    CLAIMED = "claimed"  # an agent has it
    RETURNED = "returned"  # handed back to the assistant
    CLOSED = "closed"  # the agent closed the conversation


OPEN_STATUSES = (CaseStatus.QUEUED, CaseStatus.CLAIMED)


@dataclass(frozen=True, slots=True)
class Case:
    """One escalation of one conversation, from the trigger to its outcome.
    A conversation has at most one open (queued or claimed) case at a time."""

    id: str
    conversation_id: str
    queue: str
    trigger: Trigger
    # The nearest FAQ entry ("faq:12") or intent ("intent:complaint") of what the
    # shopper wanted, and its words for reports ("Returns: how long do refunds take").
    topic: str
    topic_label: str
    status: CaseStatus
    created_at: float
    customer_id: str | None = None
    agent_id: str | None = None
    claimed_at: float | None = None
    ended_at: float | None = None  # returned or closed
    # What the agent wrote when handing back, for the assistant ("refund issued").
    note: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Role(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"  # sees every queue, and every queue's reports (agents: their own)


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    email: str  # what they sign in with, stored lower-case
    name: str  # shown to the shopper: "Sam"
    role: Role = Role.AGENT
    # The queues whose conversations they see and may claim; an admin sees all.
    queues: tuple[str, ...] = (DEFAULT_QUEUE,)
    created_at: float = 0.0

    def sees(self, queue: str) -> bool:
        return self.role is Role.ADMIN or queue in self.queues


class Verdict(StrEnum):
    """An agent's reading of how the assistant handled a conversation."""

    RIGHT = "right_answer"
    WRONG = "wrong_answer"
    NEEDLESS = "escalated_needlessly"
    LATE = "should_have_escalated_sooner"


@dataclass(frozen=True, slots=True)
class Feedback:
    case_id: str
    conversation_id: str
    agent_id: str
    verdict: Verdict
    at: float
    # The bot reply it is about (its event seq), when it is about one answer.
    event_seq: int | None = None
    # For a wrong answer: the entry that was right, or a new answer to add.
    right_entry_id: str | None = None
    new_answer: str = ""
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Rating:
    """The shopper's rating of the conversation after an agent closed it (CSAT)."""

    conversation_id: str
    case_id: str
    score: int  # 1 … 5
    at: float
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in agent's console session. Only the hash of its id is stored."""

    id_hash: str
    agent_id: str
    created_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class Handled:
    """How long one recent case took an agent, for the wait estimate."""

    claimed_at: float
    ended_at: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.ended_at - self.claimed_at)


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    position: int  # 1: next in line
    agents_online: int
    seconds: float | None  # None: nobody online and outside hours (see ``opens_at``)
    open_now: bool = True
    opens_at: float | None = None  # outside support hours: when someone will answer
    text: str = ""  # what the shopper reads

    def as_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "agents_online": self.agents_online,
            "seconds": None if self.seconds is None else round(self.seconds),
            "open_now": self.open_now,
            "opens_at": self.opens_at,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class SupportHours:
    """When agents answer, in the shop's timezone: weekday (0 = Monday) → stretches;
    a missing weekday is closed. Outside them the shopper is told when someone will
    answer and may leave an email."""

    timezone: ZoneInfo
    hours: dict[int, tuple[OpeningHours, ...]]
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Which cases a report reads: a period and, optionally, queues."""

    since: float
    until: float
    queues: tuple[str, ...] | None = None
    statuses: tuple[CaseStatus, ...] = field(default=())
