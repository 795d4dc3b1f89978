"""Which account question a message asks, if any: "where is my order", "cancel order
1043", "what plan am I on" …

Patterns, not the embedding model: the base model tells "where is my order" from
"how long does delivery take" poorly (nearest-neighbour recall 0.38 on our intent
examples at a threshold that still misroutes FAQ questions), while these questions
share a few telling words and, above all, are about the shopper's own things ("my",
"I", an order number). A trained intent model (`frontdesk train --intents`) adds its
own reading on top. Measured on src/frontdesk/demo/data: the README has the figures.
"""

from __future__ import annotations

import re
from enum import StrEnum

from frontdesk.core.nlu.entities import order_numbers


class AccountIntent(StrEnum):
    TRACK_ORDER = "track_order"
    CANCEL_ORDER = "cancel_order"
    CHANGE_ADDRESS = "change_address"
    CHECK_PLAN = "check_plan"
    CHECK_INVOICE = "check_invoice"
    CHECK_PAYMENT = "check_payment"


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")", re.IGNORECASE)


# "How do I …" and "Can I …" ask about the shop; "my order", "am I", "I ordered" and
# an order number are about the shopper's own things.
_PERSONAL = _any(
    r"my\b", r"mine\b", r"am i\b", r"i'm\b", r"i've\b", r"i'd\b",
    r"i (?:just |recently )?(?:ordered|bought|placed|made|paid|purchased|got|received)\b",
    r"^\s*order status\b",
)  # fmt: skip
_ORDER_THING = _any(
    r"orders?\b", r"purchases?\b", r"parcels?\b", r"packages?\b", r"deliver(?:y|ies)\b",
    r"stuff\b", r"items?\b", r"it\b", r"sofa", r"lamp", r"table\b", r"rug\b",
    r"kettle", r"throw\b", r"bed\b", r"wardrobe", r"bought\b", r"ordered\b",
)  # fmt: skip
_NOT_AN_ORDER = _any(
    r"membership", r"plus\b", r"subscription", r"appointment", r"visit\b", r"video call",
    r"newsletter", r"account\b", r"booking", r"pickup", r"emails?\b", r"returns?\b",
    r"returning", r"gift cards?\b", r"loyalty", r"points\b",
)  # fmt: skip
_CANCEL = _any(
    r"cancel", r"terminat", r"call(?:ing)? off", r"scrap\b", r"stop (?:my|the|that|this) order"
)
_ADDRESS = _any(
    r"(?<!email )address", r"postcode", r"deliver(?:ed)? to\b",
    r"send (?:it|them|my \w+) to\b", r"go to my\b",
)  # fmt: skip
_ADDRESS_CHANGE = _any(
    r"chang", r"update", r"wrong", r"fix", r"new\b", r"different", r"typo",
    r"instead", r"moved", r"correct", r"mistake", r"redirect",
)  # fmt: skip
_TRACK = _any(
    r"where(?:'s| is| are)\s+(?:my|the|it)\b", r"track", r"status\b",
    r"when (?:will|is|does|do|can i expect) (?:my|the|it)\b", r"when my \w+ (?:will|is)\b",
    r"where (?:my|the) \w+ (?:is|are)\b", r"^\s*order status\b",
    r"(?:has|have|did|is) (?:my|it|the)\b[^.?!]{0,40}\b(?:shipped|dispatched|sent|left|on its way)",
    # "is my order on its way", not "it got dropped on the way"
    r"(?:is|are|it's|they're) (?:it |they |my \w+ |the \w+ )?on (?:its|their|the) way",
    r"heard nothing", r"still waiting", r"happening with",
    r"check on", r"(?:hasn't|has not|haven't|not yet|still not|never) (?:arrived|come|turned up)",
)  # fmt: skip
_GENERAL_DELIVERY = _any(r"how long", r"how much", r"cost", r"price", r"how many days")
_PLAN = _any(
    r"(?:what|which) (?:plan|membership|subscription)",
    r"my (?:current |plus |northwind |paid )?(?:plan|membership|subscription)\b",
    r"am i (?:a |on |still )", r"renew",
)  # fmt: skip
_INVOICE = _any(
    r"(?:my|the|last|latest|recent) (?:last |latest |most recent |vat )?(?:invoice|bill)s?\b",
    r"invoice for (?:my|order|#)",
)  # fmt: skip
_PAYMENT = _any(
    r"(?:payment|refund|money)[^.?!]{0,30}\b(?:receiv|go through|gone through|went through|"
    r"been processed|come through|cleared|arrived|been taken)",
    r"(?:did|have|has) you (?:get|receive|take|got)[^.?!]{0,20}\b(?:payment|money)",
    r"(?:was|has|is) my (?:payment|refund)\b(?! card| details| method| info)", r"my payment status",
    r"(?:card|account) been (?:charged|debited)",
)  # fmt: skip


def is_personal(text: str) -> bool:
    """About the shopper's own things: "my order", "am I", "I ordered", "#1043"."""
    return bool(order_numbers(text)) or bool(_PERSONAL.search(text))


def detect_account_intent(text: str) -> AccountIntent | None:
    """The account question ``text`` asks about the shopper's own records, or None."""
    if not is_personal(text):
        return None
    numbered = bool(order_numbers(text))
    about_order = numbered or bool(_ORDER_THING.search(text))
    if _CANCEL.search(text) and about_order and not _NOT_AN_ORDER.search(text):
        return AccountIntent.CANCEL_ORDER
    if _ADDRESS.search(text) and _ADDRESS_CHANGE.search(text) and about_order:
        return AccountIntent.CHANGE_ADDRESS
    if _PAYMENT.search(text):
        return AccountIntent.CHECK_PAYMENT
    if _INVOICE.search(text):
        return AccountIntent.CHECK_INVOICE
    if _PLAN.search(text) and not _CANCEL.search(text):
        return AccountIntent.CHECK_PLAN
    if (
        _TRACK.search(text)
        and about_order
        and not _NOT_AN_ORDER.search(text)
        and not _GENERAL_DELIVERY.search(text)
    ):
        return AccountIntent.TRACK_ORDER
    if numbered and len(text.split()) <= 4:
        return AccountIntent.TRACK_ORDER  # "1043?" or "what about #1055"
    return None


def account_intent(name: str | None) -> AccountIntent | None:
    """The AccountIntent a label names (a KB entry's intent, a trained model's), if any."""
    try:
        return None if not name else AccountIntent(name)
    except ValueError:
        return None
