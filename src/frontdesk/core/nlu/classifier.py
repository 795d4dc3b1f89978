"""A trained cosine classifier over labels (intents and FAQ answer groups).

Serving needs only numpy: the encoder gives a unit vector, each label is a unit
vector, and a label's probability is the softmax of the scaled cosines. Below the
calibrated threshold the message is out of scope: no label is claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from frontdesk.core.ports import FloatArray


@dataclass(frozen=True, slots=True)
class LabelScore:
    label: str
    probability: float


@dataclass(frozen=True, slots=True)
class Classification:
    label: str | None  # None: out of scope (the best label is below the threshold)
    confidence: float  # the best label's probability
    ranked: tuple[LabelScore, ...]  # best first, a few of them

    @property
    def best(self) -> str:
        return self.ranked[0].label


class LabelClassifier:
    """``none_cosine``, when set, is one more logit for "none of these" at that cosine:
    with few labels a plain softmax is sure of something even for an off-topic text,
    while a text far from every label loses its probability to "none"."""

    def __init__(
        self,
        labels: Sequence[str],
        vectors: FloatArray,
        scale: float,
        threshold: float,
        none_cosine: float | None = None,
    ) -> None:
        if len(labels) != vectors.shape[0]:
            raise ValueError(f"{len(labels)} labels but {vectors.shape[0]} label vectors")
        if not labels:
            raise ValueError("a classifier needs at least one label")
        self.labels = tuple(labels)
        self._vectors = np.asarray(vectors, dtype=np.float32)
        self.scale = scale
        self.threshold = threshold
        self.none_cosine = none_cosine

    def probabilities(self, vector: FloatArray) -> FloatArray:
        logits = self.scale * (self._vectors @ vector)
        top = logits.max()
        weights = np.exp(logits - top)
        total = weights.sum()
        if self.none_cosine is not None:
            total += np.exp(self.scale * self.none_cosine - top)
        result: FloatArray = (weights / total).astype(np.float32)
        return result

    def classify(self, vector: FloatArray, top: int = 3) -> Classification:
        probs = self.probabilities(vector)
        order = np.argsort(-probs)[:top]
        ranked = tuple(LabelScore(self.labels[i], float(probs[i])) for i in order)
        best = ranked[0]
        label = best.label if best.probability >= self.threshold else None
        return Classification(label, best.probability, ranked)
