"""The HTTP CRM adapter against a real local CRM server (tests/fakes/crm_server.py):
every read and write, both kinds of credentials, retries within one deadline, the
circuit breaker, malformed answers, scoping to the customer, and no secret in any log
line or error."""

from __future__ import annotations

import email.utils
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from frontdesk.adapters.crm import wire
from frontdesk.adapters.crm.circuit import CircuitBreaker, CircuitState
from frontdesk.adapters.crm.http_config import (
    ApiKeyAuth,
    HttpCrmConfig,
    OAuthClientCredentials,
    http_config_from_settings,
)
from frontdesk.adapters.crm.http_directory import HttpCustomerDirectory
from frontdesk.adapters.crm.http_session import UNKNOWN_OUTCOME_MESSAGE
from frontdesk.config import Settings, load_settings
from frontdesk.core.account.model import Address, ContactUpdate, OrderStatus
from frontdesk.demo.crm_seed import DemoCrm, demo_crm
from frontdesk.errors import (
    ConfigError,
    CrmConflictError,
    CrmDataError,
    CrmNotFoundError,
    CrmUnavailableError,
    FrontdeskError,
)
from tests.crm_backends import seed_time
from tests.fakes.crm_server import API_KEY, CLIENT_SECRET, FakeCrm, running_crm_server

ALEX, PRIYA = "cus_1001", "cus_1002"
PROCESSING, SHIPPED = "1059", "1055"  # Alex's
PRIYAS_ORDER = "1057"
CANCEL = "/customers/cus_1001/orders/1059/cancel"
# Small budgets where a test is not about the real 3 s promise.
QUICK: dict[str, Any] = {"deadline_s": 0.6, "backoff_s": 0.01, "max_backoff_s": 0.05}


class Clock:
    """A monotonic clock the test moves by hand (breaker and token expiry)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Waits:
    """Records the waits between attempts instead of sleeping."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


Connect = Callable[..., HttpCustomerDirectory]


@pytest.fixture(scope="module")
def seed() -> DemoCrm:
    return demo_crm(seed_time())


@pytest.fixture
def server(seed: DemoCrm) -> Iterator[FakeCrm]:
    with running_crm_server(seed) as fake:
        yield fake


@pytest.fixture
def key_server(seed: DemoCrm) -> Iterator[FakeCrm]:
    with running_crm_server(seed, auth="api_key") as fake:
        yield fake


@pytest.fixture
def connect() -> Iterator[Connect]:
    """connect(server, clock=..., sleep=..., **config overrides) → an open directory."""
    opened: list[HttpCustomerDirectory] = []

    def _connect(
        fake: FakeCrm,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        **overrides: Any,
    ) -> HttpCustomerDirectory:
        directory = HttpCustomerDirectory(fake.settings(**overrides), clock=clock, sleep=sleep)
        opened.append(directory)
        return directory

    yield _connect
    for directory in opened:
        directory.close()


def unavailable(call: Callable[[], object]) -> CrmUnavailableError:
    with pytest.raises(CrmUnavailableError) as caught:
        call()
    return caught.value


# -- reads and writes ---------------------------------------------------------------


def test_reads_return_the_customers_records(server: FakeCrm, connect: Connect) -> None:
    crm = connect(server)
    assert crm.name == "http:127.0.0.1"
    profile = crm.customer(ALEX)
    assert profile is not None and profile.name == "Alex Morgan"
    assert crm.customer("cus_9999") is None
    assert crm.find_by_email("  ALEX.Morgan@example.com ") == profile
    assert crm.find_by_email("nobody@example.com") is None
    assert [a.label for a in crm.addresses(ALEX)] == ["Home", "Work"]
    assert crm.addresses("cus_9999") == []
    orders = crm.orders(ALEX, limit=3)
    assert [o.id for o in orders] == ["1059", "1055", "1043"]
    assert orders[0].items and orders[1].shipment is not None
    order = crm.order(ALEX, "#1059")
    assert order is not None and order.status is OrderStatus.PROCESSING
    assert crm.order(ALEX, PRIYAS_ORDER) is None  # somebody else's: unknown
    plan = crm.subscription(ALEX)
    assert plan is not None and plan.return_days == 60
    assert crm.subscription(PRIYA) is None  # 404: no plan
    invoices = crm.invoices(ALEX, limit=2)
    assert [i.id for i in invoices] == ["INV-1059", "INV-1055"]
    assert invoices[0].card_last4 == "4242"


