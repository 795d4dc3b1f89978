"""CustomerDirectory over a shop's own REST CRM (FRONTDESK_CRM=http).

The contract (paths, JSON shapes, statuses) is docs/crm-api.md; http_session.py holds
the deadline, retries and circuit breaker, http_auth.py the credentials. This module
maps operations to requests and answers to records, and never trusts the CRM to have
scoped them: an order, invoice or profile that is not the requested customer's is
treated as not found (and logged), because showing one shopper another's order is the
worst thing this adapter could do.

Status mapping: reads take 404 as "no such record" (None, or [] for lists); writes
raise CrmNotFoundError on 404 and CrmConflictError on 409 and on 400/422 (the CRM
refused the change: the port has no "invalid input" error, and a conflict is what the
account flows already explain to shoppers). Any other unexpected status, a body that
is not JSON or a record of the wrong shape raise CrmDataError.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from frontdesk.adapters.crm import wire
from frontdesk.adapters.crm.circuit import CircuitBreaker, CircuitState
from frontdesk.adapters.crm.http_auth import authenticator
from frontdesk.adapters.crm.http_config import ApiKeyAuth, HttpCrmConfig
from frontdesk.adapters.crm.http_session import Answer, CrmSession
from frontdesk.core.account.checks import checked_address, checked_contact
from frontdesk.core.account.model import (
    Address,
    ContactUpdate,
    CrmUpdate,
    Invoice,
    Order,
    Profile,
    Subscription,
)
from frontdesk.errors import CrmConflictError, CrmDataError, CrmNotFoundError

__all__ = ["HttpCrmConfig", "HttpCustomerDirectory"]

log = logging.getLogger("frontdesk.crm")
# httpx logs each request's URL at INFO, and find_by_email's URL holds the shopper's
# email: only its warnings reach the log.
logging.getLogger("httpx").setLevel(logging.WARNING)

T = TypeVar("T")
_UNREADABLE = "The shop's customer system sent data I could not read."
_NOT_FOUND = {
    "update_contact": "I couldn't find your account in the shop's system.",
    "update_order_address": "I couldn't find that order on your account.",
    "cancel_order": "I couldn't find that order on your account.",
}
_CONFLICT = {
    "update_contact": "The shop's system couldn't save those contact details.",
    "update_order_address": "That order's delivery address can no longer be changed.",
    "cancel_order": "That order can no longer be cancelled.",
}
_REFUSED = {
    "update_contact": "The shop's system didn't accept those contact details. "
    "Please check them and try again.",
    "update_order_address": "The shop's system didn't accept that address. "
    "Please check it and try again.",
    "cancel_order": "The shop's system couldn't cancel that order.",
}
# The embedded CRM's rules for contact details (sql_directory.py), kept in step.
_MESSAGE_CHARS = 200
_NOT_PLAIN = set("<>{}[]\\`")


class HttpCustomerDirectory:
    """Asks the shop's CRM on every call; thread-safe.

    ``transport`` replaces the network (tests); ``clock`` (monotonic seconds) drives
    the circuit breaker and token expiry, so tests can move time by hand. Deadlines
    always run on the real monotonic clock: they bound real waiting.
    """

    def __init__(
        self,
        config: HttpCrmConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,  # a redirect could carry credentials to another host
            headers={"Accept": "application/json", "User-Agent": "frontdesk-crm"},
        )
        self._breaker = CircuitBreaker(
            self.name, config.breaker_failures, config.breaker_reset_s, clock
        )
        self._session = CrmSession(
            config, self._client, authenticator(config, clock), self._breaker, sleep
        )

    @property
    def keeps_copy(self) -> bool:
        return False

    @property
    def name(self) -> str:
        return f"http:{self._config.host}"

    @property
    def circuit(self) -> CircuitState:
        return self._breaker.state

    # -- reads ----------------------------------------------------------------------

    def customer(self, customer_id: str) -> Profile | None:
        body = self._read("customer", customer_id=customer_id)
        if body is None:
            return None
        profile = self._parse("customer", wire.profile_from_json, body)
        return profile if self._owned("customer", profile.id, customer_id) else None

    def find_by_email(self, email: str) -> Profile | None:
        wanted = email.strip().casefold()
        body = self._read("find_by_email", email=email.strip()) if wanted else None
        if body is None:
            return None
        profiles = self._parse_list("find_by_email", "customers", wire.profile_from_json, body)
        # A CRM that ignored the filter would otherwise hand over its first customer.
        return next((p for p in profiles if p.email.strip().casefold() == wanted), None)

    def addresses(self, customer_id: str) -> list[Address]:
        body = self._read("addresses", customer_id=customer_id)
        if body is None:
            return []
        return self._parse_list("addresses", "addresses", wire.address_from_json, body)

    def orders(self, customer_id: str, limit: int = 10) -> list[Order]:
        if limit < 1:
            return []
        body = self._read("orders", customer_id=customer_id, limit=str(limit))
        if body is None:
            return []
        orders = self._parse_list("orders", "orders", wire.order_from_json, body)
        mine = [o for o in orders if self._owned("orders", o.customer_id, customer_id)]
        return sorted(mine, key=lambda o: o.placed_at, reverse=True)[:limit]

    def order(self, customer_id: str, order_id: str) -> Order | None:
        order_id = order_id.strip().lstrip("#")
        body = self._read("order", customer_id=customer_id, order_id=order_id)
        if body is None:
            return None
        order = self._parse("order", wire.order_from_json, body)
        return order if self._is_order(order, customer_id, order_id) else None

    def subscription(self, customer_id: str) -> Subscription | None:
        body = self._read("subscription", customer_id=customer_id)
        if body is None:
            return None
        return self._parse("subscription", wire.subscription_from_json, body)

    def invoices(self, customer_id: str, limit: int = 10) -> list[Invoice]:
        if limit < 1:
            return []
        body = self._read("invoices", customer_id=customer_id, limit=str(limit))
        if body is None:
            return []
        invoices = self._parse_list("invoices", "invoices", wire.invoice_from_json, body)
        mine = [i for i in invoices if self._owned("invoices", i.customer_id, customer_id)]
        return sorted(mine, key=lambda i: i.issued_at, reverse=True)[:limit]

    # -- writes ---------------------------------------------------------------------

    def update_contact(self, customer_id: str, update: ContactUpdate) -> Profile:
        change = _contact_change(update)
        if not change:
            profile = self.customer(customer_id)
            if profile is None:
                raise CrmNotFoundError(_NOT_FOUND["update_contact"])
            return profile
        body = self._write("update_contact", change, customer_id=customer_id)
        profile = self._parse("update_contact", wire.profile_from_json, body)
        if not self._owned("update_contact", profile.id, customer_id):
            raise CrmNotFoundError(_NOT_FOUND["update_contact"])
        return profile

    def update_order_address(self, customer_id: str, order_id: str, address: Address) -> Order:
        change = {"shipping_address": wire.address_to_json(checked_address(address))}
        return self._order_write("update_order_address", customer_id, order_id, change)

    def cancel_order(self, customer_id: str, order_id: str) -> Order:
        return self._order_write("cancel_order", customer_id, order_id, None)

    def apply_update(self, update: CrmUpdate) -> None:
        """Nothing to store: every read asks the CRM."""

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpCustomerDirectory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------

    def _url(self, operation: str, params: dict[str, str]) -> tuple[str, str, str]:
        """(method, URL, label): every value quoted so none can change the path."""
        method, template = self._config.request(operation)
        url = self._config.base_url + template.format(**{k: _quote(v) for k, v in params.items()})
        return method, url, f"{method} {template}"

    def _read(self, operation: str, **params: str) -> Any:
        """The JSON body, or None for 404 (and for blank ids, which match nothing)."""
        if any(not v.strip() for v in params.values()):
            return None
        method, url, label = self._url(operation, params)
        answer = self._session.call(label, method, url)
        if answer.status in (404, 204):
            return None
        if answer.status != 200:
            raise self._unexpected(label, answer)
        return _json(label, answer)

    def _write(self, operation: str, body: dict[str, Any] | None, **params: str) -> Any:
        if any(not v.strip() for v in params.values()):
            raise CrmNotFoundError(_NOT_FOUND[operation])
        method, url, label = self._url(operation, params)
        answer = self._session.call(label, method, url, body)
        if answer.status in (200, 201):
            return _json(label, answer)
        if answer.status == 404:
            raise CrmNotFoundError(_NOT_FOUND[operation])
        if answer.status == 409:
            raise CrmConflictError(
                self._plain(answer) or _CONFLICT[operation], detail=f"{label}: HTTP 409"
            )
        if answer.status in (400, 422):
            raise CrmConflictError(
                self._plain(answer) or _REFUSED[operation],
                detail=f"{label}: HTTP {answer.status}",
            )
        raise self._unexpected(label, answer)

    def _order_write(
        self, operation: str, customer_id: str, order_id: str, change: dict[str, Any] | None
    ) -> Order:
        order_id = order_id.strip().lstrip("#")
        body = self._write(operation, change, customer_id=customer_id, order_id=order_id)
        order = self._parse(operation, wire.order_from_json, body)
        if not self._is_order(order, customer_id, order_id):
            raise CrmNotFoundError(_NOT_FOUND[operation])
        return order

    # -- answers --------------------------------------------------------------------

    def _parse(self, operation: str, parse: Callable[[object], T], body: object) -> T:
        try:
            return parse(body)
        except CrmDataError as exc:
            raise _data_error(operation, exc.detail or "bad record") from None

    def _parse_list(
        self, operation: str, what: str, parse: Callable[[object], T], body: object
    ) -> list[T]:
        try:
            return wire.list_from_json(body, what, parse)
        except CrmDataError as exc:
            raise _data_error(operation, exc.detail or "bad list") from None

    def _owned(self, operation: str, owner: str, customer_id: str) -> bool:
        if owner == customer_id:
            return True
        log.warning(
            "CRM %s for customer %s answered with a record of customer %s; ignored",
            operation,
            customer_id,
            owner,
        )
        return False

    def _is_order(self, order: Order, customer_id: str, order_id: str) -> bool:
        if order.id != order_id:
            log.warning("CRM answered order %s when asked for %s; ignored", order.id, order_id)
            return False
        return self._owned("order", order.customer_id, customer_id)

    def _plain(self, answer: Answer) -> str | None:
        """The CRM's own message from ``{"error": {"message": ...}}`` when it is short
        plain text a shopper can read (not markup, JSON or a stack trace)."""
        try:
            body = json.loads(answer.body)
        except ValueError:
            return None
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        if not isinstance(message, str):
            return None
        text = " ".join(message.split())
        if not text or len(text) > _MESSAGE_CHARS or _NOT_PLAIN & set(text):
            return None
        if not text.isprintable() or "Traceback" in text or self._holds_secret(text):
            return None
        return text

    def _holds_secret(self, text: str) -> bool:
        auth = self._config.auth
        secret = auth.key if isinstance(auth, ApiKeyAuth) else auth.client_secret
        value = secret.get_secret_value()
        return bool(value) and value in text

    def _unexpected(self, label: str, answer: Answer) -> CrmDataError:
        detail = f"{label}: unexpected HTTP {answer.status}"
        log.warning("CRM %s", detail)
        return CrmDataError(_UNREADABLE, detail=detail)


def _contact_change(update: ContactUpdate) -> dict[str, str]:
    checked = checked_contact(update)
    change = {"email": checked.email, "phone": checked.phone}
    return {field: value for field, value in change.items() if value is not None}


def _quote(value: str) -> str:
    quoted = quote(value, safe="")
    # "." and ".." are path steps even when quoted by quote(); %2E is not.
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def _json(label: str, answer: Answer) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        kind = answer.headers.get("content-type", "no content type")[:60]
        raise _data_error(
            label, f"the body is not JSON ({kind}, {len(answer.body)} bytes)"
        ) from None


def _data_error(where: str, detail: str) -> CrmDataError:
    log.warning("CRM %s answered unreadable data: %s", where, detail)
    return CrmDataError(_UNREADABLE, detail=f"{where}: {detail}")
