"""Metrics over per-turn predictions.

A rate whose denominator is empty (a set with no oos lines, say) is None, not 0: "not
measured" and "always wrong" must not look alike in a report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from frontdesk.core.conversation import ReplyKind
from frontdesk.evaluation.datasets import ItemKind
from frontdesk.evaluation.runner import Prediction

# Replies that do not pretend to answer: right for oos lines and empty-accept dialogue turns.
_NON_ANSWERS = frozenset({ReplyKind.ABSTAIN, ReplyKind.SMALLTALK})


@dataclass(frozen=True, slots=True)
class EvalMetrics:
    # counts
    faq: int
    oos: int
    smalltalk: int
    dialogues: int
    dialogue_turns: int
    turns: int  # every respond() call recorded
    # rates in [0, 1]; None where the denominator is empty
    answer_accuracy: float | None  # faq answered with an accepted entry / faq
    wrong_answer_rate: float | None  # (faq answered wrongly + oos answered) / (faq + oos)
    clarify_rate: float | None  # faq clarified / faq
    clarify_hit_rate: float | None  # faq clarifications offering an accepted entry / those
    abstention_oos: float | None  # oos abstained / oos
    oos_clarified: float | None  # oos clarified / oos
    smalltalk_handled: float | None  # smalltalk replied to as smalltalk / smalltalk
    dialogue_turn_accuracy: float | None
    # latency of respond(), milliseconds, over all recorded turns
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_max_ms: float | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready; rates to 4 places and latencies to 3 so diffs stay readable."""
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if isinstance(value, float):
                value = round(value, 3 if key.startswith("latency_") else 4)
            out[key] = value
        return out


def answered_correctly(prediction: Prediction) -> bool:
    """An answer whose top entry is one of the accepted ids."""
    return (
        prediction.kind == ReplyKind.ANSWER
        and bool(prediction.source_ids)
        and prediction.source_ids[0] in prediction.accept
    )


def is_correct(prediction: Prediction) -> bool:
    """Did this turn do the right thing? Shared by the metrics and the error report."""
    kind = prediction.item_kind
    if kind is ItemKind.OOS:
        return prediction.kind == ReplyKind.ABSTAIN
    if kind is ItemKind.SMALLTALK:
        return prediction.kind == ReplyKind.SMALLTALK
    if kind is ItemKind.DIALOGUE and not prediction.accept:
        return prediction.kind in _NON_ANSWERS
    return answered_correctly(prediction)


def compute_metrics(predictions: Sequence[Prediction]) -> EvalMetrics:
    faq = [p for p in predictions if p.item_kind is ItemKind.FAQ]
    oos = [p for p in predictions if p.item_kind is ItemKind.OOS]
    smalltalk = [p for p in predictions if p.item_kind is ItemKind.SMALLTALK]
    dialogue = [p for p in predictions if p.item_kind is ItemKind.DIALOGUE]

    faq_answered = [p for p in faq if p.kind == ReplyKind.ANSWER]
    faq_right = sum(answered_correctly(p) for p in faq_answered)
    # An answer with no entry id at all is still a confident answer the set did not accept.
    faq_wrong = len(faq_answered) - faq_right
    oos_answered = sum(p.kind == ReplyKind.ANSWER for p in oos)
    faq_clarified = [p for p in faq if p.kind == ReplyKind.CLARIFY]
    clarify_hits = sum(any(i in p.accept for i in p.source_ids) for p in faq_clarified)

    latencies = sorted(p.latency_ms for p in predictions)
    return EvalMetrics(
        faq=len(faq),
        oos=len(oos),
        smalltalk=len(smalltalk),
        dialogues=len({p.item for p in dialogue}),
        dialogue_turns=len(dialogue),
        turns=len(predictions),
        answer_accuracy=_rate(faq_right, len(faq)),
        wrong_answer_rate=_rate(faq_wrong + oos_answered, len(faq) + len(oos)),
        clarify_rate=_rate(len(faq_clarified), len(faq)),
        clarify_hit_rate=_rate(clarify_hits, len(faq_clarified)),
        abstention_oos=_rate(sum(p.kind == ReplyKind.ABSTAIN for p in oos), len(oos)),
        oos_clarified=_rate(sum(p.kind == ReplyKind.CLARIFY for p in oos), len(oos)),
        smalltalk_handled=_rate(
            sum(p.kind == ReplyKind.SMALLTALK for p in smalltalk), len(smalltalk)
        ),
        dialogue_turn_accuracy=_rate(sum(is_correct(p) for p in dialogue), len(dialogue)),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        latency_max_ms=latencies[-1] if latencies else None,
    )


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), None when empty."""
    if not sorted_values:
        return None
    rank = (len(sorted_values) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