def test_writes_change_the_crm_and_refuse_what_does_not_fit(
    server: FakeCrm, connect: Connect
) -> None:
    crm = connect(server)
    updated = crm.update_contact(ALEX, ContactUpdate(phone="07700 900999"))
    assert updated.phone == "07700 900999" and updated.email == "alex.morgan@example.com"
    assert server.requests[-1].body == b'{"phone":"07700 900999"}'  # None fields left out

    new_home = Address("1 New Street", "Bath", "ba1 1aa")
    moved = crm.update_order_address(ALEX, PROCESSING, new_home)
    assert moved.shipping_address.one_line() == "1 New Street, Bath, BA1 1AA"
    with pytest.raises(CrmConflictError) as shipped:
        crm.update_order_address(ALEX, SHIPPED, new_home)
    assert shipped.value.message == "Order #1055 is shipped: its address is fixed."

    cancelled = crm.cancel_order(ALEX, PROCESSING)
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.cancelled_at is not None
    stored = crm.order(ALEX, PROCESSING)
    assert stored is not None and stored.status is OrderStatus.CANCELLED
    with pytest.raises(CrmConflictError):
        crm.cancel_order(ALEX, PROCESSING)
    with pytest.raises(CrmNotFoundError):
        crm.cancel_order(ALEX, PRIYAS_ORDER)  # Priya's order, asked for as Alex
    with pytest.raises(CrmNotFoundError):
        crm.update_order_address(ALEX, "9999", new_home)
    with pytest.raises(CrmNotFoundError):
        crm.update_contact("cus_9999", ContactUpdate(phone="07700 900999"))


def test_a_refused_update_is_a_conflict_with_the_crms_plain_message(
    server: FakeCrm, connect: Connect
) -> None:
    crm = connect(server)
    server.answer_next({"error": {"message": "Phone numbers must be UK mobiles."}}, status=422)
    with pytest.raises(CrmConflictError) as refused:
        crm.update_contact(ALEX, ContactUpdate(phone="+1 202 555 0100"))
    assert refused.value.message == "Phone numbers must be UK mobiles."
    assert "422" in (refused.value.detail or "")
    with pytest.raises(CrmConflictError) as taken:
        crm.update_contact(ALEX, ContactUpdate(email="PRIYA.shah@example.com"))
    assert "another account" in taken.value.message
    # Markup or a stack trace is not shown to a shopper: a message of our own is.
    server.answer_next({"error": {"message": "<h1>Traceback (most recent call last)"}}, status=409)
    with pytest.raises(CrmConflictError) as ugly:
        crm.cancel_order(ALEX, PROCESSING)
    assert ugly.value.message == "That order can no longer be cancelled."


def test_malformed_contact_details_are_refused_before_the_crm_sees_them(
    server: FakeCrm, connect: Connect
) -> None:
    crm = connect(server)
    calls = server.crm_calls()
    for bad in (ContactUpdate(email="alex@"), ContactUpdate(email=""), ContactUpdate(phone="12")):
        with pytest.raises(CrmConflictError, match="doesn't look like"):
            crm.update_contact(ALEX, bad)
    with pytest.raises(CrmConflictError, match="missing the postcode"):
        crm.update_order_address(ALEX, PROCESSING, Address("1 New Street", "Bath", " "))
    assert server.crm_calls() == calls


# -- credentials ----------------------------------------------------------------------


def test_an_api_key_goes_in_its_header_and_a_wrong_one_is_a_clear_failure(
    key_server: FakeCrm, connect: Connect
) -> None:
    crm = connect(key_server)
    assert crm.customer(ALEX) is not None
    assert key_server.requests[-1].headers["x-api-key"] == API_KEY
    wrong = ApiKeyAuth(SecretStr("wrong-key-123456"))
    error = unavailable(lambda: connect(key_server, auth=wrong).customer(ALEX))
    assert "FRONTDESK_CRM_API_KEY" in (error.detail or "") and "401" in (error.detail or "")
    assert "wrong-key-123456" not in f"{error} {error.detail}"
    assert key_server.crm_calls() == 2  # a refused key is not retried


