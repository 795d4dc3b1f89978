"""Is the assistant failing the shopper? Three signs, read from the conversation:

- it abstained twice in a row (this reply and the one before said "I don't know");
- the shopper asks the question they just had answered again, in other words: the
  answer did not help ("how long does delivery take?" … "how long will it take for
  my order to be delivered");
- the shopper says so after an answer ("that's not what I asked").

A follow-up is not a rephrase: "and what about returns?" leans on the last answer,
"do you deliver to Ireland by express?" narrows it, "where is order 1052" after
"where is order 1043" asks about another order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from frontdesk.core.conversation import Event, EventKind, Reply, ReplyKind, Source
from frontdesk.core.nlu.followup import follow_up_strength
from frontdesk.core.nlu.text import STOPWORDS, normalise, words

ABSTAINED, ASKED_AGAIN, REPHRASED, NOT_HELPED = (
    "abstained_repeatedly",
    "asked_again",
    "rephrased",
    "not_helped",
)
REASONS = {
    ABSTAINED: "the assistant could not answer {count} times in a row",
    ASKED_AGAIN: "asked the same question again after an answer",
    REPHRASED: "asked the same question again in other words after an answer",
    NOT_HELPED: "said the answer did not help",
}
ABSTENTIONS_IN_A_ROW = 2
# Cosine of the two messages' sentence vectors (all-MiniLM-L6-v2). Measured on pairs
# of shop questions: rewordings 0.62–0.91, different questions on the same topic up
# to 0.76 ("do you deliver to Ireland" / "… to France" 0.72). 0.8 keeps the
# clear rewordings and none of the look-alikes.
REPHRASE_COSINE = 0.8
# A message at least this follow-up-like leans on the answer (the engine's reading).
FOLLOW_UP = 0.5
# Bot replies after which the shopper's question counts as answered.
_ANSWERED = (ReplyKind.ANSWER,)

_NOT_HELPED = tuple(
    re.compile(p)
    for p in (
        r"\b(?:that's|that\s+is|this\s+is|it's|thats)\s+not\s+what\s+i\s+"
        r"(?:asked|meant|mean|wanted|said|need|was\s+asking)\b",
        r"\bnot\s+what\s+i\s+(?:asked|meant|was\s+asking)\b",
        r"\b(?:you\s+)?(?:didn't|did\s+not|don't|haven't|never)\s+answer(?:ed)?\s+my\s+question\b",
        r"\b(?:that|this|it)\s+(?:doesn't|does\s+not|didn't|did\s+not)\s+"
        r"(?:help|answer\s+(?:my|the)\s+question)\b",
        r"\b(?:that's|that\s+is|that\s+was)\s+(?:not|no)\s+(?:helpful|help|the\s+answer)\b",
        r"\byou(?:'re|\s+are)\s+not\s+(?:understanding|listening|reading)\b",
        r"\byou\s+(?:don't|do\s+not|didn't)\s+(?:understand|get\s+it|listen|read)\b",
        r"\b(?:wrong|irrelevant)\s+answer\b|\bthat's\s+(?:wrong|irrelevant)\b",
        r"^no,?\s+i\s+(?:mean|meant|asked|said)\b",
        r"\bi\s+(?:already\s+)?(?:know|read|saw|tried)\s+that\s+already\b|"
        r"\bi\s+already\s+(?:know|read|saw|tried)\s+that\b",
        r"\bread\s+my\s+(?:question|message)\b",
    )
)
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Failing:
    detail: str  # ABSTAINED, ASKED_AGAIN, REPHRASED or NOT_HELPED
    reason: str
    evidence: tuple[str, ...]
    score: float = 1.0


# -- abstentions ---------------------------------------------------------------------


def repeated_abstentions(
    history: Sequence[Event], text: str, reply: Reply, count: int = ABSTENTIONS_IN_A_ROW
) -> Failing | None:
    """``reply`` abstains and so did the ``count - 1`` bot replies before it, with
    nothing else said by the assistant in between."""
    if reply.kind is not ReplyKind.ABSTAIN:
        return None
    questions = [text]
    for event in reversed(bot_segment(history)):
        if len(questions) >= count:
            break
        if event.source is not Source.BOT or event.reply is None:
            continue
        if event.reply.kind is not ReplyKind.ABSTAIN:
            return None
        questions.append(_question_of(history, event))
    if len(questions) < count:
        return None
    questions.reverse()
    return Failing(
        ABSTAINED,
        REASONS[ABSTAINED].format(count=count),
        tuple(f'could not answer "{q}"' for q in questions),
    )


def _question_of(history: Sequence[Event], bot: Event) -> str:
    """The shopper's message that a bot reply answered: the one it names, else the
    last one before it."""
    if bot.reply_to is not None:
        for event in history:
            if event.seq == bot.reply_to and event.source is Source.CUSTOMER:
                return event.text
    last = ""
    for event in history:
        if event is bot:
            break
        if event.source is Source.CUSTOMER and event.kind is EventKind.MESSAGE:
            last = event.text
    return last


# -- asked again after an answer -----------------------------------------------------

Similarity = Callable[[str, str], float]


def asked_again(
    history: Sequence[Event],
    text: str,
    similarity: Similarity | None,
    threshold: float = REPHRASE_COSINE,
) -> Failing | None:
    """The shopper's message after an answer says it did not help, or asks the
    answered question again (``similarity``: cosine of two messages; None: only
    the same words count)."""
    question = last_answered(history)
    if question is None:
        return None
    said = normalise(text)
    match = _not_helped(said)
    if match is not None:
        return Failing(
            NOT_HELPED,
            REASONS[NOT_HELPED],
            (f'said "{match}"', f'after the answer to "{question}"'),
        )
    if not _may_be_rephrase(question, said):
        return None
    if _words(question) == _words(said):
        return Failing(ASKED_AGAIN, REASONS[ASKED_AGAIN], (f'asked "{said}" again',))
    if similarity is None:
        return None
    cosine = similarity(question, said)
    if cosine < threshold:
        return None
    return Failing(
        REPHRASED,
        REASONS[REPHRASED],
        (f'asked "{question}"', f'then "{said}"', f"similarity {cosine:.2f}"),
        score=cosine,
    )


def last_answered(history: Sequence[Event]) -> str | None:
    """The shopper's last message, if the assistant's reply to it answered it and
    nothing came after."""
    segment = bot_segment(history)
    reply_event = next((e for e in reversed(segment) if e.source is not Source.SYSTEM), None)
    if reply_event is None or reply_event.source is not Source.BOT or reply_event.reply is None:
        return None
    if reply_event.reply.kind not in _ANSWERED:
        return None
    return _question_of(history, reply_event) or None


def _not_helped(said: str) -> str | None:
    lowered = said.lower()
    for pattern in _NOT_HELPED:
        match = pattern.search(lowered)
        if match is not None:
            return match.group(0)
    return None


def _may_be_rephrase(question: str, said: str) -> bool:
    """Rule out what only looks like the same question: a follow-up leaning on the
    answer, one that narrows it (all the old topic words and some more), one about
    another order or amount, or a message too short to say."""
    if follow_up_strength(said) >= FOLLOW_UP:
        return False
    if set(_NUMBER.findall(said)) != set(_NUMBER.findall(question)):
        return False
    old, new = _topic(question), _topic(said)
    if not new:
        return False
    return not (old < new)


def _topic(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS and len(w) > 1}


def _words(text: str) -> list[str]:
    return words(text)


def bot_segment(history: Sequence[Event]) -> list[Event]:
    """The messages since the conversation last changed hands: what an agent and
    the shopper said before a hand-back is not the assistant's record."""
    start = 0
    for i, event in enumerate(history):
        if event.kind is EventKind.MODE or event.source is Source.AGENT:
            start = i + 1
    return [e for e in history[start:] if e.kind is EventKind.MESSAGE]
