"""What each turn of a set came to, by the kind of line it was: answered right,
answered wrong, clarified, abstained, small talk (or something else: an account
reply, a booking step …). Feeds the outcomes table and chart of the report."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from frontdesk.core.conversation import ReplyKind
from frontdesk.evaluation.datasets import ItemKind
from frontdesk.evaluation.metrics import answered_correctly
from frontdesk.evaluation.runner import Prediction


class Outcome(StrEnum):
    RIGHT = "answered_right"
    WRONG = "answered_wrong"  # an answer the line did not accept (any answer to oos/smalltalk)
    CLARIFIED = "clarified"
    ABSTAINED = "abstained"
    SMALLTALK = "smalltalk"
    OTHER = "other"


def outcome_of(prediction: Prediction) -> Outcome:
    kind = prediction.kind
    if kind == ReplyKind.ANSWER:
        return Outcome.RIGHT if answered_correctly(prediction) else Outcome.WRONG
    if kind == ReplyKind.CLARIFY:
        return Outcome.CLARIFIED
    if kind == ReplyKind.ABSTAIN:
        return Outcome.ABSTAINED
    if kind == ReplyKind.SMALLTALK:
        return Outcome.SMALLTALK
    return Outcome.OTHER


def count_outcomes(predictions: Sequence[Prediction]) -> dict[str, dict[str, int]]:
    """item kind -> outcome -> turns, every outcome present (0 where none), only the
    item kinds the set has, in the order faq, oos, smalltalk, dialogue."""
    counts: dict[str, dict[str, int]] = {}
    for kind in ItemKind:
        rows = [p for p in predictions if p.item_kind is kind]
        if rows:
            counts[kind.value] = {o.value: 0 for o in Outcome}
            for row in rows:
                counts[kind.value][outcome_of(row).value] += 1
    return counts