def test_an_api_key_in_the_authorization_header_goes_as_a_bearer(
    seed: DemoCrm, connect: Connect
) -> None:
    with running_crm_server(seed, auth="api_key", api_key_header="Authorization") as fake:
        crm = connect(fake)
        assert crm.customer(ALEX) is not None
        assert fake.requests[-1].headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("client_auth", ["basic", "post"])
def test_an_oauth_token_is_fetched_once_and_reused(
    seed: DemoCrm, connect: Connect, client_auth: str
) -> None:
    with running_crm_server(seed, client_auth=client_auth) as fake:  # type: ignore[arg-type]
        crm = connect(fake)
        for _ in range(3):
            assert crm.customer(ALEX) is not None
        assert len(fake.token_requests) == 1 and fake.client_auth_seen == [client_auth]
        form = fake.token_requests[0].body.decode()
        assert "grant_type=client_credentials" in form and "scope=crm.read+crm.write" in form
        assert ("client_secret=" in form) == (client_auth == "post")


def test_threads_share_one_token_fetch(server: FakeCrm, connect: Connect) -> None:
    crm = connect(server)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            crm.orders(ALEX, limit=1)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == [] and len(server.token_requests) == 1


def test_the_token_is_refreshed_before_it_expires(seed: DemoCrm, connect: Connect) -> None:
    clock = Clock()
    with running_crm_server(seed, token_lifetime_s=300) as fake:
        crm = connect(fake, clock=clock)
        crm.customer(ALEX)
        clock.now += 260  # still 40 s left: more than the 30 s margin
        crm.customer(ALEX)
        assert len(fake.token_requests) == 1
        clock.now += 15  # 25 s left: replaced before the CRM could refuse it
        crm.customer(ALEX)
        assert len(fake.token_requests) == 2
        assert fake.requests[-1].headers["authorization"] == f"Bearer {fake.issued_tokens[1]}"


def test_a_revoked_token_is_replaced_once_and_the_call_repeated(
    server: FakeCrm, connect: Connect
) -> None:
    crm = connect(server)
    crm.customer(ALEX)
    server.revoke_tokens()
    assert crm.customer(ALEX) is not None
    assert len(server.token_requests) == 2 and server.crm_calls() == 3
    # A CRM that refuses every token: one refresh, one more try, then a clear failure.
    server.fail_next(401, count=10)
    error = unavailable(lambda: crm.customer(ALEX))
    assert "FRONTDESK_CRM_SCOPE" in (error.detail or "")
    assert len(server.token_requests) == 3 and server.crm_calls() == 5


def test_a_failing_token_endpoint_is_unavailability(server: FakeCrm, connect: Connect) -> None:
    server.fail_next(503, count=10, path="/oauth/token")
    error = unavailable(lambda: connect(server, **QUICK).customer(ALEX))
    assert "token endpoint" in (error.detail or "")
    assert server.crm_calls() == 0 and len(server.token_requests) == 3  # retried, bounded


def test_refused_client_credentials_name_the_settings_not_the_secret(
    server: FakeCrm, connect: Connect
) -> None:
    wrong = OAuthClientCredentials(
        token_url=server.origin + "/oauth/token",
        client_id="frontdesk-test",
        client_secret=SecretStr("wrong-secret-abcdef"),
    )
    error = unavailable(lambda: connect(server, auth=wrong).customer(ALEX))
    detail = error.detail or ""
    assert "invalid_client" in detail and "FRONTDESK_CRM_CLIENT_SECRET" in detail
    assert "wrong-secret-abcdef" not in f"{error} {detail}"
    assert len(server.token_requests) == 1  # refused credentials are not retried


# -- retries within one deadline ----------------------------------------------------


def test_429_waits_as_retry_after_says_then_succeeds(server: FakeCrm, connect: Connect) -> None:
    waits = Waits()
    server.fail_next(429, retry_after=0.5)
    assert connect(server, sleep=waits).customer(ALEX) is not None
    assert waits.seconds == [0.5] and server.crm_calls() == 2


