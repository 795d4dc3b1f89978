"""Small text helpers shared by retrieval, smalltalk and follow-up handling."""

from __future__ import annotations

import re
import unicodedata

WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Function words carry no topic: they are ignored when judging what a query is about.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just let me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves i'm i've i'd it's that's what's there's
    don't doesn't didn't can't won't isn't aren't wasn't u ur im ive id pls please hi
    also still just really want wanted like would get got need needs thing things one
    ones ok okay yes yeah hey""".split()
)


# Words that flip a sentence's meaning while changing one short word, with the
# apostrophe-less spellings shoppers type; any "-n't" counts too.
NEGATIONS = frozenset(
    """not no without never none nothing nor cannot cant dont doesnt isnt arent wont
    didnt havent hasnt wasnt werent couldnt wouldnt shouldnt""".split()
)


def is_negation(word: str) -> bool:
    """``word`` lower-cased, with a straight apostrophe."""
    return word in NEGATIONS or word.endswith("n't")


def negated(text: str) -> bool:
    """Whether a text says "not", "no", "never", "without", "can't" …"""
    return any(is_negation(word) for word in words(text.replace("\u2019", "'")))


def normalise(text: str) -> str:
    """NFKC, straight quotes, collapsed whitespace; case kept for display."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    if not text.isprintable():  # the common case has no control characters to drop
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]
