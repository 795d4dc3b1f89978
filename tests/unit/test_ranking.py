"""The ranking's confidence features, and the memory that spares a turn's model runs."""

from __future__ import annotations

import numpy as np
import pytest

from frontdesk.adapters.embeddings.memo import MemoEmbedder
from frontdesk.adapters.embeddings.tfidf_embedder import TfidfEmbedder
from frontdesk.core.knowledge.index import KnowledgeIndex
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.core.knowledge.ranking import FEATURE_NAMES, rank
from frontdesk.core.nlu.text import negated
from frontdesk.core.ports import FloatArray

SOLD_OUT = "Can I order a product if it is listed as 'sold out'?"
PRE_ORDER = "Can I order a product if it is listed as 'sold out' but available for pre-order?"
PASSWORD = "How do I reset the password of my account?"


def _index(*questions: str) -> KnowledgeIndex:
    entries = [
        Entry(str(n), question, f"Answer number {n} about {question.lower()}")
        for n, question in enumerate(questions)
    ]
    return KnowledgeIndex(KnowledgeBase.of(entries, source="kb.jsonl"), TfidfEmbedder())


def test_questions_asked_alike_are_closer_than_unrelated_ones() -> None:
    index = _index(SOLD_OUT, PRE_ORDER, PASSWORD)
    assert index.question_closeness(0, 1) > index.question_closeness(0, 2)
    assert index.question_closeness(0, 0) == pytest.approx(1.0, abs=1e-5)


def test_lead_is_read_against_how_alike_the_two_questions_are() -> None:
    index = _index(SOLD_OUT, PRE_ORDER, PASSWORD)
    ranking = rank(index, index.encode("sold out item, can I still order it?"))
    top, runner_up = ranking.candidates[:2]
    features = dict(zip(FEATURE_NAMES, ranking.features, strict=True))
    distance = 1.0 - index.question_closeness(top.row, runner_up.row)
    assert features["combined"] == pytest.approx(top.score)
    assert features["relative_margin"] == pytest.approx(
        (top.score - runner_up.score) / distance, rel=1e-4
    )
    # The same lead over an unrelated runner-up counts for less.
    assert features["relative_margin"] > top.score - runner_up.score


def test_a_single_entry_has_no_lead_to_measure() -> None:
    index = _index(PASSWORD)
    ranking = rank(index, index.encode("forgot my password"))
    assert len(ranking.candidates) == 1
    assert dict(zip(FEATURE_NAMES, ranking.features, strict=True))["relative_margin"] == 0.0


class _Counting(TfidfEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.runs: list[str] = []

    def encode(self, text: str) -> tuple[FloatArray, list[str], FloatArray]:
        self.runs.append(text)
        return super().encode(text)


def test_memo_runs_the_model_once_per_text_and_keeps_many_conversations() -> None:
    inner = _Counting()
    inner.fit(["where is my parcel", "i want a refund"])
    memo = MemoEmbedder(inner)
    first = memo.encode("where is my parcel")
    # Other conversations' messages in between, as with many shoppers at once.
    for n in range(100):
        memo.encode(f"message {n}")
    again = memo.encode("where is my parcel")
    assert inner.runs.count("where is my parcel") == 1
    assert np.array_equal(first[0], again[0])


@pytest.mark.parametrize(
    "text",
    [
        "It is not available for pre-order",
        "no pre-order option",
        "I can't find it",
        "i cant preorder it",
        "it doesnt work",
        "returned without a receipt",
        "It isn’t there",
    ],
)
def test_a_negation_is_read_in_any_spelling(text: str) -> None:
    assert negated(text)


@pytest.mark.parametrize("text", ["Can I pre-order it?", "I want a notebook", "another one?"])
def test_words_that_merely_contain_a_negation_are_not_one(text: str) -> None:
    assert not negated(text)
