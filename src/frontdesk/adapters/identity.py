"""Verified customers: a JWT (HS256) that the shop's own backend signs.

The browser only carries the token; the customer id inside it is believed because the
signature says the shop's backend wrote it, never because the browser says so.
"""

from __future__ import annotations

import hashlib
import hmac

import jwt

from frontdesk.core.conversation import Customer
from frontdesk.errors import IdentityError

ALGORITHM = "HS256"  # pinned: a token may not choose its own algorithm ("none", RS256 …)
LEEWAY_S = 30  # clock skew between the shop's backend and us
MAX_CLAIM = 200


class CustomerTokens:
    def __init__(self, secret: str | None, *, audience: str | None = None) -> None:
        self._secret = secret
        self._audience = audience

    @property
    def enabled(self) -> bool:
        return self._secret is not None

    def for_purpose(self, purpose: str) -> CustomerTokens:
        """Tokens for something else (the demo shop's session cookie), signed with a
        key derived from this one: they are never accepted as customer tokens, and
        customer tokens are never accepted as them."""
        if self._secret is None:
            return CustomerTokens(None, audience=purpose)
        key = hmac.new(self._secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256)
        return CustomerTokens(key.hexdigest(), audience=purpose)

    def verify(self, token: str) -> Customer:
        if self._secret is None:
            raise IdentityError(
                "This server does not accept customer tokens: set FRONTDESK_IDENTITY_SECRET "
                "to the secret your shop backend signs them with, or leave the token out to "
                "chat anonymously."
            )
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                leeway=LEEWAY_S,
                options={"require": ["sub", "exp"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise IdentityError(
                "The customer token has expired; have the shop backend issue a fresh one."
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise IdentityError(
                f"The customer token was not accepted ({exc}). It must be a JWT signed with "
                "HS256 and FRONTDESK_IDENTITY_SECRET, with `sub` (the customer id) and `exp`."
            ) from exc
        return Customer(
            id=_claim(claims, "sub", required=True) or "",
            name=_claim(claims, "name"),
            email=_claim(claims, "email"),
        )

    def issue(self, customer: Customer, *, lifetime_s: int = 3600, now: float) -> str:
        """What a shop backend does; the demo shop uses it for its signed-in customer."""
        if self._secret is None:
            raise IdentityError("No FRONTDESK_IDENTITY_SECRET to sign customer tokens with.")
        claims: dict[str, object] = {"sub": customer.id, "iat": int(now)}
        claims["exp"] = int(now) + lifetime_s
        if customer.name:
            claims["name"] = customer.name
        if customer.email:
            claims["email"] = customer.email
        if self._audience:
            claims["aud"] = self._audience
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)


def _claim(claims: dict[str, object], name: str, *, required: bool = False) -> str | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM:
        raise IdentityError(
            f"The customer token's `{name}` claim must be a non-empty string of at most "
            f"{MAX_CLAIM} characters."
        )
    return value.strip()
