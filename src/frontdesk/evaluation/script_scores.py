"""What the scripted conversations showed: one result per script, and the figures over
them (booking effort; escalation precision, recall and trigger agreement; turns).

As elsewhere in the harness, a figure with nothing to measure is None, not 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk.evaluation.conversations import ScriptKind


@dataclass(frozen=True, slots=True)
class ScriptResult:
    name: str
    kind: ScriptKind
    line: int
    turns: int  # customer turns sent: to the confirmation, the hand-over, or all moves
    seconds: float  # the assistant's time over those turns
    booked: bool  # a booking was confirmed
    escalated: bool  # a hand-over reply appeared: a person takes over
    trigger: str | None  # the hand-over's trigger kind
    passed: bool  # did what the script expects
    problem: str  # why it did not; "" when it passed
    # What the script expects (escalation scripts): escalated or not, and the trigger.
    expected_escalated: bool | None = None
    expected_trigger: str | None = None
    max_turns: int | None = None  # booking scripts: the goal
    reference: str | None = None  # the booking's reference

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "line": self.line,
            "turns": self.turns,
            "seconds": round(self.seconds, 4),
            "booked": self.booked,
            "escalated": self.escalated,
            "trigger": self.trigger,
            "expected_escalated": self.expected_escalated,
            "expected_trigger": self.expected_trigger,
            "max_turns": self.max_turns,
            "passed": self.passed,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class BookingSummary:
    scripts: int
    booked: int
    within_goal: int  # booked in no more turns than the script's max_turns
    completed_rate: float | None  # booked / scripts
    turns_mean: float | None  # over the booked scripts
    turns_max: int | None
    seconds_mean: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "scripts": self.scripts,
            "booked": self.booked,
            "within_goal": self.within_goal,
            "completed_rate": _round(self.completed_rate),
            "turns_mean": _round(self.turns_mean),
            "turns_max": self.turns_max,
            "seconds_mean": _round(self.seconds_mean),
        }


@dataclass(frozen=True, slots=True)
class EscalationScore:
    scripts: int
    should_escalate: int  # positives: scripts that expect a person
    escalated: int  # scripts where a person took over
    true_positives: int
    precision: float | None  # true positives / escalated
    recall: float | None  # true positives / should_escalate
    # Of the true positives whose script names a trigger, the share with that trigger.
    trigger_checked: int
    trigger_agreement: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "scripts": self.scripts,
            "should_escalate": self.should_escalate,
            "escalated": self.escalated,
            "true_positives": self.true_positives,
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "trigger_checked": self.trigger_checked,
            "trigger_agreement": _round(self.trigger_agreement),
        }


def booking_summary(results: Sequence[ScriptResult]) -> BookingSummary:
    runs = [r for r in results if r.kind is ScriptKind.BOOKING]
    booked = [r for r in runs if r.booked]
    within = sum(r.max_turns is None or r.turns <= r.max_turns for r in booked)
    return BookingSummary(
        scripts=len(runs),
        booked=len(booked),
        within_goal=within,
        completed_rate=len(booked) / len(runs) if runs else None,
        turns_mean=statistics.fmean(r.turns for r in booked) if booked else None,
        turns_max=max((r.turns for r in booked), default=None),
        seconds_mean=statistics.fmean(r.seconds for r in booked) if booked else None,
    )


def escalation_score(results: Sequence[ScriptResult]) -> EscalationScore:
    runs = [r for r in results if r.kind is ScriptKind.ESCALATION]
    positives = [r for r in runs if r.expected_escalated]
    escalated = [r for r in runs if r.escalated]
    hits = [r for r in positives if r.escalated]
    checked = [r for r in hits if r.expected_trigger is not None]
    agreed = sum(r.trigger == r.expected_trigger for r in checked)
    return EscalationScore(
        scripts=len(runs),
        should_escalate=len(positives),
        escalated=len(escalated),
        true_positives=len(hits),
        precision=len(hits) / len(escalated) if escalated else None,
        recall=len(hits) / len(positives) if positives else None,
        trigger_checked=len(checked),
        trigger_agreement=agreed / len(checked) if checked else None,
    )


@dataclass(frozen=True, slots=True)
class TurnCounts:
    """How long conversations are, in customer turns."""

    conversations: int
    mean: float | None
    max: int | None
    counts: dict[int, int]  # turns -> how many conversations had that many

    def as_dict(self) -> dict[str, object]:
        return {
            "conversations": self.conversations,
            "mean": _round(self.mean),
            "max": self.max,
            "counts": {str(turns): n for turns, n in sorted(self.counts.items())},
        }


def turn_counts(lengths: Sequence[int]) -> TurnCounts:
    counts: dict[int, int] = {}
    for length in lengths:
        counts[length] = counts.get(length, 0) + 1
    return TurnCounts(
        conversations=len(lengths),
        mean=statistics.fmean(lengths) if lengths else None,
        max=max(lengths, default=None),
        counts=counts,
    )


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)
