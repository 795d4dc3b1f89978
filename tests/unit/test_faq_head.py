"""A trained FAQ classifier settles retrieval's options on its first entry; it never
overrules retrieval and never turns an "I don't know" into an answer."""

from __future__ import annotations

import numpy as np

from frontdesk.adapters.embeddings.tfidf_embedder import TfidfEmbedder
from frontdesk.core.conversation import ReplyKind
from frontdesk.core.knowledge.answering import FaqAnswerer, FaqHead
from frontdesk.core.knowledge.calibration import Calibration, ConfidenceModel
from frontdesk.core.knowledge.index import KnowledgeIndex
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.core.knowledge.ranking import FEATURE_NAMES
from frontdesk.core.nlu.classifier import LabelClassifier

KB = KnowledgeBase.of(
    [
        Entry("track", "How can I track my order?", "Use the link in your email."),
        Entry("returns", "What is your returns policy?", "30 days, free."),
    ]
)


def _answerer(head_label: str, threshold: float, *, clarifying: bool = True) -> FaqAnswerer:
    index = KnowledgeIndex(KB, TfidfEmbedder())
    calibration = _calibration(clarifying=clarifying)
    dim = index.encode("x").sentence.shape[0]
    # A head whose one label vector is the query's own vector: always sure of head_label.
    vector = index.encode("track my order").sentence.reshape(1, dim)
    labels = [head_label]
    classifier = LabelClassifier(labels, np.asarray(vector), 20.0, threshold)
    return FaqAnswerer(index, calibration, FaqHead(classifier, {"track": "faq:track"}))


def _calibration(*, clarifying: bool) -> Calibration:
    """Every retrieval decision lands in the clarify band (confidence 0.5), or, with
    ``clarifying`` False, is an abstention (confidence near 0)."""
    n = len(FEATURE_NAMES)
    bias = 0.0 if clarifying else -10.0
    model = ConfidenceModel((0.0,) * n, bias, (0.0,) * n, (1.0,) * n)
    return Calibration(model=model, answer_threshold=0.6, clarify_threshold=0.4)


def test_agreeing_head_settles_the_options_on_the_answer() -> None:
    decision = _answerer("faq:track", threshold=0.5).decide("track my order")
    assert decision.kind is ReplyKind.ANSWER
    assert [e.id for e in decision.entries] == ["track"]


def test_agreeing_head_leaves_an_abstention_alone() -> None:
    decision = _answerer("faq:track", threshold=0.5, clarifying=False).decide("track my order")
    assert decision.kind is ReplyKind.ABSTAIN


def test_a_head_that_points_elsewhere_changes_nothing() -> None:
    decision = _answerer("faq:returns", threshold=0.5).decide("track my order")
    assert decision.kind is ReplyKind.CLARIFY


def test_an_unsure_head_changes_nothing() -> None:
    decision = _answerer("faq:track", threshold=1.01).decide("track my order")
    assert decision.kind is ReplyKind.CLARIFY
