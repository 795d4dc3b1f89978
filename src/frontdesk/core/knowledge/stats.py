"""Summary numbers of a knowledge base: size, categories, lengths, duplicates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk.core.knowledge.cleaning import find_near_duplicates, text_key
from frontdesk.core.knowledge.model import KnowledgeBase

UNCATEGORISED = "(none)"


@dataclass(frozen=True, slots=True)
class LengthStats:
    min: int
    mean: float
    max: int

    @classmethod
    def of(cls, values: Sequence[int]) -> LengthStats:
        if not values:
            return cls(0, 0.0, 0)
        return cls(min(values), round(sum(values) / len(values), 1), max(values))


@dataclass(frozen=True)
class KbStats:
    entries: int
    categories: dict[str, int]
    alt_questions: int
    question_words: LengthStats
    question_chars: LengthStats
    answer_words: LengthStats
    answer_chars: LengthStats
    # Entries whose normalised question repeats an earlier entry's (merged or in conflict).
    exact_duplicates: int
    # Groups found by the lexical detector of `cleaning` (the model is not needed here).
    near_duplicate_groups: int


def kb_stats(kb: KnowledgeBase) -> KbStats:
    questions = [entry.question for entry in kb]
    answers = [entry.answer for entry in kb]
    categories = Counter(entry.category.strip() or UNCATEGORISED for entry in kb)
    seen: set[str] = set()
    duplicates = 0
    for question in questions:
        key = text_key(question)
        duplicates += key in seen
        seen.add(key)
    return KbStats(
        entries=len(kb),
        categories=dict(categories.most_common()),
        alt_questions=sum(len(entry.alt_questions) for entry in kb),
        question_words=LengthStats.of([len(q.split()) for q in questions]),
        question_chars=LengthStats.of([len(q) for q in questions]),
        answer_words=LengthStats.of([len(a.split()) for a in answers]),
        answer_chars=LengthStats.of([len(a) for a in answers]),
        exact_duplicates=duplicates,
        near_duplicate_groups=len(find_near_duplicates(kb)),
    )
