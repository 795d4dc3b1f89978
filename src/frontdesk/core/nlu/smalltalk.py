"""Greetings, thanks, goodbyes, chit-chat and gibberish: a fitting reply, never an FAQ.

Rules first (they are precise on short social messages), then a gibberish check
that needs no model: real words are made of the vocabulary the tokenizer knows or
at least look pronounceable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from frontdesk.core.nlu.text import words


class SmalltalkAct(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    ACKNOWLEDGE = "acknowledge"
    ABOUT_BOT = "about_bot"
    GIBBERISH = "gibberish"


@dataclass(frozen=True)
class Smalltalk:
    act: SmalltalkAct
    reply: str


def _any(*alternatives: str) -> str:
    return "(" + "|".join(alternatives) + ")"


_GREETING = _any(
    "hi+",
    "hello+",
    "hey+",
    "hiya",
    "howdy",
    "yo",
    "greetings",
    "hallo",
    "hola",
    "sup",
    "good (morning|afternoon|evening|day)",
    "morning",
    "evening",
    "what'?s up",
)
_THANKS = _any(
    "(many )?thanks?( you)?",
    "thank u",
    "thx",
    "ty",
    "cheers",
    "much appreciated",
    "appreciate (it|that)",
    "ta",
    "brilliant,? thanks",
)
_GOODBYE = _any(
    "bye+",
    "goodbye",
    "good ?night",
    "see (you|ya)",
    "cya",
    "later",
    "farewell",
    "take care",
    "have a (good|nice|lovely|great) (day|evening|night|one|weekend)",
)
_ACK = _any(
    "ok(ay)?",
    "k",
    "cool",
    "great",
    "nice",
    "perfect",
    "alright",
    "all right",
    "got it",
    "sure",
    "fine",
    "right",
    "yes",
    "yeah",
    "yep",
    "no",
    "nope",
    "nah",
    "lol",
    "haha+",
    "hmm+",
    "ah",
    "oh",
    "wow",
    "awesome",
    "sounds good",
    "understood",
    "noted",
    "i see",
    "no worries",
    "test(ing)?",
    "(hmm )?let me think( about it)?",
    "will do",
    "brb",
)
_BEING = r"(a |an )?(real )?(human|person|bot|robot|ai|machine|computer)"
_ABOUT_BOT = _any(
    rf"are you {_BEING}( or {_BEING})?",
    "are you real",
    "who are you",
    "what are you",
    "what'?s your name",
    "what is your name",
    "is this a bot",
    "how are you( doing)?( today)?",
    "am i (talking|speaking|chatting) (to|with) a (bot|human|person|real person)",
)
_FILLER = (
    r"(\s*"
    + _any(
        "there",
        "mate",
        "guys",
        "team",
        "all",
        "everyone",
        "folks",
        "so much",
        "a lot",
        "again",
        "very much",
        "then",
        "for now",
        "[0-9]+",
    )
    + ")*"
)

_PATTERNS: tuple[tuple[SmalltalkAct, re.Pattern[str]], ...] = tuple(
    (act, re.compile(rf"^(({body}){_FILLER}[\s,]*)+$"))
    for act, body in (
        (SmalltalkAct.GREETING, _GREETING),
        (SmalltalkAct.THANKS, _THANKS),
        (SmalltalkAct.GOODBYE, _GOODBYE),
        (SmalltalkAct.ACKNOWLEDGE, _ACK),
        (SmalltalkAct.ABOUT_BOT, _ABOUT_BOT),
    )
)
# A message that opens with a social phrase and adds one more social phrase,
# e.g. "hey, how are you doing today?" or "thanks, that really helped".
_SOCIAL_TAIL = re.compile(
    r"^(.*?)([,.!]\s*|\s+)"
    + _any(
        "that (really )?helped",
        "that'?s (great|helpful|perfect)",
        "you'?ve been (a )?(great|very )?(help|helpful)",
        "have a .*",
        "how are you.*",
        "see you.*",
    )
    + "$"
)

_REPLIES = {
    SmalltalkAct.GREETING: "Hello! How can I help you today? You can ask me about orders, "
    "delivery, returns, payments or your account.",
    SmalltalkAct.THANKS: "You're welcome! Is there anything else I can help with?",
    SmalltalkAct.GOODBYE: "Goodbye, and thanks for stopping by!",
    SmalltalkAct.ACKNOWLEDGE: "Is there anything else I can help you with?",
    SmalltalkAct.ABOUT_BOT: "I'm the shop's virtual assistant. I can answer questions about "
    "orders, delivery, returns and payments, and I can put you through to a person "
    "whenever you like.",
    SmalltalkAct.GIBBERISH: "Sorry, I didn't quite catch that. Could you say it another way? "
    'For example: "How long does delivery take?"',
}

_VOWELS = set("aeiouy")


def _simplify(text: str) -> str:
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("S"))
    text = re.sub(r"[!?.…:;)(*\"~^-]+", " ", text.lower().replace("\u2019", "'"))
    return re.sub(r"\s+", " ", text).strip(" ,")


def _looks_like_a_word(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary or word.isdigit() or len(word) <= 2:
        return True
    if not any(ch in _VOWELS for ch in word):
        return False
    # Four or more consonants in a row almost never happen in English words.
    return re.search(r"[^aeiouy\d']{5,}", word) is None


def is_gibberish(text: str, vocabulary: frozenset[str]) -> bool:
    """No letters at all, or mostly letter strings that cannot be words."""
    if not any(ch.isalnum() for ch in text):
        return True
    tokens = words(text)
    if not tokens:
        return True
    unknown = sum(not _looks_like_a_word(w, vocabulary) for w in tokens)
    return unknown / len(tokens) >= 0.5


def _match(simple: str) -> SmalltalkAct | None:
    for act, pattern in _PATTERNS:
        if pattern.match(simple):
            return act
    return None


def detect_smalltalk(text: str, vocabulary: frozenset[str] = frozenset()) -> Smalltalk | None:
    """Classify a social message; None when the message should go to the FAQ."""
    simple = _simplify(text)
    if not simple:
        has_emoji = any(unicodedata.category(ch) == "So" for ch in text)
        only = SmalltalkAct.ACKNOWLEDGE if has_emoji else SmalltalkAct.GIBBERISH
        return Smalltalk(only, _REPLIES[only])
    act: SmalltalkAct | None = _match(simple)
    if act is None:
        tail = _SOCIAL_TAIL.match(simple)
        if tail:
            act = _match(tail.group(1).strip(" ,"))
    if act is None and is_gibberish(simple, vocabulary):
        act = SmalltalkAct.GIBBERISH
    return Smalltalk(act, _REPLIES[act]) if act is not None else None