def test_retry_after_as_an_http_date_is_honoured(server: FakeCrm, connect: Connect) -> None:
    waits = Waits()
    server.fail_next(503, retry_after=email.utils.formatdate(time.time() + 1, usegmt=True))
    assert connect(server, sleep=waits).customer(ALEX) is not None
    assert len(waits.seconds) == 1 and 0 <= waits.seconds[0] <= 1.5


def test_a_retry_after_past_the_deadline_gives_up_at_once(
    server: FakeCrm, connect: Connect
) -> None:
    waits = Waits()
    server.fail_next(429, retry_after=5)
    error = unavailable(lambda: connect(server, sleep=waits).customer(ALEX))
    assert waits.seconds == [] and server.crm_calls() == 1
    assert "429" in (error.detail or "")


def test_500s_then_success(server: FakeCrm, connect: Connect) -> None:
    waits = Waits()
    server.fail_next(500, count=2)
    assert connect(server, sleep=waits).orders(ALEX, limit=1)
    assert server.crm_calls() == 3 and len(waits.seconds) == 2
    assert waits.seconds[0] <= 0.1 and waits.seconds[1] <= 0.2  # backoff 0.1 s, doubling


def test_500s_forever_give_up_within_the_deadline(server: FakeCrm, connect: Connect) -> None:
    server.fail_next(500, count=100)
    crm = connect(server)  # the real budget: 2.5 s, 3 attempts
    started = time.monotonic()
    error = unavailable(lambda: crm.customer(ALEX))
    assert time.monotonic() - started < 3.0
    assert server.crm_calls() == 3 and "after 3 attempts" in (error.detail or "")


def test_a_hung_crm_is_given_up_on_within_3_s(server: FakeCrm, connect: Connect) -> None:
    crm = connect(server)
    crm.customer(ALEX)  # the token is in hand, as in a running service
    server.hang_next(count=5, seconds=10)
    started = time.monotonic()
    error = unavailable(lambda: crm.order(ALEX, PROCESSING))
    assert time.monotonic() - started < 3.0
    assert "no answer" in (error.detail or "")


def test_a_hung_token_endpoint_is_given_up_on_within_3_s(server: FakeCrm, connect: Connect) -> None:
    server.hang_next(count=5, seconds=10, path="/oauth/token")
    started = time.monotonic()
    unavailable(lambda: connect(server).customer(ALEX))
    assert time.monotonic() - started < 3.0


def test_a_cancel_that_timed_out_is_not_sent_again(server: FakeCrm, connect: Connect) -> None:
    crm = connect(server, **QUICK)
    crm.customer(ALEX)
    server.hang_next(seconds=5, path="/api" + CANCEL)
    error = unavailable(lambda: crm.cancel_order(ALEX, PROCESSING))
    assert error.message == UNKNOWN_OUTCOME_MESSAGE  # it may have happened
    assert server.crm_calls(CANCEL) == 1


def test_a_cancel_is_repeated_only_when_the_crm_cannot_have_acted(
    server: FakeCrm, connect: Connect
) -> None:
    crm = connect(server, sleep=Waits())
    server.fail_next(503, path="/api" + CANCEL)
    assert crm.cancel_order(ALEX, PROCESSING).status is OrderStatus.CANCELLED
    assert server.crm_calls(CANCEL) == 2
    server.fail_next(502, path="/api/customers/cus_1002/orders")
    error = unavailable(lambda: crm.cancel_order(PRIYA, PRIYAS_ORDER))
    assert error.message == UNKNOWN_OUTCOME_MESSAGE
    assert server.crm_calls("/customers/cus_1002/orders/1057/cancel") == 1


def test_a_crm_that_is_not_listening_is_retried_then_unavailable(connect: Connect) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = HttpCrmConfig(f"http://127.0.0.1:{port}/api", ApiKeyAuth(SecretStr(API_KEY)), **QUICK)
    waits = Waits()
    with HttpCustomerDirectory(config, sleep=waits) as crm:
        error = unavailable(lambda: crm.customer(ALEX))
    assert "could not connect" in (error.detail or "") and len(waits.seconds) == 2


