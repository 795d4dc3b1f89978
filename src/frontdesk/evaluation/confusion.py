"""What gets mistaken for what: the most confused pairs of knowledge-base entries
(the entry a message wanted → the entry answered), of categories, and of intents;
and category accuracy, when the knowledge base has categories.

Only answers count as confusions: a clarification offers the right entry among
others and an abstention claims nothing. Pairs are sorted by count, then by name,
so the same predictions always give the same list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from frontdesk.core.conversation import ReplyKind
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.evaluation.datasets import ItemKind
from frontdesk.evaluation.runner import Prediction

NOT_IN_KB = "(not in the knowledge base)"
NO_ENTRY = "(no entry)"
NO_CATEGORY = "(no category)"
NO_INTENT = "(none)"  # the model claimed no intent, or the line is out of scope

# Where a report points to a confused message: by default its text; a report built from
# a set file points to the line instead, so it never repeats a held-out set's messages.
Locate = Callable[[Prediction], str]


def message_text(prediction: Prediction) -> str:
    return prediction.text


@dataclass(frozen=True, slots=True)
class ConfusedPair:
    expected: str
    got: str
    count: int
    expected_text: str  # for entries: their questions; "" for categories and intents
    got_text: str
    example: str  # the first message confused this way (its text, or where it is)

    def as_dict(self) -> dict[str, object]:
        return {
            "expected": self.expected,
            "got": self.got,
            "count": self.count,
            "expected_text": self.expected_text,
            "got_text": self.got_text,
            "example": self.example,
        }


@dataclass(frozen=True, slots=True)
class CategoryAccuracy:
    answered: int  # faq lines answered
    right: int  # … with an entry of a category the line's accepted entries have
    accuracy: float | None  # right / answered

    def as_dict(self) -> dict[str, object]:
        accuracy = None if self.accuracy is None else round(self.accuracy, 4)
        return {"answered": self.answered, "right": self.right, "accuracy": accuracy}


def has_categories(kb: KnowledgeBase) -> bool:
    return any(entry.category for entry in kb)


def most_confused(
    mistakes: Iterable[tuple[str, str, str]], limit: int
) -> list[tuple[str, str, int, str]]:
    """(expected, got, message) per mistake → (expected, got, count, first message),
    the ``limit`` most frequent pairs."""
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    for expected, got, message in mistakes:
        counts[(expected, got)] += 1
        first.setdefault((expected, got), message)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(e, g, n, first[(e, g)]) for (e, g), n in ranked[:limit]]


def wrong_answers(predictions: Sequence[Prediction]) -> list[Prediction]:
    """Turns that wanted an entry (faq lines, dialogue turns with accepted ids) and got
    an answer from another one."""
    return [
        p
        for p in predictions
        if p.accept
        and p.kind == ReplyKind.ANSWER
        and (not p.source_ids or p.source_ids[0] not in p.accept)
    ]


def entry_confusions(
    predictions: Sequence[Prediction],
    kb: KnowledgeBase,
    limit: int = 10,
    locate: Locate = message_text,
) -> list[ConfusedPair]:
    mistakes = (
        (p.accept[0], p.source_ids[0] if p.source_ids else NO_ENTRY, locate(p))
        for p in wrong_answers(predictions)
    )
    return [
        ConfusedPair(e, g, n, _question(kb, e), _question(kb, g), example)
        for e, g, n, example in most_confused(mistakes, limit)
    ]


def category_accuracy(predictions: Sequence[Prediction], kb: KnowledgeBase) -> CategoryAccuracy:
    """Over the faq lines answered: is the answer's category one of the categories of
    the entries the line accepts? (Did a wrong answer at least land in the right area.)"""
    answered = [
        p
        for p in predictions
        if p.item_kind is ItemKind.FAQ and p.kind == ReplyKind.ANSWER and p.source_ids
    ]
    right = sum(_category(kb, p.source_ids[0]) in _accepted_categories(kb, p) for p in answered)
    return CategoryAccuracy(len(answered), right, right / len(answered) if answered else None)


def category_confusions(
    predictions: Sequence[Prediction],
    kb: KnowledgeBase,
    limit: int = 10,
    locate: Locate = message_text,
) -> list[ConfusedPair]:
    mistakes = []
    for p in wrong_answers(predictions):
        got = _category(kb, p.source_ids[0]) if p.source_ids else NO_ENTRY
        accepted = _accepted_categories(kb, p)
        if got not in accepted:
            mistakes.append((_category(kb, p.accept[0]), got, locate(p)))
    return [
        ConfusedPair(e, g, n, "", "", example)
        for e, g, n, example in most_confused(mistakes, limit)
    ]


def _accepted_categories(kb: KnowledgeBase, p: Prediction) -> set[str]:
    return {_category(kb, entry_id) for entry_id in p.accept if entry_id in kb}


def _category(kb: KnowledgeBase, entry_id: str) -> str:
    if entry_id not in kb:
        return NOT_IN_KB
    return kb.get(entry_id).category or NO_CATEGORY


def _question(kb: KnowledgeBase, entry_id: str) -> str:
    if entry_id == NO_ENTRY:
        return ""
    return kb.get(entry_id).question if entry_id in kb else NOT_IN_KB
