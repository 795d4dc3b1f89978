"""Checks on what a shopper asks to change, the same whichever CRM the shop runs:
the shopper hears the same answer, and no CRM is sent junk."""

from __future__ import annotations

from frontdesk.core.account.model import Address, ContactUpdate
from frontdesk.core.nlu.entities import EMAIL
from frontdesk.errors import CrmConflictError

MAX_EMAIL = 320
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15  # E.164 allows at most 15
_PHONE_CHARS = set("0123456789+-(). ")


def checked_contact(update: ContactUpdate) -> ContactUpdate:
    """The update tidied (email trimmed, phone spaces collapsed), or CrmConflictError
    saying which field is not what it should be."""
    email = phone = None
    if update.email is not None:
        email = update.email.strip()
        if len(email) > MAX_EMAIL or EMAIL.fullmatch(email) is None:
            raise CrmConflictError(
                "That doesn't look like an email address. Please check it and try again."
            )
    if update.phone is not None:
        phone = " ".join(update.phone.split())
        digits = sum(c.isdigit() for c in phone)
        if not set(phone) <= _PHONE_CHARS or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
            raise CrmConflictError(
                "That doesn't look like a phone number. Please check it and try again."
            )
    return ContactUpdate(email=email, phone=phone)


def checked_address(address: Address) -> Address:
    required = (
        ("the first line", address.line1),
        ("the town or city", address.city),
        ("the postcode", address.postcode),
        ("the country", address.country),
    )
    for what, value in required:
        if not value or not value.strip():
            raise CrmConflictError(f"The new address is missing {what}.")
    return address
