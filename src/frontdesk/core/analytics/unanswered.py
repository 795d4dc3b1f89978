"""Top unanswered questions: the shoppers' messages the assistant abstained on,
grouped by meaning, so an owner sees "12 × do you ship to Norway" rather than twelve
lines, and knows which FAQ entry to write next.

Grouping is greedy and deterministic: the most frequent wording starts the first
group, and every message joins the first group whose centre is close enough
(cosine ≥ ``SIMILAR``), else starts its own. With no embedder (the analytics of a
store read without a model) messages group by their normalised wording only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from frontdesk.core.ports import Embedder

SIMILAR = 0.62  # MiniLM cosine of two wordings of one question; TF-IDF scores lower
MAX_MESSAGES = 2000  # the most recent; bounds the embedding work of one request
TOP = 10
EXAMPLES = 3
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Unanswered:
    at: float
    text: str


@dataclass(frozen=True, slots=True)
class UnansweredTopic:
    label: str  # the most asked wording of the group
    count: int
    examples: tuple[str, ...]  # other wordings, most frequent first
    last_at: float

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "count": self.count,
            "examples": list(self.examples),
            "last_at": self.last_at,
        }


def top_unanswered(
    messages: Sequence[Unanswered], embedder: Embedder | None, top: int = TOP
) -> tuple[UnansweredTopic, ...]:
    recent = sorted(messages, key=lambda m: m.at)[-MAX_MESSAGES:]
    if not recent:
        return ()
    wordings = Counter(_normal(m.text) for m in recent)
    # The first way each wording was written, for people to read.
    shown: dict[str, str] = {}
    last: dict[str, float] = {}
    for m in recent:
        key = _normal(m.text)
        shown.setdefault(key, m.text.strip())
        last[key] = max(last.get(key, 0.0), m.at)
    ordered = sorted(wordings, key=lambda k: (-wordings[k], k))
    groups = _group(ordered, embedder)
    topics = [_topic(members, wordings, shown, last) for members in groups]
    topics.sort(key=lambda t: (-t.count, -t.last_at, t.label))
    return tuple(topics[:top])


def _group(ordered: list[str], embedder: Embedder | None) -> list[list[str]]:
    if embedder is None or len(ordered) == 1:
        return [[k] for k in ordered]
    vectors = embedder.embed(ordered)
    groups: list[list[int]] = []
    # One row per group: its members' mean direction, so a message is scored against
    # every group in one product.
    centres = np.zeros((len(ordered), vectors.shape[1]), dtype=vectors.dtype)
    for index, vector in enumerate(vectors):
        if groups:
            scores = centres[: len(groups)] @ vector
            best = int(scores.argmax())
            if scores[best] >= SIMILAR:
                groups[best].append(index)
                centre = vectors[groups[best]].mean(axis=0)
                centres[best] = centre / (np.linalg.norm(centre) or 1.0)
                continue
        centres[len(groups)] = vector
        groups.append([index])
    return [[ordered[i] for i in members] for members in groups]


def _topic(
    members: list[str], wordings: Counter[str], shown: dict[str, str], last: dict[str, float]
) -> UnansweredTopic:
    # ``members`` keep frequency order: the first is the most asked wording.
    return UnansweredTopic(
        label=shown[members[0]],
        count=sum(wordings[k] for k in members),
        examples=tuple(shown[k] for k in members[1 : EXAMPLES + 1]),
        last_at=max(last[k] for k in members),
    )


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text.strip().casefold()).rstrip("?!. ")
