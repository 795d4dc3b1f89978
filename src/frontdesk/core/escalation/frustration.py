"""Is the shopper frustrated? Sentiment, domain phrases, shouting, profanity and the
same message sent again, combined into one score with the evidence for each.

Each signal gives a weight in 0 … 1 and the weights combine as independent pieces
of evidence (a noisy-or: 1 − Π(1 − w)). The weights are set so that:

- negative sentiment alone never reaches the default threshold (0.6): "my order
  arrived broken, sad" is a problem to solve, not a shopper to rescue;
- one strong phrase does ("this is ridiculous", "third time", "fed up");
- weaker signals need company: shouting with "!!!", a mild phrase with clearly
  negative sentiment, a message repeated twice;
- positive sentiment damps the rest: "fucking brilliant, thanks" is not a complaint.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk.core.nlu.text import STOPWORDS, normalise, words
from frontdesk.core.ports import SentimentScorer

SENTIMENT_WEIGHT = 0.5  # × how negative VADER's compound score is (0 … 1)
POSITIVE_DAMPING = 0.5  # the score × (1 − this × how positive)
STRONG_PHRASE = 0.65
MILD_PHRASE = 0.35
SHOUTING = 0.45
EXCLAMATIONS = 0.3
PROFANITY = 0.62
MILD_PROFANITY = 0.3
REPEATED = 0.5  # per earlier copy of the same message

# Shouting: mostly capitals over enough letters, in several words, so that "UPS",
# "ORD-1043" or "OK" are not shouting.
SHOUT_MIN_LETTERS = 12
SHOUT_MIN_WORDS = 3
SHOUT_UPPER_SHARE = 0.7
# Only recent messages of the shopper count as the same question asked again.
RECENT_MESSAGES = 10
REPEAT_MIN_WORDS = 3
REPEAT_OVERLAP = 0.75

SENTIMENT, PHRASES, SHOUTING_DETAIL, EXCLAIMING, PROFANE, REPEATING = (
    "sentiment",
    "phrases",
    "shouting",
    "exclamations",
    "profanity",
    "repeated",
)

_STRONG = tuple(
    re.compile(p)
    for p in (
        r"\bridiculous\b",
        r"\bunacceptable\b",
        r"\buseless\b",
        r"\bpathetic\b",
        r"\bdisgrace(?:ful)?\b",
        r"\bdisgusting\b",
        r"\bappalling\b",
        r"\boutrageous\b",
        r"\bscandalous\b",
        r"\bincompetent\b",
        r"\bwaste\s+of\s+(?:my\s+)?(?:time|money)\b",
        r"\bfed\s+up\b",
        r"\bsick\s+(?:and\s+tired\s+)?of\b",
        r"\bhad\s+enough\b",
        r"\b(?:losing|lost|run(?:ning)?\s+out\s+of)\s+(?:my\s+)?patience\b",
        r"\bwits'?\s+end\b",
        r"\b(?:furious|livid|fuming|seething)\b",
        r"\bfrustrat(?:ed|ing|ion)\b",
        r"(?<!is\sthis\sthe\s)\b(?:third|3rd|fourth|4th|fifth|5th|tenth|umpteenth|hundredth|"
        r"millionth)\s+time\b",
        r"\b(?:asked|told|called|rung|rang|phoned|emailed|written|wrote|messaged|contacted|"
        r"chased)\s+(?:you\s+)?(?:\w+\s+)?(?:three|four|five|six|several|multiple|many|"
        r"numerous|\d+)\s+times\b",
        r"\bhow\s+many\s+(?:more\s+)?times\b",
        r"\bworst\s+(?:\w+\s+)?(?:service|company|shop|store|experience|support|ever)\b",
        r"\b(?:terrible|awful|shocking|dreadful|horrendous|horrible|rubbish|shambolic)\s+"
        r"(?:customer\s+)?(?:service|support|company|experience)\b",
        r"\b(?:this\s+is|what\s+a|an\s+absolute|a\s+complete|a\s+total|such\s+a)\s+"
        r"(?:(?:complete|total|absolute)\s+)?(?:joke|shambles|nightmare|farce|mess)\b",
        r"\b(?:stupid|dumb|thick|idiotic|moronic|brainless)\s+"
        r"(?:bot|machine|robot|thing|system|website|site|company|chat\s*bot)\b",
        r"\bare\s+you\s+(?:stupid|thick|dumb|an\s+idiot|kidding\s+me|serious|joking)\b",
        r"\bgoing\s+(?:round|around)\s+in\s+circles\b",
        r"\bnot\s+good\s+enough\b",
        r"\bthanks\s+for\s+nothing\b",
        r"\bnever\s+(?:again|(?:ordering|buying|shopping)\s+(?:from|with|here))\b",
    )
)
_MILD = tuple(
    re.compile(p)
    for p in (
        r"\bstill\s+(?:waiting|haven't|hasn't|have\s+not|has\s+not|not|no|nothing|don't)\b",
        r"\b(?:nobody|no\s+one|no-one)\s+(?:has\s+|ever\s+)?(?:replied|answered|got\s+back|"
        r"responded|cares|helps|helped|called)\b",
        r"\bignor(?:ed|ing)\s+(?:me|my)\b",
        r"\b(?:annoyed|annoying|angry|irritated|disappointed|upset|unhappy|exasperated)\b",
        r"\b(?:yet|once)\s+again\b",
        r"\b(?:taking|taken|took)\s+(?:so\s+long|forever|ages)\b",
        r"\b(?:waited|waiting)\s+(?:for\s+)?(?:ages|forever|weeks|months)\b",
    )
)

# Whole words only, so "Scunthorpe", "assistant", "class", "cocktail", "shiitake",
# "therapist" or "hello" never count.
_STRONG_SWEARS = frozenset(
    """fuck fucks fucking fuckin fucked fucker fuckers motherfucker motherfucking
    fck fcking fking fkn fuk fukin effing shit shits shitty shite bullshit
    cunt cunts twat twats wanker wankers bastard bastards bitch bitches asshole
    assholes arsehole arseholes dickhead dickheads piss pissed pissing prick pricks
    bollocks wtf stfu""".split()
)
_MILD_SWEARS = frozenset(
    """damn dammit damned bloody hell crap crappy sod bugger frigging freaking
    friggin""".split()
)
# Swearing with letters starred out: "f**k", "sh*t", "f***ing".
_MASKED = re.compile(r"(?<![\w*])[a-z]{1,3}[*#@$%]{1,4}[a-z]{0,5}(?![\w*])")
_TOKEN = re.compile(r"[a-z]+")
_EXCLAIM = re.compile(r"[!?]{3,}")


@dataclass(frozen=True, slots=True)
class Frustration:
    """``score`` 0 … 1; ``detail`` names the strongest signal."""

    score: float
    detail: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Signal:
    name: str
    weight: float
    evidence: str


def assess_frustration(
    text: str, earlier: Sequence[str], sentiment: SentimentScorer
) -> Frustration:
    """``earlier``: the shopper's previous messages in this conversation, oldest first."""
    clean = normalise(text)
    if not clean:
        return Frustration(0.0)
    compound = sentiment.compound(clean)
    signals = [
        *_sentiment(compound),
        *_phrases(clean.lower()),
        *_shouting(clean),
        *_exclamations(clean),
        *_profanity(clean.lower()),
        *_repeated(clean, earlier),
    ]
    if not signals:
        return Frustration(0.0)
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - signal.weight
    score = (1.0 - remaining) * (1.0 - POSITIVE_DAMPING * max(0.0, compound))
    strongest = max(signals, key=lambda s: s.weight)
    return Frustration(score, strongest.name, tuple(s.evidence for s in signals))


