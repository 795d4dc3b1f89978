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
    "how are (you|u)( doing)?( today)?",
    "how'?s it going",
    "(is )?any(one|body) (there|here)",
)
_THANKS = _any(
    "(many )?thanks?( you)?( (so|very) much)?( for (your|the|all the) help)?",
    "thank u",
    "that (really )?helped",
    "that'?s (really )?(great|helpful|perfect|brilliant)",
    "you'?ve been (a )?(great|very |really )?(help|helpful)",
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
    "gtg",
    "got to go",
    "(i'?m )?off now",
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
    "lol+",
    "lmao",
    "(ha)+h?",
    "(he)+h?",
    "nice one",
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
    "who (made|built|created|programmed) (you|this)",
    "am i (talking|speaking|chatting) (to|with) a (bot|human|person|real person)",
)
_FILLER = (
    r"(\s*"
    + _any(
        "there",
        "mate",
        "partner",
        "buddy",
        "friend",
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

# Most important act first: "ok thanks bye" is a goodbye, "great, thanks!" thanks.
_ACTS: tuple[tuple[SmalltalkAct, str], ...] = (
    (SmalltalkAct.GOODBYE, _GOODBYE),
    (SmalltalkAct.THANKS, _THANKS),
    (SmalltalkAct.ABOUT_BOT, _ABOUT_BOT),
    (SmalltalkAct.GREETING, _GREETING),
    (SmalltalkAct.ACKNOWLEDGE, _ACK),
)
# A social message is made of social phrases only, of any act, in any order.
_ONLY_SOCIAL = re.compile(rf"^(({'|'.join(body for _, body in _ACTS)}){_FILLER}[\s,]*)+$")
_ACT_SEARCH = tuple((act, re.compile(rf"(?<![\w']){body}(?![\w'])")) for act, body in _ACTS)

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
    if not _ONLY_SOCIAL.match(simple):
        return None
    for act, pattern in _ACT_SEARCH:
        if pattern.search(simple):
            return act
    return SmalltalkAct.ACKNOWLEDGE


def detect_smalltalk(text: str, vocabulary: frozenset[str] = frozenset()) -> Smalltalk | None:
    """Classify a social message; None when the message should go to the FAQ."""
    simple = _simplify(text)
    if not simple:
        has_emoji = any(unicodedata.category(ch) == "So" for ch in text)
        only = SmalltalkAct.ACKNOWLEDGE if has_emoji else SmalltalkAct.GIBBERISH
        return Smalltalk(only, _REPLIES[only])
    act = _match(simple)
    if act is None and is_gibberish(simple, vocabulary):
        act = SmalltalkAct.GIBBERISH
    return Smalltalk(act, _REPLIES[act]) if act is not None else None
