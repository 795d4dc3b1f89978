"""The content of an evaluation report, built once and rendered three ways: report.json
(for `frontdesk eval compare` and other programs), report.md and the charts.

report.json's shape is documented in docs/evaluation.md; a change that would break a
reader bumps FORMAT_VERSION. Its ``metrics`` object is flat (name → number or null)
and ``directions`` says for each whether higher or lower is better, so two reports
can be compared without knowing what the metrics mean.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.evaluation.confusion import (
    CategoryAccuracy,
    ConfusedPair,
    category_accuracy,
    category_confusions,
    entry_confusions,
    has_categories,
)
from frontdesk.evaluation.conversations import ScriptKind
from frontdesk.evaluation.datasets import EvalItem, ItemKind
from frontdesk.evaluation.intent_eval import IntentScore
from frontdesk.evaluation.latency import Histogram, latency_histogram
from frontdesk.evaluation.metrics import EvalMetrics, compute_metrics
from frontdesk.evaluation.outcomes import count_outcomes
from frontdesk.evaluation.runner import EvalRun, Prediction
from frontdesk.evaluation.script_scores import (
    BookingSummary,
    EscalationScore,
    ScriptResult,
    TurnCounts,
    booking_summary,
    escalation_score,
    turn_counts,
)

FORMAT = "frontdesk-eval-report"
FORMAT_VERSION = 1
LATENCY_CHART = "latency.png"
OUTCOMES_CHART = "outcomes.png"

HIGHER, LOWER = "higher", "lower"
# Every metric of report.json, in report order, and which way is better.
DIRECTIONS: dict[str, str] = {
    "answer_accuracy": HIGHER,
    "wrong_answer_rate": LOWER,
    "clarify_rate": LOWER,
    "clarify_hit_rate": HIGHER,
    "abstention_oos": HIGHER,
    "oos_clarified": LOWER,
    "smalltalk_handled": HIGHER,
    "dialogue_turn_accuracy": HIGHER,
    "dialogue_wrong_answer_rate": LOWER,
    "category_accuracy": HIGHER,
    "intent_accuracy": HIGHER,
    "latency_p50_ms": LOWER,
    "latency_p95_ms": LOWER,
    "latency_p99_ms": LOWER,
    "latency_max_ms": LOWER,
    "cost_per_1k_turns_usd": LOWER,
    "booking_completed_rate": HIGHER,
    "booking_turns_mean": LOWER,
    "booking_seconds_mean": LOWER,
    "escalation_precision": HIGHER,
    "escalation_recall": HIGHER,
    "escalation_trigger_agreement": HIGHER,
}


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file as a report names it: a short path (never this machine's absolute one)
    and its sha256, which says exactly which version was evaluated."""

    file: str
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileRef:
        return cls(display_path(path), hashlib.sha256(path.read_bytes()).hexdigest())

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class Evaluated:
    kb: FileRef
    eval_set: FileRef
    model: str  # "base", or the trained model's directory
    retriever: str  # the choice: auto, onnx or tfidf
    embedder: str  # what actually searched the knowledge base
    answers: str  # "local", or the language model that wrote answers
    conversations: FileRef | None = None
    intents: FileRef | None = None


