"""Rule-made variants of a question: what shoppers type that the KB author did not.

Each rule is generic English (no knowledge of any evaluation set): a template that
wraps the question, dropped words, keyboard typos, and a keyword-only form.
"""

from __future__ import annotations

import random

from frontdesk.core.nlu.text import content_words, words

WRAPPERS = (
    "{q}",
    "quick question: {q}",
    "hi, {q}",
    "i was wondering {q}",
    "can you tell me {q}",
    "{q} thanks",
    "please help, {q}",
)
KEYBOARD_NEIGHBOURS = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh",
    "h": "gj", "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm",
    "o": "ip", "p": "o", "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi",
    "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x",
}  # fmt: skip


def keyword_form(question: str) -> str:
    """'How can I track my order?' -> 'track order': how people type into a search box."""
    return " ".join(content_words(question))


def drop_words(question: str, rng: random.Random, rate: float = 0.2) -> str:
    tokens = question.split()
    kept = [t for t in tokens if rng.random() > rate]
    return " ".join(kept) if len(kept) >= 2 else question


def add_typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a swapped, doubled, missing or neighbouring letter."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[:i] + text[i + 1 :]
    near = KEYBOARD_NEIGHBOURS.get(text[i].lower(), text[i])
    return text[:i] + rng.choice(near) + text[i + 1 :]


def casual(question: str) -> str:
    """Lower case, no final punctuation: chat style."""
    return " ".join(words(question))


def variants(question: str, rng: random.Random, count: int = 6) -> list[str]:
    """Up to ``count`` distinct variants of ``question``, never the question itself."""
    base = casual(question)
    candidates = [
        keyword_form(question),
        base,
        rng.choice(WRAPPERS[1:]).format(q=base),
        drop_words(base, rng),
        add_typo(base, rng),
        add_typo(drop_words(base, rng), rng),
        rng.choice(WRAPPERS[1:]).format(q=add_typo(base, rng)),
    ]
    seen = {question.strip().lower()}
    out: list[str] = []
    for text in candidates:
        text = text.strip()
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(text)
    return out[:count]
