"""What the shopper wants to do (cancel_order, contact_human_agent …), from a trained model.

Later turns route account actions and escalations from it; this module only names
the intent and its confidence, and says nothing when the model is unsure.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.nlu.classifier import Classification, LabelClassifier
from frontdesk.core.ports import Embedder

FAQ_PREFIX = "faq:"  # labels of FAQ answer groups; everything else is an intent
# A trained model has up to two classifiers on one encoder: which FAQ answer, which intent.
HEADS = ("faq", "intent")


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    confidence: float


class IntentDetector:
    def __init__(self, embedder: Embedder, classifier: LabelClassifier) -> None:
        self._embedder = embedder
        self.classifier = classifier

    def classify(self, text: str) -> Classification:
        return self.classifier.classify(self._embedder.encode(text)[0])

    def detect(self, text: str) -> Intent | None:
        """The intent above the model's threshold, or None (no intent, or unsure)."""
        result = self.classify(text)
        if result.label is None:
            return None
        return Intent(result.label, result.confidence)


def is_faq_label(label: str) -> bool:
    return label.startswith(FAQ_PREFIX)


def head_of(label: str) -> str:
    return HEADS[0] if is_faq_label(label) else HEADS[1]