@dataclass(frozen=True, slots=True)
class EvalReport:
    created_at: str
    evaluated: Evaluated
    kb_entries: int
    kb_categories: int
    run: EvalRun
    metrics: EvalMetrics
    outcomes: dict[str, dict[str, int]]
    histogram: Histogram
    entry_confusions: tuple[ConfusedPair, ...]
    categories: CategoryAccuracy | None  # None: the knowledge base has no categories
    category_confusions: tuple[ConfusedPair, ...] | None
    dialogue_lengths: TurnCounts
    intents: IntentScore | None = None
    scripts: tuple[ScriptResult, ...] | None = None  # None: no scripts were played
    charts: tuple[str, ...] = (LATENCY_CHART, OUTCOMES_CHART)

    @property
    def booking(self) -> BookingSummary | None:
        if self.scripts is None:
            return None
        return booking_summary(self.scripts)

    @property
    def escalation(self) -> EscalationScore | None:
        if self.scripts is None:
            return None
        return escalation_score(self.scripts)

    def script_lengths(self, kind: ScriptKind) -> TurnCounts | None:
        if self.scripts is None:
            return None
        return turn_counts([s.turns for s in self.scripts if s.kind is kind])

    def headline(self) -> dict[str, float | None]:
        """The flat ``metrics`` of report.json: every name of DIRECTIONS, in its order."""
        m = self.metrics
        booking, escalation = self.booking, self.escalation
        values: dict[str, float | None] = {
            "answer_accuracy": m.answer_accuracy,
            "wrong_answer_rate": m.wrong_answer_rate,
            "clarify_rate": m.clarify_rate,
            "clarify_hit_rate": m.clarify_hit_rate,
            "abstention_oos": m.abstention_oos,
            "oos_clarified": m.oos_clarified,
            "smalltalk_handled": m.smalltalk_handled,
            "dialogue_turn_accuracy": m.dialogue_turn_accuracy,
            "dialogue_wrong_answer_rate": m.dialogue_wrong_answer_rate,
            "category_accuracy": None if self.categories is None else self.categories.accuracy,
            "intent_accuracy": None if self.intents is None else self.intents.accuracy,
            "latency_p50_ms": m.latency_p50_ms,
            "latency_p95_ms": m.latency_p95_ms,
            "latency_p99_ms": m.latency_p99_ms,
            "latency_max_ms": m.latency_max_ms,
            "cost_per_1k_turns_usd": m.cost_per_1k_turns_usd,
            "booking_completed_rate": None if booking is None else booking.completed_rate,
            "booking_turns_mean": None if booking is None else booking.turns_mean,
            "booking_seconds_mean": None if booking is None else booking.seconds_mean,
            "escalation_precision": None if escalation is None else escalation.precision,
            "escalation_recall": None if escalation is None else escalation.recall,
            "escalation_trigger_agreement": (
                None if escalation is None else escalation.trigger_agreement
            ),
        }
        return {name: _rounded(name, value) for name, value in values.items()}

    def as_dict(self) -> dict[str, object]:
        """report.json."""
        m, e = self.metrics, self.evaluated
        booking, escalation = self.booking, self.escalation
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "frontdesk_version": _version(),
            "evaluated": {
                "kb": {
                    **e.kb.as_dict(),
                    "entries": self.kb_entries,
                    "categories": self.kb_categories,
                },
                "model": e.model,
                "retriever": e.retriever,
                "embedder": e.embedder,
                "answers": e.answers,
                "set": {
                    **e.eval_set.as_dict(),
                    "items": self.run.items,
                    "turns": m.turns,
                    "faq": m.faq,
                    "oos": m.oos,
                    "smalltalk": m.smalltalk,
                    "dialogues": m.dialogues,
                    "dialogue_turns": m.dialogue_turns,
                },
                "conversations": _scripts_ref(e.conversations, self.scripts),
                "intents": (
                    None
                    if e.intents is None or self.intents is None
                    else {**e.intents.as_dict(), "examples": self.intents.examples}
                ),
            },
            "metrics": self.headline(),
            "directions": dict(DIRECTIONS),
            "latency": {
                "p50_ms": _rounded("latency_p50_ms", m.latency_p50_ms),
                "p95_ms": _rounded("latency_p95_ms", m.latency_p95_ms),
                "p99_ms": _rounded("latency_p99_ms", m.latency_p99_ms),
                "max_ms": _rounded("latency_max_ms", m.latency_max_ms),
                "turns": m.turns,
                "warmup_calls": self.run.warmup_calls,
                "histogram": self.histogram.as_dict(),
            },
            "outcomes": self.outcomes,
            "categories": None if self.categories is None else self.categories.as_dict(),
            "confusions": {
                "entries": [c.as_dict() for c in self.entry_confusions],
                "categories": (
                    None
                    if self.category_confusions is None
                    else [c.as_dict() for c in self.category_confusions]
                ),
                "intents": (
                    None if self.intents is None else [c.as_dict() for c in self.intents.confusions]
                ),
            },
            "intents": None if self.intents is None else self.intents.as_dict(),
            "conversation_length": {
                "dialogues": self.dialogue_lengths.as_dict(),
                "booking_scripts": _or_none(self.script_lengths(ScriptKind.BOOKING)),
                "escalation_scripts": _or_none(self.script_lengths(ScriptKind.ESCALATION)),
            },
            "booking": None if booking is None else booking.as_dict(),
            "escalation": None if escalation is None else escalation.as_dict(),
            "scripts": None if self.scripts is None else [s.as_dict() for s in self.scripts],
            "cost": {
                "per_1k_turns_usd": _rounded("cost_per_1k_turns_usd", m.cost_per_1k_turns_usd),
                "llm_turns": m.llm_turns,
                "prompt_tokens": m.prompt_tokens,
                "completion_tokens": m.completion_tokens,
                "llm_models": m.llm_models,
                "unknown_price_for": m.cost_unknown_for,
            },
            "charts": list(self.charts),
        }


