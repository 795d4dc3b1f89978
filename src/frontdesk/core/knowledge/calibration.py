"""Confidence that the top candidate is right, calibrated on data, not hand-picked.

The calibration set is a *reference* knowledge base whose entries carry shopper-like
alternative phrasings (the shipped demo KB: our own text). Each alternative phrasing
is ranked against the reference index built from the main questions only: once with
everything (a positive when the top candidate is its entry) and once with its entry
left out (a negative: an in-domain question the KB cannot answer). Off-topic messages
are negatives too. A logistic model maps ranking features (which do not depend on
the KB's size or wording) to P(top candidate is right); the answer and clarify
thresholds are the quantiles of that probability over the negatives that hold the
false-answer and false-clarify rates at their targets.

Rewordings made by rule (``variants.py``) were tried as positives and rejected:
they sit far closer to the KB question than real shopper paraphrases, so the model
learnt to trust only near-copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from frontdesk.core.knowledge.index import KnowledgeIndex
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.core.knowledge.offtopic import OFF_TOPIC
from frontdesk.core.knowledge.ranking import FEATURE_NAMES, Ranking, rank
from frontdesk.core.ports import Embedder, FloatArray

# Share of unanswerable messages we accept being answered / offered options.
TARGET_FALSE_ANSWER_RATE = 0.10
TARGET_FALSE_CLARIFY_RATE = 0.25


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic regression over standardised ranking features."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probability(self, features: FloatArray) -> float:
        z = (features.astype(np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = float(z @ np.asarray(self.weights)) + self.bias
        return float(1.0 / (1.0 + np.exp(-np.clip(logit, -30.0, 30.0))))


@dataclass(frozen=True)
class Calibration:
    model: ConfidenceModel
    answer_threshold: float
    clarify_threshold: float
    stats: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "answer_threshold": round(self.answer_threshold, 4),
            "clarify_threshold": round(self.clarify_threshold, 4),
            **{k: round(v, 4) for k, v in self.stats.items()},
        }


def calibrate(reference: KnowledgeBase, embedder_factory: Callable[[], Embedder]) -> Calibration:
    """Fit the confidence model on ``reference`` (entries with alt_questions)."""
    bare = KnowledgeBase.of(
        [Entry(e.id, e.question, e.answer, e.category) for e in reference.entries]
    )
    index = KnowledgeIndex(bare, embedder_factory())
    features: list[FloatArray] = []
    labels: list[int] = []
    negative_rows: list[int] = []
    for row, entry in enumerate(reference.entries):
        group = int(index.group_of[row])
        for text in entry.alt_questions:
            query = index.encode(text)
            full = rank(index, query)
            features.append(full.features)
            labels.append(int(full.top.group == group))
            negative_rows.append(len(features))
            features.append(rank(index, query, exclude_groups=frozenset({group})).features)
            labels.append(0)
    for text in OFF_TOPIC:
        negative_rows.append(len(features))
        features.append(rank(index, index.encode(text)).features)
        labels.append(0)
    y = np.asarray(labels, dtype=np.float64)
    if y.sum() < 5 or len(negative_rows) < 20:
        raise ValueError("the reference KB needs alt_questions on its entries to calibrate")
    model = _fit_logistic(np.vstack(features).astype(np.float64), y)
    probs = np.asarray([model.probability(f) for f in features])
    negatives = probs[negative_rows]
    answer_t = _upper_quantile(negatives, TARGET_FALSE_ANSWER_RATE)
    clarify_t = min(_upper_quantile(negatives, TARGET_FALSE_CLARIFY_RATE), answer_t)
    positives = probs[y == 1]
    stats = {
        "calibration_positives": float(y.sum()),
        "calibration_negatives": float(len(negatives)),
        "reference_top1_accuracy": float(y.sum()) / max(1.0, float(len(y) - len(negatives))),
        "reference_answer_rate": float(np.mean(positives >= answer_t)),
    }
    return Calibration(model, answer_t, clarify_t, stats)


def confidence(calibration: Calibration, ranking: Ranking) -> float:
    return calibration.model.probability(ranking.features)


def _upper_quantile(values: FloatArray, rate: float) -> float:
    """The value that only ``rate`` of ``values`` exceed (strictly)."""
    if len(values) == 0:
        return 0.5
    return float(np.quantile(values, 1.0 - rate, method="higher")) + 1e-9


def _fit_logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], l2: float = 1.0, steps: int = 50
) -> ConfidenceModel:
    """Newton's method on L2-regularised log loss; tiny data, closed form per step."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    design = np.hstack([z, np.ones((z.shape[0], 1))])
    weights = np.zeros(design.shape[1])
    ridge = np.eye(design.shape[1]) * l2
    ridge[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ weights, -30, 30)))
        gradient = design.T @ (p - y) + ridge @ weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    assert len(FEATURE_NAMES) == design.shape[1] - 1
    return ConfidenceModel(
        tuple(float(w) for w in weights[:-1]),
        float(weights[-1]),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in scale),
    )