# -- circuit breaker -----------------------------------------------------------------


def test_the_circuit_opens_fails_fast_and_closes_after_a_good_probe(
    server: FakeCrm, connect: Connect
) -> None:
    clock = Clock()
    crm = connect(server, clock=clock, max_attempts=1, breaker_failures=3, breaker_reset_s=30)
    crm.customer(ALEX)
    server.fail_next(503, count=100)
    for _ in range(3):
        unavailable(lambda: crm.customer(ALEX))
    assert crm.circuit is CircuitState.OPEN
    calls = server.crm_calls()
    error = unavailable(lambda: crm.order(ALEX, PROCESSING))
    assert "circuit open" in (error.detail or "") and server.crm_calls() == calls
    clock.now += 31  # half-open: one probe; it fails, so the circuit opens again
    unavailable(lambda: crm.customer(ALEX))
    assert server.crm_calls() == calls + 1 and crm.circuit is CircuitState.OPEN
    unavailable(lambda: crm.customer(ALEX))
    assert server.crm_calls() == calls + 1
    server.faults.clear()
    clock.now += 31
    assert crm.customer(ALEX) is not None  # the probe succeeds: closed
    assert crm.circuit is CircuitState.CLOSED
    assert crm.addresses(ALEX) and server.crm_calls() == calls + 3


def test_answers_that_are_not_outages_do_not_trip_the_circuit(
    server: FakeCrm, connect: Connect
) -> None:
    crm = connect(server, breaker_failures=2)
    for _ in range(3):
        assert crm.customer("cus_9999") is None  # 404
        with pytest.raises(CrmConflictError):
            crm.cancel_order(ALEX, SHIPPED)  # 409
        server.malformed_next()
        with pytest.raises(CrmDataError):
            crm.customer(ALEX)
    assert crm.circuit is CircuitState.CLOSED


def test_half_open_lets_one_probe_through_at_a_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker("crm", failures=1, reset_s=10, clock=clock)
    breaker.enter()
    breaker.failed()
    assert breaker.state is CircuitState.OPEN
    clock.now += 10
    breaker.enter()  # the probe
    with pytest.raises(CrmUnavailableError):
        breaker.enter()  # a second caller while the probe is out
    breaker.abandoned()  # the probe ended without a verdict: the next caller probes
    breaker.enter()
    breaker.succeeded()
    assert breaker.state is CircuitState.CLOSED


# -- what the CRM answers --------------------------------------------------------------


