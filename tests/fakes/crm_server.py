"""A local stand-in for a shop's REST CRM, for tests that run the real HTTP adapter.

It serves the contract in docs/crm-api.md under ``/api`` over an in-memory copy of a
DemoCrm, with the JSON that ``frontdesk.adapters.crm.wire`` writes:

    GET   /api/customers/{id}                     a profile, 404 when unknown
    GET   /api/customers?email=…                  a list (case-insensitive match)
    PATCH /api/customers/{id}                     {"email", "phone"} → the profile
    GET   /api/customers/{id}/addresses           a list, the default first
    GET   /api/customers/{id}/orders?limit=N      a list, newest first
    GET   /api/customers/{id}/orders/{oid}        404 when not this customer's
    PATCH /api/customers/{id}/orders/{oid}        {"shipping_address": {...}}; 409 unless processing
    POST  /api/customers/{id}/orders/{oid}/cancel 409 unless processing
    GET   /api/customers/{id}/subscription        404 when there is none
    GET   /api/customers/{id}/invoices?limit=N    {"items": [...]}, newest first
    POST  /oauth/token                            client credentials (Basic or form)

Credentials are checked on every CRM request (an API key header, or a bearer token
the token endpoint issued and that has neither expired nor been revoked); like some
real servers, refusals echo what was sent, so the client must never show them.

Faults, scripted from the test, apply to the next matching requests (CRM routes
unless ``path`` says otherwise, e.g. path="/oauth/token"): ``fail_next`` answers a
status (optionally with Retry-After), ``hang_next`` accepts and never answers,
``answer_next``/``malformed_next`` answer a canned body. ``revoke_tokens`` makes the
next CRM call get 401. It listens on a random 127.0.0.1 port in a daemon thread.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import SecretStr

from frontdesk.adapters.crm import wire
from frontdesk.adapters.crm.http_config import (
    ApiKeyAuth,
    CrmAuth,
    HttpCrmConfig,
    OAuthClientCredentials,
)
from frontdesk.core.account.model import (
    Address,
    Invoice,
    Order,
    OrderStatus,
    Profile,
    Subscription,
)
from frontdesk.demo.crm_seed import DemoCrm
from frontdesk.errors import CrmDataError

API_KEY = "crm-test-key-5f1e0c9a7b3d"
CLIENT_ID = "frontdesk-test"
CLIENT_SECRET = "crm-test-secret-9d8c7b6a5e4f"
BASE_PATH = "/api"
TOKEN_PATH = "/oauth/token"
HANG_LIMIT_S = 30.0  # a hung request gives up by itself if the server is never stopped

Reply = tuple[int, bytes, dict[str, str]]  # status, body, extra headers


@dataclass
class Recorded:
    method: str
    path: str  # as sent, still percent-encoded, without the query
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Fault:
    count: int
    path: str | None  # a prefix of the request path; None: any CRM route
    method: str | None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    hang_s: float | None = None
    delay_s: float | None = None  # answer as usual, only this much later

    def matches(self, method: str, path: str) -> bool:
        if self.count <= 0 or (self.method and self.method != method):
            return False
        if self.path is None:
            return path.startswith(BASE_PATH + "/")
        return path.startswith(self.path)


class FakeCrm:
    def __init__(
        self,
        crm: DemoCrm,
        *,
        auth: Literal["oauth", "api_key"] = "oauth",
        api_key_header: str = "X-API-Key",
        client_auth: Literal["basic", "post"] = "basic",
        token_lifetime_s: float = 3600.0,
    ) -> None:
        self.auth = auth
        self.api_key_header = api_key_header
        self.client_auth = client_auth
        self.token_lifetime_s = token_lifetime_s
        self.profiles = {c.profile.id: c.profile for c in crm.customers}
        self.addresses = {c.profile.id: list(c.addresses) for c in crm.customers}
        self.orders = {o.id: o for o in crm.orders}
        self.invoices = list(crm.invoices)
        self.subscriptions = dict(crm.subscriptions)
        # Invoices whose card goes out as a full number, as a careless CRM might send it.
        self.card_numbers: dict[str, str] = {}
        self.requests: list[Recorded] = []
        self.token_requests: list[Recorded] = []
        self.client_auth_seen: list[str] = []  # "basic" or "post", per token request
        self.issued_tokens: list[str] = []
        self.faults: list[Fault] = []
        self._tokens: dict[str, float] = {}  # token → expiry (monotonic)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return self.origin + BASE_PATH

    def start(self) -> FakeCrm:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hung requests
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def credentials(self) -> CrmAuth:
        if self.auth == "api_key":
            return ApiKeyAuth(SecretStr(API_KEY), self.api_key_header)
        return OAuthClientCredentials(
            token_url=self.origin + TOKEN_PATH,
            client_id=CLIENT_ID,
            client_secret=SecretStr(CLIENT_SECRET),
            scope="crm.read crm.write",
            client_auth=self.client_auth,
        )

    def settings(self, **overrides: Any) -> HttpCrmConfig:
        """The adapter's config for this server; ``overrides`` replace any field."""
        return HttpCrmConfig(**{"base_url": self.url, "auth": self.credentials(), **overrides})

    # -- scripting -------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        retry_after: str | float | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        body = json.dumps({"error": {"message": f"Error {status}"}}).encode()
        self._add(Fault(count, path, method, status=status, headers=headers, body=body))

    def slow_next(self, count: int, seconds: float) -> None:
        """The next ``count`` CRM calls answer correctly, each ``seconds`` late."""
        self._add(Fault(count, None, None, delay_s=seconds))

    def hang_next(self, count: int = 1, seconds: float = 10.0, *, path: str | None = None) -> None:
        self._add(Fault(count, path, None, hang_s=seconds))

    def answer_next(
        self,
        body: object,
        *,
        status: int = 200,
        count: int = 1,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer with ``body``: bytes as they are, anything else as JSON."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self._add(Fault(count, path, method, status=status, body=raw))

    def malformed_next(self, count: int = 1, body: bytes = b"<html>Bad gateway</html>") -> None:
        self.answer_next(body, count=count)

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def crm_calls(self, path: str = "", method: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if r.path.startswith(BASE_PATH + path) and (method is None or r.method == method)
            )

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    return fault
        return None

    # -- request handling (called from server threads) --------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Reply | None:
        """The reply, or None to close the connection without one."""
        parts = urlsplit(target)
        recorded = Recorded(method, parts.path, parts.query, headers, body)
        with self._lock:
            is_token = parts.path == TOKEN_PATH
            (self.token_requests if is_token else self.requests).append(recorded)
        fault = self._fault_for(method, parts.path)
        if fault is not None and fault.hang_s is not None:
            self._stopping.wait(min(fault.hang_s, HANG_LIMIT_S))
            return None
        if fault is not None and fault.delay_s is not None:
            self._stopping.wait(fault.delay_s)
        elif fault is not None and fault.status is not None:
            return fault.status, fault.body or b"", fault.headers
        if is_token:
            return self._token(method, headers, body)
        refused = self._check_credentials(headers)
        if refused is not None:
            return refused
        if not parts.path.startswith(BASE_PATH + "/"):
            return _error(404, "No such route")
        segments = [unquote(s) for s in parts.path[len(BASE_PATH) + 1 :].split("/")]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            return self._route(method, segments, query, body)

    def _check_credentials(self, headers: dict[str, str]) -> Reply | None:
        if self.auth == "api_key":
            sent = headers.get(self.api_key_header.lower(), "")
            expected = (
                f"Bearer {API_KEY}" if self.api_key_header.lower() == "authorization" else API_KEY
            )
            return None if sent == expected else _error(401, f"Invalid API key: {sent}")
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None or time.monotonic() >= expiry:
            return _error(401, f"Invalid or expired access token {token}")
        return None

    def _token(self, method: str, headers: dict[str, str], body: bytes) -> Reply:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if method != "POST" or form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type"})
        client_id, secret, how = _client_credentials(headers, form)
        with self._lock:
            self.client_auth_seen.append(how)
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            # Echo the secret like a careless server: the client must not repeat it.
            return _json(401, {"error": "invalid_client", "error_description": f"bad {secret}"})
        token = secrets.token_urlsafe(24)
        lifetime = self.token_lifetime_s
        with self._lock:
            self._tokens[token] = time.monotonic() + lifetime
            self.issued_tokens.append(token)
        return _json(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": int(lifetime) if float(lifetime).is_integer() else lifetime,
                "scope": form.get("scope", ""),
            },
        )

    # -- the CRM --------------------------------------------------------------------

    def _route(self, method: str, segments: list[str], query: dict[str, str], body: bytes) -> Reply:
        match (method, segments):
            case ("GET", ["customers"]):
                return self._find(query.get("email", ""))
            case ("GET", ["customers", cid]):
                return self._profile(cid)
            case ("PATCH", ["customers", cid]):
                return self._update_contact(cid, body)
            case ("GET", ["customers", cid, "addresses"]):
                return self._known(cid) or _json(
                    200, [wire.address_to_json(a) for a in self.addresses[cid]]
                )
            case ("GET", ["customers", cid, "orders"]):
                return self._known(cid) or _json(
                    200, [wire.order_to_json(o) for o in self._orders_of(cid, query)]
                )
            case ("GET", ["customers", cid, "orders", oid]):
                order = self._order(cid, oid)
                return _error(404, "No such order") if order is None else _order_reply(order)
            case ("PATCH", ["customers", cid, "orders", oid]):
                return self._readdress(cid, oid, body)
            case ("POST", ["customers", cid, "orders", oid, "cancel"]):
                return self._cancel(cid, oid)
            case ("GET", ["customers", cid, "subscription"]):
                return self._subscription(cid)
            case ("GET", ["customers", cid, "invoices"]):
                return self._known(cid) or _json(
                    200, {"items": [self._invoice_json(i) for i in self._invoices_of(cid, query)]}
                )
        return _error(404, "No such route")

    def _known(self, cid: str) -> Reply | None:
        return None if cid in self.profiles else _error(404, "No such customer")

    def _find(self, email: str) -> Reply:
        wanted = email.strip().casefold()
        found = [p for p in self.profiles.values() if p.email.casefold() == wanted]
        return _json(200, [wire.profile_to_json(p) for p in found])

    def _profile(self, cid: str) -> Reply:
        profile = self.profiles.get(cid)
        return _error(404, "No such customer") if profile is None else _profile_reply(profile)

    def _orders_of(self, cid: str, query: dict[str, str]) -> list[Order]:
        mine = sorted(
            (o for o in self.orders.values() if o.customer_id == cid),
            key=lambda o: o.placed_at,
            reverse=True,
        )
        return mine[: _limit(query)]

    def _invoices_of(self, cid: str, query: dict[str, str]) -> list[Invoice]:
        mine = sorted(
            (i for i in self.invoices if i.customer_id == cid),
            key=lambda i: i.issued_at,
            reverse=True,
        )
        return mine[: _limit(query)]

    def _invoice_json(self, invoice: Invoice) -> dict[str, Any]:
        data = wire.invoice_to_json(invoice)
        if invoice.id in self.card_numbers:
            del data["card_last4"]
            data["card_number"] = self.card_numbers[invoice.id]
        return data

    def _order(self, cid: str, oid: str) -> Order | None:
        order = self.orders.get(oid)
        return order if order is not None and order.customer_id == cid else None

    def _subscription(self, cid: str) -> Reply:
        plan: Subscription | None = self.subscriptions.get(cid)
        if cid not in self.profiles or plan is None:
            return _error(404, "No subscription")
        return _json(200, wire.subscription_to_json(plan))

    def _update_contact(self, cid: str, body: bytes) -> Reply:
        profile = self.profiles.get(cid)
        if profile is None:
            return _error(404, "No such customer")
        change = _body(body)
        email, phone = change.get("email"), change.get("phone")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            return _error(422, "That email address doesn't look right.")
        if phone is not None and not isinstance(phone, str):
            return _error(422, "That phone number doesn't look right.")
        if email and any(
            p.email.casefold() == email.casefold() for p in self.profiles.values() if p.id != cid
        ):
            return _error(409, "That email address is already used by another account.")
        updated = dataclasses.replace(
            profile, email=email or profile.email, phone=phone or profile.phone
        )
        self.profiles[cid] = updated
        return _profile_reply(updated)

    def _readdress(self, cid: str, oid: str, body: bytes) -> Reply:
        order = self._order(cid, oid)
        if order is None:
            return _error(404, "No such order")
        try:
            address = wire.address_from_json(_body(body).get("shipping_address"))
        except CrmDataError:
            return _error(422, "That address is incomplete.")
        if order.status is not OrderStatus.PROCESSING:
            return _error(409, f"Order #{oid} is {order.status.value}: its address is fixed.")
        updated = dataclasses.replace(order, shipping_address=_typed(address))
        self.orders[oid] = updated
        return _order_reply(updated)

    def _cancel(self, cid: str, oid: str) -> Reply:
        order = self._order(cid, oid)
        if order is None:
            return _error(404, "No such order")
        if order.status is not OrderStatus.PROCESSING:
            return _error(409, f"Order #{oid} is {order.status.value}: it can't be cancelled.")
        updated = dataclasses.replace(
            order,
            status=OrderStatus.CANCELLED,
            cancelled_at=datetime.now(UTC).replace(microsecond=0),
        )
        self.orders[oid] = updated
        return _order_reply(updated)


