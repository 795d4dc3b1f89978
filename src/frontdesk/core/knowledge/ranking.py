"""Turn per-entry scores into ranked candidates and the features confidence uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontdesk.core.knowledge.index import KnowledgeIndex, QueryVectors
from frontdesk.core.knowledge.scoring import score
from frontdesk.core.ports import FloatArray

FEATURE_NAMES = ("combined", "margin", "coverage", "weakest", "question", "runner_up")


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
    scores = score(index, query, exclude_groups)
    order = np.argsort(-scores.combined, kind="stable")
    candidates: list[Candidate] = []
    seen: set[int] = set()
    for row in order:
        group = int(index.group_of[row])
        if group in seen or group in exclude_groups:
            continue
        seen.add(group)
        candidates.append(Candidate(int(row), group, float(scores.combined[row])))
        if len(candidates) == limit:
            break
    top = candidates[0].row
    # With a single answer group there is no runner-up; confidence() imputes one.
    runner_up = candidates[1].score if len(candidates) > 1 else candidates[0].score
    features = np.asarray(
        [
            scores.combined[top],
            scores.combined[top] - runner_up,
            scores.coverage[top],
            scores.weakest[top],
            scores.question[top],
            runner_up,
        ],
        dtype=np.float32,
    )
    return Ranking(tuple(candidates), features)