def test_a_body_that_is_not_json_is_a_data_error(
    server: FakeCrm, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    server.malformed_next()
    with (
        caplog.at_level(logging.WARNING, logger="frontdesk.crm"),
        pytest.raises(CrmDataError) as bad,
    ):
        connect(server).customer(ALEX)
    assert "not JSON" in (bad.value.detail or "")
    assert any("not JSON" in r.getMessage() for r in caplog.records)


def test_a_record_of_the_wrong_shape_names_the_field(
    server: FakeCrm, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    crm = connect(server)
    server.answer_next({"id": ALEX, "name": "Alex Morgan"})
    with (
        caplog.at_level(logging.WARNING, logger="frontdesk.crm"),
        pytest.raises(CrmDataError) as bad,
    ):
        crm.customer(ALEX)
    assert "customer.email" in (bad.value.detail or "")
    assert any("customer.email" in r.getMessage() for r in caplog.records)
    server.answer_next([{"id": "1", "customer_id": ALEX, "status": "lost"}])
    with pytest.raises(CrmDataError) as bad_list:
        crm.orders(ALEX)
    assert "order.placed_at" in (bad_list.value.detail or "")
    server.answer_next({"error": "oops"}, status=418)
    with pytest.raises(CrmDataError) as odd:
        crm.customer(ALEX)
    assert "HTTP 418" in (odd.value.detail or "")


def test_another_customers_records_are_never_returned(
    server: FakeCrm, connect: Connect, seed: DemoCrm, caplog: pytest.LogCaptureFixture
) -> None:
    crm = connect(server)
    priyas = next(o for o in seed.orders if o.id == PRIYAS_ORDER)
    alexs = next(o for o in seed.orders if o.id == PROCESSING)
    with caplog.at_level(logging.WARNING, logger="frontdesk.crm"):
        server.answer_next(wire.order_to_json(priyas))
        assert crm.order(ALEX, PRIYAS_ORDER) is None
        server.answer_next([wire.order_to_json(alexs), wire.order_to_json(priyas)])
        assert [o.id for o in crm.orders(ALEX)] == [PROCESSING]
        priyas_invoice = next(i for i in seed.invoices if i.customer_id == PRIYA)
        server.answer_next({"items": [wire.invoice_to_json(priyas_invoice)]})
        assert crm.invoices(ALEX) == []
        server.answer_next(wire.order_to_json(priyas), method="POST")
        with pytest.raises(CrmNotFoundError):
            crm.cancel_order(ALEX, PRIYAS_ORDER)
    assert (
        sum("answered with a record of customer cus_1002" in r.getMessage() for r in caplog.records)
        == 4
    )
    # A CRM that ignores ?email= and lists everyone still yields only the match.
    everyone = [wire.profile_to_json(c.profile) for c in seed.customers]
    server.answer_next(everyone)
    found = crm.find_by_email("priya.shah@example.com")
    assert found is not None and found.id == PRIYA
    server.answer_next(everyone)
    assert crm.find_by_email("stranger@example.com") is None


def test_ids_cannot_change_the_path(server: FakeCrm, connect: Connect) -> None:
    crm = connect(server)
    assert crm.customer("../admin") is None
    assert server.requests[-1].path == "/api/customers/..%2Fadmin"
    assert crm.customer("..") is None
    assert server.requests[-1].path == "/api/customers/%2E%2E"
    assert crm.order(ALEX, "1059/cancel") is None
    assert server.requests[-1].path == "/api/customers/cus_1001/orders/1059%2Fcancel"
    assert crm.find_by_email("a+b&limit=1@example.com") is None
    assert server.requests[-1].query == "email=a%2Bb%26limit%3D1%40example.com"
    calls = server.crm_calls()
    assert crm.customer("") is None and crm.orders(" ") == []  # blank ids match nothing
    assert server.crm_calls() == calls


def test_a_full_card_number_comes_back_as_its_last_four(server: FakeCrm, connect: Connect) -> None:
    server.card_numbers["INV-1059"] = "4000 0566 5566 5556"
    invoice = connect(server).invoices(ALEX, limit=1)[0]
    assert invoice.id == "INV-1059" and invoice.card_last4 == "5556"
    assert "4000 0566" not in repr(invoice) and "40000566" not in repr(invoice)


def test_paths_can_be_configured_per_operation() -> None:
    seen: list[httpx.URL] = []

    def crm(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(404)

    config = HttpCrmConfig(
        "https://crm.example.com/v2",
        ApiKeyAuth(SecretStr(API_KEY)),
        paths={"order": "/orders/{order_id}?customer={customer_id}"},
    )
    directory = HttpCustomerDirectory(config, transport=httpx.MockTransport(crm))
    assert directory.order(ALEX, "10 59") is None and directory.customer(ALEX) is None
    directory.close()
    assert [str(u) for u in seen] == [
        "https://crm.example.com/v2/orders/10%2059?customer=cus_1001",
        "https://crm.example.com/v2/customers/cus_1001",
    ]
    with pytest.raises(ConfigError, match="may use"):
        HttpCrmConfig(config.base_url, config.auth, paths={"order": "/orders/{email}"})
    with pytest.raises(ConfigError, match="unknown CRM operation"):
        HttpCrmConfig(config.base_url, config.auth, paths={"orderz": "/orders"})


# -- secrets -------------------------------------------------------------------------


def test_no_secret_reaches_a_log_line_or_an_error(
    seed: DemoCrm, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    errors: list[FrontdeskError] = []

    def attempt(call: Callable[[], object]) -> None:
        try:
            call()
        except FrontdeskError as exc:
            errors.append(exc)

    with running_crm_server(seed) as fake:
        crm = connect(fake, **QUICK)
        attempt(lambda: crm.customer(ALEX))
        fake.revoke_tokens()  # the fake echoes the refused token back
        attempt(lambda: crm.customer(ALEX))
        fake.fail_next(401, count=5)
        attempt(lambda: crm.customer(ALEX))
        fake.fail_next(500, count=5)
        attempt(lambda: crm.invoices(ALEX))
        wrong = OAuthClientCredentials(
            fake.origin + "/oauth/token", "frontdesk-test", SecretStr("not-the-secret-77")
        )
        attempt(lambda: connect(fake, auth=wrong).customer(ALEX))  # echoed as well
        tokens = list(fake.issued_tokens)
        config_text = repr(fake.settings())
    with running_crm_server(seed, auth="api_key") as fake:
        attempt(lambda: connect(fake, auth=ApiKeyAuth(SecretStr("not-the-key-88"))).customer(ALEX))
        config_text += repr(fake.settings())

    secrets = [API_KEY, CLIENT_SECRET, "not-the-secret-77", "not-the-key-88", *tokens]
    assert len(tokens) >= 2 and len(errors) == 4
    texts = [r.getMessage() for r in caplog.records]
    texts += [f"{e.message} {e.detail} {e!r}" for e in errors]
    texts.append(config_text)
    assert any("token endpoint" in t for t in texts)  # the failures were logged
    leaks = [(secret, text) for secret in secrets for text in texts if secret in text]
    assert leaks == []


# -- settings ------------------------------------------------------------------------


def settings(**values: Any) -> Settings:
    return Settings.model_validate({"crm": "http", **values})


def test_settings_make_a_config() -> None:
    keyed = http_config_from_settings(
        settings(
            crm_url="https://crm.example.com/api/",
            crm_api_key="k-123",
            crm_api_key_header="Authorization",
            crm_timeout_s=1.5,
            crm_paths={"order": "/orders/{order_id}"},
        )
    )
    assert keyed.base_url == "https://crm.example.com/api" and keyed.deadline_s == 1.5
    assert isinstance(keyed.auth, ApiKeyAuth) and keyed.auth.header_value() == "Bearer k-123"
    assert keyed.request("order") == ("GET", "/orders/{order_id}")
    oauth = http_config_from_settings(
        settings(
            crm_url="https://crm.example.com",
            crm_oauth_token_url="https://auth.example.com/token",
            crm_client_id="id",
            crm_client_secret="s3cret",
            crm_oauth_client_auth="post",
        )
    )
    assert isinstance(oauth.auth, OAuthClientCredentials) and oauth.auth.client_auth == "post"
    assert "s3cret" not in repr(oauth)


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"crm_api_key": "k"}, "FRONTDESK_CRM_URL"),
        ({"crm_url": "https://crm.example.com"}, "needs credentials"),
        (
            {"crm_url": "https://crm.example.com", "crm_oauth_token_url": "https://a.example/t"},
            "FRONTDESK_CRM_CLIENT_ID, FRONTDESK_CRM_CLIENT_SECRET",
        ),
        (
            {"crm_url": "https://crm.example.com", "crm_api_key": "k", "crm_client_id": "id"},
            "not both",
        ),
        ({"crm_url": "https://crm.example.com", "crm_api_key": " "}, "empty"),
    ],
)
def test_settings_missing_a_piece_say_which(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        http_config_from_settings(settings(**values))


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("FRONTDESK_CRM_URL", "ftp://crm.example.com", "http"),
        ("FRONTDESK_CRM_OAUTH_TOKEN_URL", "crm.example.com/token", "http"),
        ("FRONTDESK_CRM_PATHS", '{"orderz": "/o"}', "unknown CRM operation"),
        ("FRONTDESK_CRM_PATHS", '{"order": "orders/{order_id}"}', "must start with"),
        ("FRONTDESK_CRM_TIMEOUT_S", "31", "FRONTDESK_CRM_TIMEOUT_S"),
        ("FRONTDESK_CRM_TIMEOUT_S", "0", "FRONTDESK_CRM_TIMEOUT_S"),
        ("FRONTDESK_CRM", "soap", "FRONTDESK_CRM"),
        ("FRONTDESK_CRM_API_KEY_HEADER", "X API Key", "header name"),
    ],
)
def test_bad_crm_settings_fail_fast(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=says):
        load_settings()