def build_report(
    run: EvalRun,
    items: Sequence[EvalItem],
    kb: KnowledgeBase,
    evaluated: Evaluated,
    *,
    scripts: Sequence[ScriptResult] | None = None,
    intents: IntentScore | None = None,
    confusions: int = 10,
) -> EvalReport:
    """``items`` are the set the run played: confused messages are named by their line
    there ("line 57", "line 301, turn 2"), not quoted."""
    predictions = run.predictions
    categorised = has_categories(kb)

    def locate(p: Prediction) -> str:
        where = f"line {items[p.item].line}"
        return f"{where}, turn {p.turn + 1}" if p.item_kind is ItemKind.DIALOGUE else where

    dialogue_turns: dict[int, int] = {}
    for p in predictions:
        if p.item_kind is ItemKind.DIALOGUE:
            dialogue_turns[p.item] = dialogue_turns.get(p.item, 0) + 1
    return EvalReport(
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        evaluated=evaluated,
        kb_entries=len(kb),
        kb_categories=len({entry.category for entry in kb if entry.category}),
        run=run,
        metrics=compute_metrics(predictions),
        outcomes=count_outcomes(predictions),
        histogram=latency_histogram([p.latency_ms for p in predictions]),
        entry_confusions=tuple(entry_confusions(predictions, kb, confusions, locate)),
        categories=category_accuracy(predictions, kb) if categorised else None,
        category_confusions=(
            tuple(category_confusions(predictions, kb, confusions, locate)) if categorised else None
        ),
        dialogue_lengths=turn_counts(list(dialogue_turns.values())),
        intents=intents,
        scripts=None if scripts is None else tuple(scripts),
    )


def display_path(path: Path) -> str:
    """A path as a report shows it: relative to the working directory when under it,
    else just its name, so a committed report holds no absolute path of one machine."""
    resolved = path.expanduser().resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.name


def _scripts_ref(
    ref: FileRef | None, scripts: tuple[ScriptResult, ...] | None
) -> dict[str, object] | None:
    if ref is None or scripts is None:
        return None
    return {
        **ref.as_dict(),
        "scripts": len(scripts),
        "booking": sum(s.kind is ScriptKind.BOOKING for s in scripts),
        "escalation": sum(s.kind is ScriptKind.ESCALATION for s in scripts),
    }


def _or_none(counts: TurnCounts | None) -> dict[str, object] | None:
    return None if counts is None or not counts.conversations else counts.as_dict()


def _rounded(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if name.endswith("_ms"):
        return round(value, 3)
    if name.endswith("_usd"):
        return round(value, 6)
    return round(value, 4)


def _version() -> str:
    try:
        return metadata.version("frontdesk")
    except metadata.PackageNotFoundError:
        return "unknown"
