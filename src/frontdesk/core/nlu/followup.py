"""Follow-ups: "and what if it was a gift?" only makes sense with the turn before.

A follow-up is read together with the last question the shopper asked that the
assistant understood, and ranked on both readings at once (``rank_in_context``);
the engine keeps whichever of that and the message alone it is more confident
about. How much a message looks like a follow-up decides whether it is read in
context at all.
"""

from __future__ import annotations

import re

from frontdesk.core.nlu.text import content_words, words

_OPENERS = re.compile(
    r"^(and|but|also|plus|so|then|or|what about|how about|what if|and if|if|"
    r"same for|same with|ok but|okay but|fine|what else|instead|could it|can it|"
    r"would it|will it|does it|is it|do they|does that|is that|can that|could that)\b"
)
_REFERENCES = frozenset(
    "it its it's that this those these them they their one there then such same".split()
)
SHORT_MESSAGE_WORDS = 7


def follow_up_strength(text: str) -> float:
    """0 (stands alone) .. 1 (clearly leans on the previous turn)."""
    lowered = text.lower().strip()
    tokens = words(lowered)
    if not tokens:
        return 0.0
    strength = 0.0
    if _OPENERS.match(lowered):
        strength += 0.6
    if any(t in _REFERENCES for t in tokens):
        strength += 0.3
    own_topic = len(content_words(lowered))
    # Shortness hints at a follow-up only when the message brings little topic of
    # its own: "who won the world cup in 1966" is short but stands alone.
    if len(tokens) <= SHORT_MESSAGE_WORDS and own_topic <= 2:
        strength += 0.2
    if own_topic <= 1:
        strength += 0.2
    return min(1.0, strength)


def join_with_context(previous_question: str, text: str) -> str:
    """The reading that carries the previous question's topic into this message.

    The joined reading holds at most three messages (two before this one): the
    topic of a chain such as "how long is delivery?" / "what about express?" /
    "how do I pick that?" lives two turns back, while older turns would drown
    the newest one.
    """
    recent = previous_question.rstrip(" ?.!").split("? ")[-2:]
    return f"{'? '.join(recent)}? {text}"
