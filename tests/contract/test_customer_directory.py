"""The CustomerDirectory contract: every adapter, seeded with the same demo CRM,
answers these the same way (the embedded SQL CRM on SQLite and PostgreSQL, and the
HTTP CRM against a real local server).

A malformed email in update_contact is a CrmConflictError, like an email that belongs
to another account: the port's errors are the four CRM ones, and an HTTP CRM refuses
bad input with 400/422, which reads as "the CRM refuses this change".

apply_update stores a webhook's record only in a directory that keeps its own copy
(``keeps_copy``); the HTTP directory asks the CRM each time, so there it is a no-op
and reads go on showing what the CRM holds.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from frontdesk.core.account.model import (
    Address,
    ContactUpdate,
    CrmUpdate,
    Invoice,
    InvoiceStatus,
    Order,
    OrderItem,
    OrderStatus,
    Profile,
    Shipment,
    UpdateKind,
)
from frontdesk.core.ports import CustomerDirectory
from frontdesk.demo.crm_seed import DemoCrm, demo_crm
from frontdesk.errors import CrmConflictError, CrmNotFoundError, CrmUnavailableError
from tests.crm_backends import DIRECTORY_BACKENDS, open_directory, seed_time

REPO = Path(__file__).resolve().parents[2]
ALEX, PRIYA, SAM = "cus_1001", "cus_1002", "cus_1003"
NEW_ADDRESS = Address("9 Quay Street", "Bristol", "BS1 4DJ", line2="Flat 3")


@dataclass
class Backend:
    kind: str
    directory: CustomerDirectory
    seed: DemoCrm
    keeps_copy: bool

    def seeded_order(self, order_id: str) -> Order:
        return next(o for o in self.seed.orders if o.id == order_id)

    def seeded_orders(self, customer_id: str) -> list[Order]:
        return [o for o in self.seed.orders if o.customer_id == customer_id]

    def seeded_invoices(self, customer_id: str) -> list[Invoice]:
        return [i for i in self.seed.invoices if i.customer_id == customer_id]


def _http_missing() -> str | None:
    if importlib.util.find_spec("frontdesk.adapters.crm.http_directory") is None:
        return "frontdesk.adapters.crm.http_directory is not written yet"
    if not (REPO / "tests" / "fakes" / "crm_server.py").is_file():
        return "tests/fakes/crm_server.py is not written yet"
    return None


@pytest.fixture(params=DIRECTORY_BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    kind: str = request.param
    if kind == "http" and (missing := _http_missing()) is not None:
        pytest.skip(f"HTTP directory not available: {missing}")
    seed = demo_crm(seed_time())
    with open_directory(kind, tmp_path, seed) as directory:
        yield Backend(kind, directory, seed, keeps_copy=kind.startswith("sql-"))


# ------------------------------------------------------------------------ reads


def test_a_customer_is_found_by_id_and_an_unknown_one_is_none(backend: Backend) -> None:
    alex = backend.directory.customer(ALEX)
    assert alex == Profile(ALEX, "Alex Morgan", "alex.morgan@example.com", "07700 900101")
    assert backend.directory.customer("cus_9999") is None


def test_email_lookup_ignores_case(backend: Backend) -> None:
    found = backend.directory.find_by_email("Alex.MORGAN@Example.com")
    assert found is not None and found.id == ALEX
    assert backend.directory.find_by_email("nobody@example.com") is None


def test_addresses_come_default_first(backend: Backend) -> None:
    seeded = next(c for c in backend.seed.customers if c.profile.id == ALEX)
    found = backend.directory.addresses(ALEX)
    assert found == list(seeded.addresses) and found[0].label == "Home"
    assert backend.directory.addresses("cus_9999") == []


def test_orders_come_newest_first_with_items_totals_and_tracking(backend: Backend) -> None:
    for customer_id in (ALEX, PRIYA):
        assert backend.directory.orders(customer_id) == backend.seeded_orders(customer_id)[:10]
    alex = backend.directory.orders(ALEX)
    assert [o.id for o in alex] == ["1059", "1055", "1043", "1006"]
    assert [o.placed_at for o in alex] == sorted((o.placed_at for o in alex), reverse=True)
    shipped = alex[1]
    assert shipped.status is OrderStatus.SHIPPED and shipped.shipment is not None
    assert shipped.shipment.tracking_number == "NW1055TP54545"
    processing = alex[0]
    assert processing.shipment is None and len(processing.items) == 2
    assert processing.total >= sum(i.unit_price * i.quantity for i in processing.items)
    assert backend.directory.orders("cus_9999") == []


def test_the_order_limit_is_honoured(backend: Backend) -> None:
    seeded = backend.seeded_orders(PRIYA)
    assert len(seeded) > 3
    assert backend.directory.orders(PRIYA, limit=3) == seeded[:3]
    assert backend.directory.orders(PRIYA, limit=1) == seeded[:1]


def test_an_order_is_found_only_on_its_own_account(backend: Backend) -> None:
    assert backend.directory.order(ALEX, "1059") == backend.seeded_order("1059")
    assert backend.directory.order(ALEX, "1057") is None  # Priya's
    assert backend.directory.order(ALEX, "9999") is None
    assert backend.directory.order("cus_9999", "1059") is None


def test_a_member_has_a_plan_and_a_non_member_none(backend: Backend) -> None:
    plan = backend.directory.subscription(ALEX)
    assert plan == backend.seed.subscriptions[ALEX]
    assert plan.plan_name == "Northwind Plus" and plan.return_days == 60
    assert backend.directory.subscription(PRIYA) is None
    assert backend.directory.subscription("cus_9999") is None


def test_invoices_come_newest_first_with_only_four_card_digits(backend: Backend) -> None:
    seeded = backend.seeded_invoices(ALEX)
    found = backend.directory.invoices(ALEX)
    assert found == seeded
    assert [i.issued_at for i in found] == sorted((i.issued_at for i in found), reverse=True)
    assert backend.directory.invoices(ALEX, limit=2) == seeded[:2]
    everyone = [
        i
        for c in backend.seed.customers
        for i in backend.directory.invoices(c.profile.id, limit=100)
    ]
    assert len(everyone) == len(backend.seed.invoices)
    for invoice in everyone:
        last4 = invoice.card_last4
        assert last4 is None or (len(last4) == 4 and last4.isdigit())


# ------------------------------------------------------------------ contact details


def test_new_contact_details_are_kept(backend: Backend) -> None:
    update = ContactUpdate(email="alex@morgan.example", phone="07700 900999")
    changed = backend.directory.update_contact(ALEX, update)
    expected = Profile(ALEX, "Alex Morgan", "alex@morgan.example", "07700 900999")
    assert changed == expected
    assert backend.directory.customer(ALEX) == expected
    assert backend.directory.find_by_email("ALEX@morgan.example") == expected
    assert backend.directory.find_by_email("alex.morgan@example.com") is None


def test_a_field_left_out_is_left_as_it_is(backend: Backend) -> None:
    changed = backend.directory.update_contact(ALEX, ContactUpdate(phone="07700 900555"))
    assert changed.email == "alex.morgan@example.com" and changed.phone == "07700 900555"


def test_a_malformed_email_is_refused_and_changes_nothing(backend: Backend) -> None:
    before = backend.directory.customer(ALEX)
    for bad in ("not-an-email", "alex@", "alex morgan@example.com", ""):
        with pytest.raises(CrmConflictError):
            backend.directory.update_contact(ALEX, ContactUpdate(email=bad))
    assert backend.directory.customer(ALEX) == before


def test_an_email_of_another_account_is_a_conflict(backend: Backend) -> None:
    before = backend.directory.customer(ALEX)
    with pytest.raises(CrmConflictError) as raised:
        backend.directory.update_contact(ALEX, ContactUpdate(email="Priya.Shah@example.com"))
    assert "another account" in raised.value.message
    assert backend.directory.customer(ALEX) == before
    # Its own address, in another case, is no conflict.
    same = backend.directory.update_contact(ALEX, ContactUpdate(email="ALEX.MORGAN@example.com"))
    assert same.id == ALEX


def test_an_unknown_account_cannot_be_updated(backend: Backend) -> None:
    with pytest.raises(CrmNotFoundError):
        backend.directory.update_contact("cus_9999", ContactUpdate(phone="07700 900999"))


# -------------------------------------------------------------- order address


def test_a_processing_order_can_be_readdressed(backend: Backend) -> None:
    changed = backend.directory.update_order_address(ALEX, "1059", NEW_ADDRESS)
    assert changed.shipping_address == NEW_ADDRESS and changed.status is OrderStatus.PROCESSING
    stored = backend.directory.order(ALEX, "1059")
    assert stored is not None and stored.shipping_address == NEW_ADDRESS
    assert stored.items == backend.seeded_order("1059").items


@pytest.mark.parametrize(
    ("customer_id", "order_id", "status"),
    [(ALEX, "1055", "shipped"), (ALEX, "1043", "delivered"), (PRIYA, "1058", "cancelled")],
)
def test_an_order_past_processing_keeps_its_address(
    backend: Backend, customer_id: str, order_id: str, status: str
) -> None:
    with pytest.raises(CrmConflictError) as raised:
        backend.directory.update_order_address(customer_id, order_id, NEW_ADDRESS)
    assert status in raised.value.message and f"#{order_id}" in raised.value.message
    assert backend.directory.order(customer_id, order_id) == backend.seeded_order(order_id)


def test_another_customers_order_cannot_be_readdressed(backend: Backend) -> None:
    with pytest.raises(CrmNotFoundError):
        backend.directory.update_order_address(ALEX, "1057", NEW_ADDRESS)
    assert backend.directory.order(PRIYA, "1057") == backend.seeded_order("1057")


# ----------------------------------------------------------------- cancelling


def test_a_processing_order_can_be_cancelled_once(backend: Backend) -> None:
    cancelled = backend.directory.cancel_order(ALEX, "1059")
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.cancelled_at is not None
    stored = backend.directory.order(ALEX, "1059")
    assert stored is not None and stored.status is OrderStatus.CANCELLED
    assert stored.cancelled_at == cancelled.cancelled_at
    if backend.keeps_copy:  # the HTTP CRM refunds on its own schedule
        invoice = next(i for i in backend.directory.invoices(ALEX) if i.order_id == "1059")
        assert invoice.status is InvoiceStatus.REFUNDED
    with pytest.raises(CrmConflictError) as raised:
        backend.directory.cancel_order(ALEX, "1059")
    assert "cancelled" in raised.value.message


@pytest.mark.parametrize(("order_id", "status"), [("1055", "shipped"), ("1043", "delivered")])
def test_a_shipped_or_delivered_order_cannot_be_cancelled(
    backend: Backend, order_id: str, status: str
) -> None:
    with pytest.raises(CrmConflictError) as raised:
        backend.directory.cancel_order(ALEX, order_id)
    assert status in raised.value.message and f"#{order_id}" in raised.value.message
    assert backend.directory.order(ALEX, order_id) == backend.seeded_order(order_id)


def test_another_customers_order_cannot_be_cancelled(backend: Backend) -> None:
    for order_id in ("1057", "9999"):
        with pytest.raises(CrmNotFoundError):
            backend.directory.cancel_order(ALEX, order_id)
    assert backend.directory.order(PRIYA, "1057") == backend.seeded_order("1057")


def test_only_one_of_many_simultaneous_cancels_wins(backend: Backend) -> None:
    if not backend.keeps_copy:
        pytest.skip("the HTTP CRM's own server decides races between its clients")
    start = threading.Barrier(8)

    def cancel() -> str:
        start.wait()
        try:
            backend.directory.cancel_order(PRIYA, "1057")
        except CrmConflictError:
            return "refused"
        return "cancelled"

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(lambda _: cancel(), range(8)))
    assert outcomes == ["cancelled"] + ["refused"] * 7


# ------------------------------------------------------------- webhook updates


def _shipped(order: Order) -> Order:
    # Microseconds on purpose: times must come back exactly as they went in.
    return replace(
        order,
        status=OrderStatus.SHIPPED,
        shipment=Shipment(
            carrier="DPD",
            tracking_number="NW1059DP00001",
            shipped_at=datetime(2026, 11, 20, 8, 15, 30, 123456, tzinfo=UTC),
            tracking_url="https://track.dpd.example/NW1059DP00001",
            expected_on=date(2026, 11, 23),
        ),
    )


def test_an_order_update_is_kept_by_a_directory_with_a_copy(backend: Backend) -> None:
    before = backend.seeded_order("1059")
    after = _shipped(before)
    backend.directory.apply_update(CrmUpdate(UpdateKind.ORDER, ALEX, "d-1", order=after))
    assert backend.directory.order(ALEX, "1059") == (after if backend.keeps_copy else before)
    if backend.keeps_copy:  # and now that it has shipped, it cannot be cancelled
        with pytest.raises(CrmConflictError):
            backend.directory.cancel_order(ALEX, "1059")


def test_a_new_order_and_new_items_replace_the_old(backend: Backend) -> None:
    new = replace(
        backend.seeded_order("1059"),
        id="2001",
        placed_at=datetime(2026, 11, 20, 11, 59, 59, 999999, tzinfo=UTC),
        items=(OrderItem("GFT-CANDLE-FIG", "Fig & cedar scented candle", 3, 1800),),
        total=5400,
    )
    backend.directory.apply_update(CrmUpdate(UpdateKind.ORDER, ALEX, "d-2", order=new))
    newest = backend.directory.orders(ALEX, limit=1)
    if backend.keeps_copy:
        assert newest == [new] and backend.directory.order(PRIYA, "2001") is None
    else:
        assert newest == backend.seeded_orders(ALEX)[:1]


def test_a_customer_update_is_kept_by_a_directory_with_a_copy(backend: Backend) -> None:
    renamed = Profile(ALEX, "Alex Morgan-Reid", "Alex.Reid@example.com", None)
    backend.directory.apply_update(CrmUpdate(UpdateKind.CUSTOMER, ALEX, "d-3", profile=renamed))
    expected = renamed if backend.keeps_copy else backend.seed.customers[0].profile
    assert backend.directory.customer(ALEX) == expected
    if backend.keeps_copy:
        assert backend.directory.find_by_email("alex.reid@example.com") == renamed


def test_a_new_customer_arrives_by_a_customer_update(backend: Backend) -> None:
    newcomer = Profile("cus_2001", "Rosa Diaz", "rosa.diaz@example.com", "07700 900201")
    backend.directory.apply_update(
        CrmUpdate(UpdateKind.CUSTOMER, newcomer.id, "d-4", profile=newcomer)
    )
    assert backend.directory.customer(newcomer.id) == (newcomer if backend.keeps_copy else None)


def test_an_invoice_update_is_kept_with_only_four_card_digits(backend: Backend) -> None:
    before = next(i for i in backend.seeded_invoices(ALEX) if i.id == "INV-1059")
    failed = replace(before, status=InvoiceStatus.FAILED, card_last4="4000 0566 5566 5556")
    backend.directory.apply_update(CrmUpdate(UpdateKind.INVOICE, ALEX, "d-5", invoice=failed))
    found = next(i for i in backend.directory.invoices(ALEX) if i.id == "INV-1059")
    if backend.keeps_copy:
        assert found == replace(failed, card_last4="5556")
    else:
        assert found == before


def test_records_for_an_unknown_customer_are_refused(backend: Backend) -> None:
    stranger = "cus_9999"
    order = replace(backend.seeded_order("1059"), id="3001", customer_id=stranger)
    invoice = replace(backend.seeded_invoices(ALEX)[0], id="INV-3001", customer_id=stranger)
    updates = [
        CrmUpdate(UpdateKind.ORDER, stranger, "d-6", order=order),
        CrmUpdate(UpdateKind.INVOICE, stranger, "d-7", invoice=invoice),
    ]
    for update in updates:
        if backend.keeps_copy:
            with pytest.raises(CrmNotFoundError):
                backend.directory.apply_update(update)
        else:
            backend.directory.apply_update(update)
    assert backend.directory.customer(stranger) is None
    assert backend.directory.orders(stranger) == [] and backend.directory.invoices(stranger) == []


def test_an_unreachable_database_is_the_crm_being_unavailable() -> None:
    from frontdesk.adapters.crm.sql_directory import SqlCustomerDirectory
    from frontdesk.adapters.storage.database import make_engine

    engine = make_engine("postgresql://nobody:secret@127.0.0.1:1/none")
    directory = SqlCustomerDirectory(engine)
    try:
        with pytest.raises(CrmUnavailableError) as raised:
            directory.customer(ALEX)
        assert raised.value.message == "I can't reach account details right now."
        assert raised.value.detail and "secret" not in raised.value.message
        with pytest.raises(CrmUnavailableError):
            directory.cancel_order(ALEX, "1059")
    finally:
        directory.close()
        engine.dispose()
