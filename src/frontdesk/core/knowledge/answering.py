"""Answer, clarify or abstain: the decision for one FAQ query."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.conversation import ReplyKind
from frontdesk.core.knowledge.calibration import Calibration, confidence
from frontdesk.core.knowledge.index import KnowledgeIndex
from frontdesk.core.knowledge.model import Entry
from frontdesk.core.knowledge.ranking import Ranking, rank

CLARIFY_OPTIONS = 3


@dataclass(frozen=True)
class Decision:
    kind: ReplyKind  # ANSWER, CLARIFY or ABSTAIN
    query: str
    confidence: float
    ranking: Ranking
    entries: tuple[Entry, ...]  # the answer, or the options offered; empty on abstain


class FaqAnswerer:
    """Ranks the knowledge base for a query and applies the calibrated thresholds."""

    def __init__(self, index: KnowledgeIndex, calibration: Calibration) -> None:
        self.index = index
        self.calibration = calibration

    def decide(self, query: str) -> Decision:
        ranking = rank(self.index, self.index.encode(query))
        p = confidence(self.calibration, ranking)
        entries = self.index.kb.entries
        if p >= self.calibration.answer_threshold:
            return Decision(ReplyKind.ANSWER, query, p, ranking, (entries[ranking.top.row],))
        if p >= self.calibration.clarify_threshold and len(ranking.candidates) > 1:
            options = tuple(entries[c.row] for c in ranking.candidates[:CLARIFY_OPTIONS])
            return Decision(ReplyKind.CLARIFY, query, p, ranking, options)
        return Decision(ReplyKind.ABSTAIN, query, p, ranking, ())
