"""Turn per-entry scores into ranked candidates and the features confidence uses.

Confidence reads two features: the top's combined score, and its lead over the
runner-up *relative to how alike the two entries' questions are*. A KB whose entries
differ by one word ("listed as 'sold out'" / "'sold out' but available for
pre-order") leaves small leads even for right answers, while a lead that size
between two unrelated entries means little; the plain margin, learned on one KB,
was far too strict on a denser one. Further features (coverage, the weakest-covered
token, the question view alone, the runner-up's score) fitted the reference KB's own
shape and made confidence transfer worse to other knowledge bases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontdesk.core.knowledge.index import KnowledgeIndex, QueryVectors
from frontdesk.core.knowledge.scoring import score
from frontdesk.core.ports import FloatArray

FEATURE_NAMES = ("combined", "relative_margin")
# Two questions closer than this are asked alike; below it the margin is read as is.
_MIN_DISTANCE = 0.02


@dataclass(frozen=True)
class Candidate:
    row: int  # position of the entry in the knowledge base
    group: int  # its answer group; near-duplicates share one
    score: float


@dataclass(frozen=True)
class Ranking:
    """The best entry of each answer group, best first, and the top's features."""

    candidates: tuple[Candidate, ...]
    features: FloatArray

    @property
    def top(self) -> Candidate:
        return self.candidates[0]


def rank(
    index: KnowledgeIndex,
    query: QueryVectors,
    *,
    exclude_groups: frozenset[int] = frozenset(),
    limit: int = 5,
) -> Ranking:
    combined = score(index, query, exclude_groups)
    order = np.argsort(-combined, kind="stable")
    candidates: list[Candidate] = []
    seen: set[int] = set()
    for row in order:
        group = int(index.group_of[row])
        if group in seen or group in exclude_groups:
            continue
        seen.add(group)
        candidates.append(Candidate(int(row), group, float(combined[row])))
        if len(candidates) == limit:
            break
    top = candidates[0]
    # With a single answer group there is no runner-up; confidence() imputes the margin.
    relative = 0.0
    if len(candidates) > 1:
        runner_up = candidates[1]
        distance = max(1.0 - index.question_closeness(top.row, runner_up.row), _MIN_DISTANCE)
        relative = (top.score - runner_up.score) / distance
    features = np.asarray([top.score, relative], dtype=np.float32)
    return Ranking(tuple(candidates), features)
