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
# score() gives -1 to entries outside its shortlist; real scores, mixes of cosines, lie far above.
_OUTSIDE_SHORTLIST = -0.5


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
    # Every entry's score the candidates were picked from (-1 outside the shortlist):
    # a follow-up's reading in context reuses its reading alone instead of scoring twice.
    scores: FloatArray

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
    return _ranked(index, combined, None, exclude_groups, limit)


def rank_in_context(
    index: KnowledgeIndex, alone: Ranking, joined: QueryVectors, *, limit: int = 5
) -> Ranking:
    """Rank for a follow-up from two readings: the message alone and the message
    joined to the previous question. Either alone misleads: joined, the previous
    topic drowns what the message adds ("how much is delivery?" / "and how quickly
    would it get to me?" reads as delivery costs again); alone, a vague message
    ("how do I claim that?") matches anything a little. An entry that scores well
    on both is what the shopper asks, so the ranking takes the mean of the two.

    Averaging pulls scores below the scale confidence was fitted on, so the top's
    score feature is the stronger reading's own top score: how well this turn, read
    either way, matches the KB at all. The lead still comes from the mean.
    (Follow-up turns of the Kaggle dev dialogues and of the demo shop's own, at the
    answer threshold, the joined reading alone -> this: right 15 -> 24 of 42 and
    22 -> 39 of 63, wrong 12 -> 7 and 16 -> 3.)"""
    by_itself = _floored(alone.scores)
    in_context = _floored(score(index, joined))
    mean = (by_itself + in_context) / 2.0
    top_score = float(max(np.max(by_itself), np.max(in_context)))
    return _ranked(index, mean, top_score, frozenset(), limit)


def _floored(combined: FloatArray) -> FloatArray:
    """Entries outside a reading's shortlist (-1) at its lowest shortlisted score:
    they trail every shortlisted entry there, and -1 would sink them in a mean
    with a reading that has them near the top."""
    listed = combined > _OUTSIDE_SHORTLIST
    if not np.any(listed):
        return combined
    return np.where(listed, combined, np.min(combined[listed])).astype(np.float32)


def _ranked(
    index: KnowledgeIndex,
    combined: FloatArray,
    top_score: float | None,  # None: the top candidate's own score
    exclude_groups: frozenset[int],
    limit: int,
) -> Ranking:
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
    if top_score is None:
        top_score = top.score
    features = np.asarray([top_score, relative], dtype=np.float32)
    return Ranking(tuple(candidates), features, combined)
