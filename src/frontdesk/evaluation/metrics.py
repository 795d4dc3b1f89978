"""Metrics over per-turn predictions.

A rate whose denominator is empty (a set with no oos lines, say) is None, not 0: "not
measured" and "always wrong" must not look alike in a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from frontdesk.core.analytics.timing import quantile
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
    # dialogue turns answered with an entry the turn does not accept / dialogue turns
    dialogue_wrong_answer_rate: float | None
    # latency of respond(), milliseconds, over all recorded turns
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    latency_max_ms: float | None
    # What a language model cost, when one wrote answers (FRONTDESK_LLM_PROVIDER=openai).
    llm_turns: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # USD over all turns, 0 for the local model; None when a model has no known price.
    cost_per_1k_turns_usd: float | None = None
    llm_models: str | None = None
    cost_unknown_for: str | None = None  # the models without a price, comma-separated

    def as_dict(self) -> dict[str, object]:
        """JSON-ready; rates to 4 places and latencies to 3 so diffs stay readable."""
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if isinstance(value, float):
                places = 3 if key.startswith("latency_") else 6 if key.startswith("cost_") else 4
                value = round(value, places)
            out[key] = value
        return out


def answered_correctly(prediction: Prediction) -> bool:
    """An answer whose top entry is one of the accepted ids."""
    return (
        prediction.kind == ReplyKind.ANSWER
        and bool(prediction.source_ids)
        and prediction.source_ids[0] in prediction.accept
    )


def answered_wrongly(prediction: Prediction) -> bool:
    """A confident answer the line does not accept (any answer, where it accepts none)."""
    return prediction.kind == ReplyKind.ANSWER and not answered_correctly(prediction)


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
    cost = _llm_cost(predictions)
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
        dialogue_wrong_answer_rate=_rate(sum(answered_wrongly(p) for p in dialogue), len(dialogue)),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        latency_p99_ms=percentile(latencies, 99),
        latency_max_ms=latencies[-1] if latencies else None,
        llm_turns=cost.turns,
        prompt_tokens=cost.prompt_tokens,
        completion_tokens=cost.completion_tokens,
        cost_per_1k_turns_usd=cost.per_1k_turns,
        llm_models=cost.models,
        cost_unknown_for=cost.unknown_for,
    )


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), None when empty."""
    return quantile(sorted_values, q / 100.0) if sorted_values else None


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class _LlmCost:
    turns: int
    prompt_tokens: int
    completion_tokens: int
    per_1k_turns: float | None
    models: str | None
    unknown_for: str | None


def _llm_cost(predictions: Sequence[Prediction]) -> _LlmCost:
    """Cost per 1,000 turns of every kind (what a shop pays per 1,000 shopper messages);
    replies no model touched cost nothing, so the local model's figure is 0."""
    calls = [p.llm for p in predictions if p.llm is not None]
    unknown = sorted({c.model for c in calls if c.cost_usd is None})
    total = sum(c.cost_usd or 0.0 for c in calls)
    per_1k = total / len(predictions) * 1000 if predictions and not unknown else None
    return _LlmCost(
        turns=len(calls),
        prompt_tokens=sum(c.prompt_tokens for c in calls),
        completion_tokens=sum(c.completion_tokens for c in calls),
        per_1k_turns=per_1k,
        models=", ".join(sorted({c.model for c in calls})) or None,
        unknown_for=", ".join(unknown) or None,
    )