def _sentiment(compound: float) -> list[_Signal]:
    if compound >= -0.05:  # VADER's own neutral band
        return []
    return [_Signal(SENTIMENT, SENTIMENT_WEIGHT * -compound, f"sentiment {compound:.2f}")]


def _phrases(lowered: str) -> list[_Signal]:
    found: list[_Signal] = []
    for patterns, weight in ((_STRONG, STRONG_PHRASE), (_MILD, MILD_PHRASE)):
        for pattern in patterns:
            match = pattern.search(lowered)
            if match is not None:
                found.append(_Signal(PHRASES, weight, f'said "{match.group(0)}"'))
    return found


def _shouting(text: str) -> list[_Signal]:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < SHOUT_MIN_LETTERS:
        return []
    upper = sum(c.isupper() for c in letters) / len(letters)
    loud_words = sum(1 for w in text.split() if len(w) >= 2 and w.isupper())
    if upper < SHOUT_UPPER_SHARE or loud_words < SHOUT_MIN_WORDS:
        return []
    return [_Signal(SHOUTING_DETAIL, SHOUTING, f'shouting "{_clip(text)}"')]


def _exclamations(text: str) -> list[_Signal]:
    match = _EXCLAIM.search(text)
    if match is None or "!" not in match.group(0):
        return []  # "???" is puzzlement more than anger
    return [_Signal(EXCLAIMING, EXCLAMATIONS, f'"{match.group(0)}"')]


def _profanity(lowered: str) -> list[_Signal]:
    tokens = _TOKEN.findall(lowered)
    strong = [t for t in tokens if t in _STRONG_SWEARS] + _MASKED.findall(lowered)
    if strong:
        return [_Signal(PROFANE, PROFANITY, f'swore "{strong[0]}"')]
    mild = [t for t in tokens if t in _MILD_SWEARS]
    if mild:
        return [_Signal(PROFANE, MILD_PROFANITY, f'swore "{mild[0]}"')]
    return []


def _repeated(text: str, earlier: Sequence[str]) -> list[_Signal]:
    """Copies sent one after another, the assistant's replies between them: asking
    the same thing again and again. A request repeated after something else in
    between ("cancel order 1059", a question on plans, "cancel order 1059") is the
    shopper coming back to it, not a sign that it is failing them."""
    copies = 0
    for before in reversed(earlier[-RECENT_MESSAGES:]):
        if not same_message(text, before):
            break
        copies += 1
    if not copies:
        return []
    weight = 1.0 - (1.0 - REPEATED) ** copies
    return [_Signal(REPEATING, weight, f'sent "{_clip(text)}" {copies + 1} times')]


def same_message(a: str, b: str) -> bool:
    """The same message again, give or take punctuation, case and a word or two:
    "where is my order??" and "Where's my order" are; "where is my order 1043" and
    "where is my order 1052" are not (their content words differ)."""
    words_a, words_b = _stems(a), _stems(b)
    if len(words_a) < REPEAT_MIN_WORDS or len(words_b) < REPEAT_MIN_WORDS:
        return False  # "yes", "ok thanks": said again all the time
    topic_a, topic_b = words_a - STOPWORDS, words_b - STOPWORDS
    if not topic_a or topic_a != topic_b:
        return False
    overlap = len(words_a & words_b) / len(words_a | words_b)
    return overlap >= REPEAT_OVERLAP


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in words(text)}


def _stem(word: str) -> str:
    """ "where's" → "where": contractions must not make two copies look different."""
    return word.split("'")[0]


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
