"""Choosing the out-of-scope threshold from held-out predictions, and scoring it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class HeldOutScore:
    threshold: float
    in_scope: int
    out_of_scope: int
    accuracy: float  # argmax right, threshold ignored
    in_scope_accuracy: float  # right and above the threshold
    oos_recall: float | None  # out-of-scope examples below the threshold
    wrong_rate: float  # above the threshold with the wrong label, over all examples
    none_cosine: float | None = None  # the classifier's "none of these" logit

    @classmethod
    def uncalibrated(cls) -> HeldOutScore:
        """No held-out examples: accept the best label always."""
        return cls(0.0, 0, 0, 0.0, 0.0, None, 0.0)

    @property
    def objective(self) -> float:
        """What calibration maximises: the share of right decisions, each example once."""
        right = (
            self.in_scope_accuracy * self.in_scope + (self.oos_recall or 0.0) * self.out_of_scope
        )
        return right / max(1, self.in_scope + self.out_of_scope)

    def as_dict(self) -> dict[str, object]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class HeldOutPrediction:
    truth: str | None  # None: out of scope
    predicted: str
    confidence: float


def score(
    predictions: Sequence[HeldOutPrediction],
    threshold: float,
    none_cosine: float | None = None,
) -> HeldOutScore:
    in_scope = [p for p in predictions if p.truth is not None]
    oos = [p for p in predictions if p.truth is None]
    right = [p for p in in_scope if p.predicted == p.truth]
    accepted_right = [p for p in right if p.confidence >= threshold]
    wrong = [p for p in predictions if p.confidence >= threshold and p.predicted != p.truth]
    rejected_oos = [p for p in oos if p.confidence < threshold]
    return HeldOutScore(
        threshold=threshold,
        in_scope=len(in_scope),
        out_of_scope=len(oos),
        accuracy=len(right) / len(in_scope) if in_scope else 0.0,
        in_scope_accuracy=len(accepted_right) / len(in_scope) if in_scope else 0.0,
        oos_recall=len(rejected_oos) / len(oos) if oos else None,
        wrong_rate=len(wrong) / len(predictions) if predictions else 0.0,
        none_cosine=none_cosine,
    )


def choose_threshold(predictions: Sequence[HeldOutPrediction]) -> float:
    """The threshold that makes the most held-out decisions right: an in-scope example
    accepted with its label, an out-of-scope one refused.

    Each example counts once, so the held-out set's own mix of in-scope and
    out-of-scope messages sets the balance (CLINC150's "overall accuracy"). The score
    is flat between two held-out confidences, so the threshold sits in the middle of
    the best flat stretch, not on its edge next to one example (small held-out sets
    would overfit it). Without out-of-scope examples nothing tells a threshold apart
    from zero.
    """
    if not any(p.truth is None for p in predictions):
        return 0.0
    confidence = np.array([p.confidence for p in predictions])
    right = np.array([p.truth is not None and p.predicted == p.truth for p in predictions])
    oos = np.array([p.truth is None for p in predictions])
    candidates = np.unique(np.concatenate([[0.0], confidence]))
    accepted = confidence[None, :] >= candidates[:, None]
    value = (accepted & right).sum(1) + (~accepted & oos).sum(1)
    first = int(np.argmax(value))
    last = first
    while last + 1 < len(candidates) and value[last + 1] == value[first]:
        last += 1
    lower = candidates[first - 1] if first > 0 else 0.0
    return float((lower + candidates[last]) / 2.0)