@contextmanager
def running_crm_server(
    crm: DemoCrm,
    *,
    auth: Literal["oauth", "api_key"] = "oauth",
    api_key_header: str = "X-API-Key",
    client_auth: Literal["basic", "post"] = "basic",
    token_lifetime_s: float = 3600.0,
) -> Iterator[FakeCrm]:
    server = FakeCrm(
        crm,
        auth=auth,
        api_key_header=api_key_header,
        client_auth=client_auth,
        token_lifetime_s=token_lifetime_s,
    ).start()
    try:
        yield server
    finally:
        server.stop()


def _client_credentials(headers: dict[str, str], form: dict[str, str]) -> tuple[str, str, str]:
    basic = headers.get("authorization", "")
    if basic.startswith("Basic "):
        decoded = base64.b64decode(basic.removeprefix("Basic ")).decode()
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret), "basic"
    return form.get("client_id", ""), form.get("client_secret", ""), "post"


def _typed(address: Address) -> Address:
    # A typed address is not one of the saved ones, whatever id the client sent.
    return dataclasses.replace(address, id=None, label=None)


def _limit(query: dict[str, str]) -> int:
    try:
        return max(1, int(query.get("limit", "10")))
    except ValueError:
        return 10


def _body(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _profile_reply(profile: Profile) -> Reply:
    return _json(200, wire.profile_to_json(profile))


def _order_reply(order: Order) -> Reply:
    return _json(200, wire.order_to_json(order))


def _json(status: int, payload: object) -> Reply:
    return status, json.dumps(payload).encode(), {}


def _error(status: int, message: str) -> Reply:
    return _json(status, {"error": {"message": message}})


def _handler_for(fake: FakeCrm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, a keep-alive client's
        # delayed ACK held every answer back 40 ms.
        disable_nagle_algorithm = True
        # Headers and body go out in separate writes: without this, delayed ACKs add
        # ~40 ms to every request on a kept-alive connection.
        disable_nagle_algorithm = True

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = fake.handle(method, self.path, headers, body)
            if reply is None:
                self.close_connection = True  # hung: never answer
                return
            status, data, extra = reply
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler
