"""Should this conversation go to a person? The escalation triggers of a turn.

Before the assistant replies: a sensitive matter, an explicit ask (or a complaint),
frustration, or the question just answered asked again. After it replies: the
abstentions in a row. When several fire, the first in that order names the case
(sensitive > asked > frustrated > failing); a disabled trigger never fires. Each
Trigger says why in one line for the agent, with the evidence and a score.

Cost: regular expressions and VADER for every message, one sentence embedding when
the phrases leave the ask undecided, and one more for a possible rephrase (usually
a cache hit: the engine embedded that message on the turn before).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from frontdesk.core.conversation import Event, Reply, Source
from frontdesk.core.escalation import asking, failing
from frontdesk.core.escalation.asking import HumanRequestDetector
from frontdesk.core.escalation.config import EscalationRules
from frontdesk.core.escalation.failing import bot_segment
from frontdesk.core.escalation.frustration import assess_frustration
from frontdesk.core.escalation.model import Trigger, TriggerKind
from frontdesk.core.escalation.sensitive import find_sensitive
from frontdesk.core.nlu.text import normalise
from frontdesk.core.ports import Embedder, FloatArray, SentimentScorer

_ASKED_REASONS = {
    asking.ACCEPTED_OFFER: "said yes to the offer of a person",
    asking.COMPLAINT: "wants to make a complaint",
}
ASKED_REASON = "asked for a person"
FRUSTRATED_REASON = "sounds frustrated"


# Readings of "asked for a person" that come from the model, not from the shopper's words.
_MODEL_READINGS = frozenset({asking.MODEL, asking.INTENT})


class EscalationTriggers:
    """``human_detector`` None: only the explicit phrases count as asking for a
    person; ``embedder`` None: only the same words count as asking again."""

    def __init__(
        self,
        rules: EscalationRules,
        sentiment: SentimentScorer,
        human_detector: HumanRequestDetector | None,
        embedder: Embedder | None,
    ) -> None:
        self.rules = rules
        self.sentiment = sentiment
        self.human_detector = human_detector
        self.embedder = embedder

    def before_reply(self, history: Sequence[Event], text: str) -> Trigger | None:
        """``history``: the conversation's events before this message."""
        said = normalise(text)
        if not said:
            return None
        segment = bot_segment(history)
        vectors = _Vectors(self.embedder)
        checks: tuple[Callable[[], Trigger | None], ...] = (
            lambda: self._sensitive(said),
            lambda: self._asked_or_frustrated(segment, said, vectors),
            lambda: self._frustrated(segment, said),
            lambda: self._asked_again(segment, said, vectors),
        )
        for check in checks:  # in precedence order: the first that fires names the case
            trigger = check()
            if trigger is not None:
                return trigger
        return None

    def after_reply(self, history: Sequence[Event], text: str, reply: Reply) -> Trigger | None:
        """``history``: the events before this message, as for ``before_reply``
        (neither this message nor ``reply`` among them)."""
        rules = self.rules.triggers.failing
        if not rules.enabled:
            return None
        found = failing.repeated_abstentions(
            bot_segment(history), normalise(text), reply, rules.abstentions_in_a_row
        )
        if found is None:
            return None
        return Trigger(TriggerKind.FAILING, found.reason, found.evidence, found.score, found.detail)

    def queue_for(self, trigger: Trigger) -> str:
        return self.rules.queues.queue_for(trigger)

    # -- the checks ------------------------------------------------------------------

    def _sensitive(self, said: str) -> Trigger | None:
        rules = self.rules.triggers.sensitive
        if not rules.enabled:
            return None
        match = find_sensitive(said, rules.topics)
        if match is None:
            return None
        return Trigger(
            TriggerKind.SENSITIVE, match.reason, (f'said "{match.phrase}"',), 1.0, match.topic
        )

    def _asked_or_frustrated(
        self, segment: Sequence[Event], said: str, vectors: _Vectors
    ) -> Trigger | None:
        """An ask for a person; but when only the model read one ("your service is
        terrible, I'm sick of waiting" is near its complaints) and the shopper's own
        words show frustration, frustration is the truer reason for the agent."""
        asked = self._asked(segment, said, vectors)
        if asked is None or asked.detail not in _MODEL_READINGS:
            return asked
        return self._frustrated(segment, said) or asked

    def _asked(self, segment: Sequence[Event], said: str, vectors: _Vectors) -> Trigger | None:
        rules = self.rules.triggers.asked
        if not rules.enabled:
            return None
        last_bot = _last_bot_reply(segment)
        if self.human_detector is None:
            found = _phrases_only(said, last_bot)
        else:
            vector = None
            if self.human_detector.embedder is self.embedder:
                vector = vectors.of(said)  # the same embedding serves the rephrase check
            found = self.human_detector.assess(said, last_bot=last_bot, vector=vector)
        if found is None or found.score < rules.threshold:
            return None
        reason = _ASKED_REASONS.get(found.detail, ASKED_REASON)
        if found.detail == asking.INTENT and "complaint" in found.evidence[0]:
            reason = _ASKED_REASONS[asking.COMPLAINT]
        return Trigger(TriggerKind.ASKED, reason, found.evidence, found.score, found.detail)

    def _frustrated(self, segment: Sequence[Event], said: str) -> Trigger | None:
        rules = self.rules.triggers.frustration
        if not rules.enabled:
            return None
        earlier = [e.text for e in segment if e.source is Source.CUSTOMER]
        found = assess_frustration(said, earlier, self.sentiment)
        if found.score < rules.threshold:
            return None
        return Trigger(
            TriggerKind.FRUSTRATED, FRUSTRATED_REASON, found.evidence, found.score, found.detail
        )

    def _asked_again(
        self, segment: Sequence[Event], said: str, vectors: _Vectors
    ) -> Trigger | None:
        rules = self.rules.triggers.failing
        if not rules.enabled or not rules.rephrase:
            return None
        similarity = vectors.cosine if self.embedder is not None else None
        found = failing.asked_again(segment, said, similarity, rules.rephrase_cosine)
        if found is None:
            return None
        return Trigger(TriggerKind.FAILING, found.reason, found.evidence, found.score, found.detail)


class _Vectors:
    """Sentence vectors of one turn, each text embedded at most once."""

    def __init__(self, embedder: Embedder | None) -> None:
        self._embedder = embedder
        self._known: dict[str, FloatArray] = {}

    def of(self, text: str) -> FloatArray:
        if self._embedder is None:
            raise RuntimeError("no embedder to embed with")
        if text not in self._known:
            self._known[text] = self._embedder.encode(text)[0]
        return self._known[text]

    def cosine(self, a: str, b: str) -> float:
        return float(np.dot(self.of(a), self.of(b)))


def _last_bot_reply(segment: Sequence[Event]) -> Reply | None:
    for event in reversed(segment):
        if event.source is Source.BOT and event.reply is not None:
            return event.reply
    return None


def _phrases_only(said: str, last_bot: Reply | None) -> asking.Asking | None:
    if asking.offers_person(last_bot) and asking.accepts_offer(said):
        return asking.Asking(1.0, asking.ACCEPTED_OFFER, (f'said "{said}" to the offer',))
    return asking.phrase_asking(said)
