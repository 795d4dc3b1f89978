"""The searchable form of a knowledge base: sentence and token vectors per entry.

Three views of each entry are scored against a query (see ``scoring.py``):
its question (and alternative phrasings), question + answer together, and the
contextual token vectors of question + answer for a coverage (MaxSim) score. Entries
whose answers say the same thing form one *answer group*, so near-duplicates never
count as competing candidates.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.core.nlu.text import negated
from frontdesk.core.ports import Embedder, FloatArray

IntArray = npt.NDArray[np.int64]

# Answers this close in meaning are the same answer for the shopper (e.g. the Kaggle
# FAQ's 43/67/73). MiniLM puts answers of one shop on one topic as high as 0.93 when
# they differ in the one fact that matters (refund to card vs store credit), and
# reworded copies at 0.95 and above; grouping must err towards keeping answers apart.
SAME_ANSWER_COSINE = 0.94
# Questions this close ask the same thing but for what sets them apart.
TWIN_COSINE = 0.9
# wordpieces that only glue a question together ("?", "'s") carry no topic.
_GLUE = frozenset("? . , ! ' s - ( ) : ;".split())


@dataclass(frozen=True)
class QueryVectors:
    """A query as the index sees it: one sentence vector plus its token vectors."""

    sentence: FloatArray
    tokens: list[str]
    token_vectors: FloatArray
    negated: bool = False  # says "not", "no", "without" … (see ``negated``)


class KnowledgeIndex:
    """Vectors for every entry of ``kb``, built once per (kb, embedder)."""

    question_vectors: FloatArray
    question_owner: IntArray
    full_vectors: FloatArray
    group_of: IntArray
    token_matrix: FloatArray
    token_starts: IntArray

    def __init__(self, kb: KnowledgeBase, embedder: Embedder, *, build: bool = True) -> None:
        if len(kb) == 0:
            raise ValueError("cannot index an empty knowledge base")
        self.kb = kb
        self.embedder = embedder
        self._idf: dict[str, float] = {}
        self._max_idf = math.log(len(kb) + 1.0)
        self.question_negated = np.array([negated(entry.question) for entry in kb.entries])
        self._twins: dict[int, frozenset[int]] | None = None
        if build:
            self._build()

    ARRAYS = (
        "question_vectors",
        "question_owner",
        "full_vectors",
        "group_of",
        "token_matrix",
        "token_starts",
    )

    def state(self) -> tuple[dict[str, npt.NDArray[np.generic]], dict[str, float]]:
        """Everything built from the model, for a cache; restore with ``restore``."""
        return {name: getattr(self, name) for name in self.ARRAYS}, dict(self._idf)

    @classmethod
    def restore(
        cls,
        kb: KnowledgeBase,
        embedder: Embedder,
        arrays: dict[str, npt.NDArray[np.generic]],
        idf: dict[str, float],
    ) -> KnowledgeIndex:
        index = cls(kb, embedder, build=False)
        for name in cls.ARRAYS:
            setattr(index, name, arrays[name])
        index._idf = idf
        if index.group_of.shape[0] != len(kb):
            raise ValueError("cached index does not match the knowledge base")
        return index

    def _build(self) -> None:
        kb, embedder = self.kb, self.embedder
        entries = kb.entries
        full_texts = [f"{e.question} {e.answer}" for e in entries]
        embedder.fit([t for e in entries for t in (e.question, *e.alt_questions, e.answer)])

        phrasings: list[str] = []
        owners: list[int] = []
        for row, entry in enumerate(entries):
            for text in (entry.question, *entry.alt_questions):
                phrasings.append(text)
                owners.append(row)
        self.question_vectors = embedder.embed(phrasings)
        self.question_owner: IntArray = np.asarray(owners, dtype=np.int64)
        answer_vectors = embedder.embed([e.answer for e in entries])
        self.group_of: IntArray = answer_groups(answer_vectors)

        # One run per question + answer gives both its sentence and token vectors.
        full_vectors: list[FloatArray] = []
        token_lists: list[list[str]] = []
        token_blocks: list[FloatArray] = []
        for text in full_texts:
            sentence, tokens, vectors = embedder.encode(text)
            full_vectors.append(sentence)
            token_lists.append(tokens)
            token_blocks.append(vectors)
        self.full_vectors = np.vstack(full_vectors).astype(np.float32)
        self._idf = _idf_table(token_lists)
        self.token_matrix: FloatArray = np.vstack(token_blocks).astype(np.float32)
        lengths = np.asarray([len(t) for t in token_lists], dtype=np.int64)
        self.token_starts: IntArray = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(
            np.int64
        )

    def __len__(self) -> int:
        return len(self.kb)

    def token_span(self, row: int) -> tuple[int, int]:
        """Where entry ``row``'s token vectors sit in ``token_matrix``."""
        start = int(self.token_starts[row])
        end = (
            int(self.token_starts[row + 1])
            if row + 1 < len(self.token_starts)
            else len(self.token_matrix)
        )
        return start, end

    def question_closeness(self, row: int, other: int) -> float:
        """Cosine of two entries' main questions (their first phrasings): how alike
        the shop itself asks them, whatever shorthand alternatives it added."""
        first, second = np.searchsorted(self.question_owner, [row, other])
        return float(self.question_vectors[first] @ self.question_vectors[second])

    def idf(self, token: str) -> float:
        """Rarity of a wordpiece in this KB; unseen pieces are the rarest of all."""
        if token in _GLUE:
            return 0.0
        return self._idf.get(token, self._max_idf)

    def encode(self, text: str) -> QueryVectors:
        sentence, tokens, token_vectors = self.embedder.encode(text)
        return QueryVectors(sentence, tokens, token_vectors, negated(text))

    def opposite_twins(self) -> dict[int, frozenset[int]]:
        """For each entry, the entries asked almost alike but with the other polarity
        ("'coming soon' and not available for pre-order" / "… but available for
        pre-order"). Sentence vectors barely see a "not", so such twins tie."""
        if self._twins is None:
            firsts = np.searchsorted(self.question_owner, np.arange(len(self.kb)))
            negative = np.flatnonzero(self.question_negated)
            positive = np.flatnonzero(~self.question_negated)
            vectors = self.question_vectors[firsts]
            # Only pairs of opposite polarity: few questions say "not", so this stays
            # small where a full entry-by-entry product would not.
            close = vectors[negative] @ vectors[positive].T >= TWIN_COSINE
            twins: dict[int, set[int]] = {}
            for i, j in zip(*np.nonzero(close), strict=True):
                no, yes = int(negative[i]), int(positive[j])
                twins.setdefault(no, set()).add(yes)
                twins.setdefault(yes, set()).add(no)
            self._twins = {row: frozenset(others) for row, others in twins.items()}
        return self._twins


def answer_groups(answer_vectors: FloatArray) -> IntArray:
    """Connected components of entries whose answers are near-identical."""
    n = answer_vectors.shape[0]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    similar = answer_vectors @ answer_vectors.T
    for i, j in zip(*np.nonzero(np.triu(similar, k=1) >= SAME_ANSWER_COSINE), strict=True):
        parent[find(int(i))] = find(int(j))
    roots = [find(i) for i in range(n)]
    relabel = {root: k for k, root in enumerate(dict.fromkeys(roots))}
    return np.asarray([relabel[r] for r in roots], dtype=np.int64)


def _idf_table(token_lists: list[list[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for tokens in token_lists:
        df.update(set(tokens))
    n = len(token_lists)
    return {tok: math.log((n + 1.0) / (count + 0.5)) for tok, count in df.items()}
