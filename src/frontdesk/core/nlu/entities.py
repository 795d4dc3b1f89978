"""Things a shopper names in a message: order numbers, emails, postcodes, yes and no."""

from __future__ import annotations

import re

# "#1043", "order 1043", "order no. 1043", "order number 1043"; a bare number only
# when nothing else in the message looks like one (prices have £ or a decimal point).
_ORDER_TAGGED = re.compile(
    r"(?:#\s?|\border\s*(?:no\.?|number|num|nr|ref(?:erence)?)?\s*[:#]?\s*)(\d{3,10})\b",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"(?<![£$€\d.,])\b(\d{4,10})\b(?![.,]\d)")
EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# UK postcodes (the shop delivers in the UK): "BS6 5JT", "bs65jt", "M19 2LL".
POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)

# A yes or a no is the whole message: "ok, and what plan am I on?" or "yes, but cancel
# 1060 instead" must not confirm a pending change.
_YES = re.compile(
    r"^(?:yes|yeah|yep|yup|y|sure|ok|okay|please|please do|do it|go ahead|confirm|"
    r"confirmed|correct|that's right|absolutely|definitely)"
    r"(?:[,!. ]+(?:please|thanks|thank you|go ahead|do it|cancel it|send it there|"
    r"please do|that's fine))*[.! ]*$",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(?:no|nope|nah|n|don't|do not|stop|cancel that|never ?mind|forget it|keep it|"
    r"leave it|not now|wait)\b",
    re.IGNORECASE,
)


def order_numbers(text: str) -> list[str]:
    """Order numbers in the order they appear, each once."""
    found = [m.group(1) for m in _ORDER_TAGGED.finditer(text)]
    if not found:
        found = [m.group(1) for m in _BARE_NUMBER.finditer(text) if not _looks_like_year(m)]
    return list(dict.fromkeys(found))


def _looks_like_year(match: re.Match[str]) -> bool:
    return len(match.group(1)) == 4 and match.group(1).startswith(("19", "20"))


def email_in(text: str) -> str | None:
    match = EMAIL.search(text)
    return None if match is None else match.group(0)


def postcode_in(text: str) -> str | None:
    match = POSTCODE.search(text)
    return None if match is None else f"{match.group(1)} {match.group(2)}".upper()


def is_yes(text: str) -> bool:
    return bool(_YES.match(text.strip()))


def is_no(text: str) -> bool:
    return bool(_NO.match(text.strip()))
