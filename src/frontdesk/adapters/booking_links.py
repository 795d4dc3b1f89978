"""Signed, expiring links about bookings: manage (move or cancel), calendar file,
and the booking page with a verified customer's details.

A link's token is a JWT (HS256) under a key derived from the identity secret and
the link's purpose, so a manage token never opens a booking page, a customer token
is never either, and none of them can be altered without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import jwt

from frontdesk.core.booking.model import Booking
from frontdesk.core.conversation import Customer
from frontdesk.errors import BookingLinkError

ALGORITHM = "HS256"
MANAGE, CALENDAR, BOOK_PAGE = "booking-manage", "booking-calendar", "booking-page"
# A manage link works until a week after the appointment; a booking page for a day.
AFTER_APPOINTMENT = timedelta(days=7)
BOOK_PAGE_S = 24 * 3600
EXPIRED = (
    'This link has expired. Ask in the chat "when is my appointment?", or use the '
    "link in your most recent confirmation."
)
TAMPERED = (
    "This link isn't valid: it may have been copied incompletely. Please open it again "
    "from your confirmation, or ask in the chat."
)


@dataclass(frozen=True, slots=True)
class BookPageClaims:
    """What a booking-page link carries: who (if the shop vouched for them: their id)
    and the chat it came from."""

    customer: Customer | None
    conversation_id: str | None


class SignedBookingLinks:
    def __init__(self, secret: str, *, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("the booking link secret must be at least 16 characters")
        self._secret = secret
        self._clock = clock

    # -- issuing (the BookingLinks port) ---------------------------------------------

    def manage(self, booking: Booking) -> str:
        token = self._sign(MANAGE, {"ref": booking.ref}, self._booking_expiry(booking))
        return f"/appointments/manage?token={quote(token)}"

    def calendar(self, booking: Booking) -> str:
        token = self._sign(CALENDAR, {"ref": booking.ref}, self._booking_expiry(booking))
        return f"/appointments/{booking.ref}.ics?token={quote(token)}"

    def book_page(self, customer: Customer | None, conversation_id: str | None) -> str:
        claims: dict[str, object] = {}
        if customer is not None:
            claims["sub"] = customer.id  # ids only: the page reads name and email from the CRM
        if conversation_id:
            claims["conv"] = conversation_id
        token = self._sign(BOOK_PAGE, claims, int(self._clock()) + BOOK_PAGE_S)
        return f"/book?token={quote(token)}"

    # -- reading -----------------------------------------------------------------------

    def manage_ref(self, token: str) -> str:
        return str(self._verify(MANAGE, token)["ref"])

    def calendar_ref(self, token: str) -> str:
        return str(self._verify(CALENDAR, token)["ref"])

    def book_page_claims(self, token: str) -> BookPageClaims:
        claims = self._verify(BOOK_PAGE, token)
        customer = None
        if claims.get("sub"):
            customer = Customer(str(claims["sub"]))
        return BookPageClaims(customer, _optional(claims.get("conv")))

    # -- inside --------------------------------------------------------------------

    def _booking_expiry(self, booking: Booking) -> int:
        return int((booking.end + AFTER_APPOINTMENT).timestamp())

    def _key(self, purpose: str) -> str:
        digest = hmac.new(self._secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()

    def _sign(self, purpose: str, claims: dict[str, object], expires: int) -> str:
        body = {**claims, "aud": purpose, "iat": int(self._clock()), "exp": expires}
        return jwt.encode(body, self._key(purpose), algorithm=ALGORITHM)

    def _verify(self, purpose: str, token: str) -> dict[str, object]:
        if not token or len(token) > 4096:
            raise BookingLinkError(TAMPERED)
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                self._key(purpose),
                algorithms=[ALGORITHM],
                audience=purpose,
                options={"require": ["exp", "aud"], "verify_exp": False},
            )
        except jwt.InvalidTokenError as exc:
            raise BookingLinkError(TAMPERED, detail=str(exc)) from exc
        # Expiry checked against our own clock (tests move it), after the signature:
        # an altered token is "not valid" even when it is also old.
        expires = claims.get("exp")
        if not isinstance(expires, int) or expires < self._clock():
            raise BookingLinkError(EXPIRED)
        return claims


def _optional(value: object) -> str | None:
    return None if value is None or value == "" else str(value)[:320]
