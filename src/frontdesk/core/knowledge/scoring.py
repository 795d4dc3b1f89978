"""Score every entry of an index against one query.

The combined score mixes three views (weights fixed by design, the same for every
knowledge base): the best matching phrasing of the question, question + answer as
one text, and token coverage, i.e. how well each rare query token finds a close
token in the entry (MaxSim, weighted by the token's rarity in the KB). Coverage is
what tells "do your gift cards expire" apart from an entry that is about gift cards
but says nothing of expiry.

One word no view sees well is "not": of two entries asked alike but for it, the one
whose polarity the query shares is put first (``_contradicted``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from frontdesk.core.knowledge.index import KnowledgeIndex, QueryVectors
from frontdesk.core.ports import FloatArray

# Coverage is the costly view (every query token against every KB token), so it is
# computed for the best candidates of the two sentence views only. Entries outside
# this shortlist cannot win: they trail on both cheap views.
SHORTLIST = 24
W_QUESTION = 0.6
W_FULL = 0.4
W_COVERAGE = 0.5
_W_TOTAL = W_QUESTION + W_FULL + W_COVERAGE
# How far below its agreeing twin an entry the query contradicts is put.
TWIN_GAP = 0.05


def score(
    index: KnowledgeIndex, query: QueryVectors, exclude_groups: frozenset[int] = frozenset()
) -> FloatArray:
    """The combined score of every entry for the query (-1 outside the shortlist)."""
    n = len(index)
    question = np.full(n, -1.0, dtype=np.float32)
    np.maximum.at(question, index.question_owner, index.question_vectors @ query.sentence)
    full = (index.full_vectors @ query.sentence).astype(np.float32)
    sentence_views = W_QUESTION * question + W_FULL * full
    if exclude_groups:
        excluded = np.isin(index.group_of, np.fromiter(exclude_groups, dtype=np.int64))
        sentence_views = np.where(excluded, -np.inf, sentence_views)
    shortlist = np.argsort(-sentence_views, kind="stable")[: min(SHORTLIST, n)]
    coverage = _coverage(index, query, shortlist)
    combined = np.full(n, -1.0, dtype=np.float32)
    combined[shortlist] = (sentence_views[shortlist] + W_COVERAGE * coverage) / _W_TOTAL
    _contradicted(index, query, shortlist, combined)
    return combined


def _contradicted(
    index: KnowledgeIndex, query: QueryVectors, rows: npt.NDArray[np.int64], combined: FloatArray
) -> None:
    """Put a leading entry below its twin of the other polarity (see
    ``opposite_twins``) when the twin is a candidate too and agrees with the query:
    the query's "not", or its absence, is the one word that tells the two apart.
    Only the lead is checked: lowering a runner-up would widen the top's margin for
    queries about neither twin."""
    twins = index.opposite_twins()
    if not twins:
        return
    candidates = {int(row) for row in rows if np.isfinite(combined[row])}
    for _ in range(len(candidates)):
        top = max(candidates, key=lambda row: (float(combined[row]), -row))
        agreeing = twins.get(top, frozenset()) & candidates
        if index.question_negated[top] == query.negated or not agreeing:
            return
        floor = min(float(combined[twin]) for twin in agreeing)
        combined[top] = floor - TWIN_GAP


def _coverage(
    index: KnowledgeIndex, query: QueryVectors, rows: npt.NDArray[np.int64]
) -> FloatArray:
    """Coverage of ``rows`` (entries) for the query."""
    weights = np.asarray([index.idf(tok) for tok in query.tokens], dtype=np.float32)
    keep = weights > 0  # punctuation and other glue carry no topic and cost a matmul row
    if not np.any(keep):
        return np.zeros(len(rows), dtype=np.float32)
    weights = weights[keep]
    query_vectors = query.token_vectors[keep]
    # One small product per entry on a view of its tokens: gathering the shortlist's
    # tokens into one matrix first copies megabytes per message and costs more.
    best = np.empty((len(query_vectors), len(rows)), dtype=np.float32)
    for column, row in enumerate(rows):
        start, end = index.token_span(int(row))
        best[:, column] = (query_vectors @ index.token_matrix[start:end].T).max(axis=1)
    coverage = (weights @ best) / float(weights.sum())
    return coverage.astype(np.float32)
