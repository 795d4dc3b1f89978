"""SqlCustomerDirectory: the CustomerDirectory port on the embedded CRM tables.

The embedded CRM lives in the conversation store's database (SQLite by default,
PostgreSQL when configured), so a shop without a CRM of its own still has customers,
orders and invoices the assistant can act on, and a shop with one can mirror it here
through webhooks (``apply_update``).

Every statement names the customer: an order id alone never finds a row, so another
customer's order is exactly as unknown as one that does not exist. Each change is
one transaction; state checks are conditional UPDATEs (``WHERE status =
'processing'``) whose row count decides, so two workers cancelling the same order, or
a cancel racing an address change, cannot both win.

Like store.py, this uses SQLAlchemy Core statements rather than ORM sessions.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, Row, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from frontdesk.adapters.storage.crm_tables import (
    CrmAddressRow,
    CrmCustomerRow,
    CrmInvoiceRow,
    CrmOrderItemRow,
    CrmOrderRow,
    CrmShipmentRow,
    CrmSubscriptionRow,
)
from frontdesk.adapters.storage.store import SqliteWriteLock
from frontdesk.core.account.checks import checked_address, checked_contact
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
    Subscription,
    SubscriptionStatus,
    UpdateKind,
    last_four,
)
from frontdesk.errors import (
    CrmConflictError,
    CrmDataError,
    CrmNotFoundError,
    CrmUnavailableError,
)

UNAVAILABLE = "I can't reach account details right now."
BAD_DATA = "The shop's customer system sent data I could not read."
E = TypeVar("E", bound=StrEnum)
Values = dict[str, Any]

customers = cast(Table, CrmCustomerRow.__table__)
addresses = cast(Table, CrmAddressRow.__table__)
subscriptions = cast(Table, CrmSubscriptionRow.__table__)
orders = cast(Table, CrmOrderRow.__table__)
order_items = cast(Table, CrmOrderItemRow.__table__)
shipments = cast(Table, CrmShipmentRow.__table__)
invoices = cast(Table, CrmInvoiceRow.__table__)

# Why an order that is no longer processing refuses a change, in the shopper's words.
_PAST_PROCESSING = {
    OrderStatus.SHIPPED: "has already shipped",
    OrderStatus.DELIVERED: "has already been delivered",
    OrderStatus.CANCELLED: "has been cancelled",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlCustomerDirectory:
    """The embedded CRM. ``engine`` is shared with the conversation store and stays
    the caller's: ``close`` releases what this directory holds (the SQLite write-lock
    file) but never disposes the engine."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._write_lock = write_lock(engine)

    @property
    def keeps_copy(self) -> bool:
        return True

    @property
    def name(self) -> str:
        return "sql"

    # ------------------------------------------------------------------ reads

    def customer(self, customer_id: str) -> Profile | None:
        with self._read() as connection:
            row = _customer_row(connection, customer_id)
        return None if row is None else _profile(row)

    def find_by_email(self, email: str) -> Profile | None:
        statement = select(customers).where(customers.c.email_key == email_key(email))
        with self._read() as connection:
            row = connection.execute(statement).first()
        return None if row is None else _profile(row)

    def addresses(self, customer_id: str) -> list[Address]:
        statement = (
            select(addresses)
            .where(addresses.c.customer_id == customer_id)
            .order_by(addresses.c.position)
        )
        with self._read() as connection:
            return [_address(row) for row in connection.execute(statement)]

    def orders(self, customer_id: str, limit: int = 10) -> list[Order]:
        if limit < 1:
            return []
        statement = (
            select(orders)
            .where(orders.c.customer_id == customer_id)
            .order_by(orders.c.placed_at.desc(), orders.c.id.desc())
            .limit(limit)
        )
        with self._read() as connection:
            return _with_details(connection, connection.execute(statement).all())

    def order(self, customer_id: str, order_id: str) -> Order | None:
        with self._read() as connection:
            return _load_order(connection, customer_id, order_id)

    def subscription(self, customer_id: str) -> Subscription | None:
        statement = select(subscriptions).where(subscriptions.c.customer_id == customer_id)
        with self._read() as connection:
            row = connection.execute(statement).first()
        return None if row is None else _subscription(row)

    def invoices(self, customer_id: str, limit: int = 10) -> list[Invoice]:
        if limit < 1:
            return []
        statement = (
            select(invoices)
            .where(invoices.c.customer_id == customer_id)
            .order_by(invoices.c.issued_at.desc(), invoices.c.id.desc())
            .limit(limit)
        )
        with self._read() as connection:
            return [_invoice(row) for row in connection.execute(statement)]

    # ----------------------------------------------------------------- writes

    def update_contact(self, customer_id: str, update: ContactUpdate) -> Profile:
        """A malformed email or phone, or an email another account uses, raises
        CrmConflictError: the port's one way of saying "the CRM refuses this change",
        which is what an HTTP CRM answers (400/422) for the same input."""
        values = _contact_values(update)
        try:
            with self._write() as connection:
                # Whether the account exists is asked first, so an unknown caller
                # never learns which emails other accounts use.
                if _customer_row(connection, customer_id) is None:
                    raise CrmNotFoundError("I couldn't find that account.")
                if "email_key" in values:
                    _refuse_taken_email(connection, customer_id, values["email_key"])
                if values:
                    connection.execute(
                        customers.update().where(customers.c.id == customer_id).values(values)
                    )
                row = _customer_row(connection, customer_id)
        except IntegrityError as exc:  # the same address taken at the same moment
            raise _email_taken(exc) from exc
        assert row is not None  # checked above, in this transaction
        return _profile(row)

    def update_order_address(self, customer_id: str, order_id: str, address: Address) -> Order:
        values = {**_shipping_values(checked_address(address)), "updated_at": self._now()}
        return self._change_processing_order(
            customer_id, order_id, values, "its delivery address can't be changed"
        )

    def cancel_order(self, customer_id: str, order_id: str) -> Order:
        now = self._now()
        values = {"status": OrderStatus.CANCELLED.value, "cancelled_at": now, "updated_at": now}
        return self._change_processing_order(
            customer_id, order_id, values, "it can't be cancelled", refund=True
        )

    def apply_update(self, update: CrmUpdate) -> None:
        """Store the record the webhook carries as it now is. An order or invoice for
        a customer this CRM does not hold raises CrmNotFoundError: a customer is only
        ever created by a customer update."""
        try:
            with self._write() as connection:
                self._apply(connection, update)
        except IntegrityError as exc:
            if update.kind is UpdateKind.CUSTOMER:  # the one unique key besides ids
                raise _email_taken(exc) from exc
            raise CrmConflictError(BAD_DATA, detail=f"{update.kind.value}: {exc}") from exc

    def close(self) -> None:
        self._write_lock.close()

    # ---------------------------------------------------------------- helpers

    def _change_processing_order(
        self,
        customer_id: str,
        order_id: str,
        values: Values,
        refused: str,
        *,
        refund: bool = False,
    ) -> Order:
        with self._write() as connection:
            changed = connection.execute(
                update(orders)
                .where(
                    orders.c.id == order_id,
                    orders.c.customer_id == customer_id,
                    orders.c.status == OrderStatus.PROCESSING.value,
                )
                .values(values)
            ).rowcount
            if changed != 1:
                raise _refusal(connection, customer_id, order_id, refused)
            if refund:
                _refund_invoices(connection, customer_id, order_id)
            order = _load_order(connection, customer_id, order_id)
        assert order is not None  # changed in this very transaction
        return order

    def _apply(self, connection: Connection, update: CrmUpdate) -> None:
        if update.kind is UpdateKind.CUSTOMER:
            profile = _carried(update, update.profile)
            _upsert(connection, customers, customer_values(profile), ["id"])
        elif update.kind is UpdateKind.ORDER:
            order = _carried(update, update.order)
            _require_customer(connection, update.customer_id)
            put_order(connection, order, self._now())
        else:
            invoice = _carried(update, update.invoice)
            _require_customer(connection, update.customer_id)
            _upsert(connection, invoices, invoice_values(invoice), ["id"])

    def _now(self) -> float:
        return stamp(self._clock())

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with crm_unavailable(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with crm_unavailable(), self._write_lock, self.engine.begin() as connection:
            yield connection


# ---------------------------------------------------------------------- shared


class _NoLock(contextlib.nullcontext[None]):
    def close(self) -> None:
        pass


def write_lock(engine: Engine) -> SqliteWriteLock | _NoLock:
    """SQLite takes one writer at a time: queue writers as the conversation store
    does (the same lock file, so CRM and conversation writes queue together).
    PostgreSQL locks rows itself."""
    if engine.dialect.name == "sqlite":
        return SqliteWriteLock(engine.url.database)
    return _NoLock()


@contextmanager
def crm_unavailable() -> Iterator[None]:
    """Database failures as CrmUnavailableError; constraint violations pass through
    for the caller to read as the conflict they are."""
    try:
        yield
    except IntegrityError:
        raise
    except (OperationalError, InterfaceError, PoolTimeout, DBAPIError) as exc:
        raise CrmUnavailableError(UNAVAILABLE, detail=f"{type(exc).__name__}: {exc}") from exc


def stamp(at: datetime) -> float:
    """A time as stored: epoch seconds. A naive time is refused, since reading it
    as local time would shift it by the server's offset."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise CrmDataError(BAD_DATA, detail=f"a time without a timezone: {at.isoformat()}")
    return at.timestamp()


def moment(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def email_key(email: str) -> str:
    return email.strip().lower()


def customer_values(profile: Profile) -> Values:
    email = profile.email.strip()
    return {
        "id": profile.id,
        "name": profile.name,
        "email": email,
        "email_key": email_key(email),
        "phone": profile.phone,
    }


def address_values(customer_id: str, position: int, address: Address) -> Values:
    return {
        "customer_id": customer_id,
        "position": position,
        "address_id": address.id,
        "label": address.label,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "postcode": address.postcode,
        "country": address.country,
    }


def subscription_values(customer_id: str, plan: Subscription) -> Values:
    return {
        "customer_id": customer_id,
        "plan_id": plan.plan_id,
        "plan_name": plan.plan_name,
        "price": plan.price,
        "period": plan.period,
        "status": plan.status.value,
        "started_on": plan.started_on,
        "renews_on": plan.renews_on,
        "return_days": plan.return_days,
    }


def order_values(order: Order, now: float) -> Values:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "placed_at": stamp(order.placed_at),
        "status": order.status.value,
        "total": order.total,
        **_shipping_values(order.shipping_address),
        "cancelled_at": None if order.cancelled_at is None else stamp(order.cancelled_at),
        "updated_at": now,
    }


def item_values(order: Order) -> list[Values]:
    return [
        {
            "order_id": order.id,
            "position": position,
            "sku": item.sku,
            "name": item.name,
            "quantity": item.quantity,
            "unit_price": item.unit_price,
        }
        for position, item in enumerate(order.items)
    ]


def shipment_values(order_id: str, shipment: Shipment) -> Values:
    delivered = shipment.delivered_at
    return {
        "order_id": order_id,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "shipped_at": stamp(shipment.shipped_at),
        "expected_on": shipment.expected_on,
        "delivered_at": None if delivered is None else stamp(delivered),
    }


def invoice_values(invoice: Invoice) -> Values:
    return {
        "id": invoice.id,
        "customer_id": invoice.customer_id,
        "order_id": invoice.order_id,
        "issued_at": stamp(invoice.issued_at),
        "amount": invoice.amount,
        "status": invoice.status.value,
        "payment_method": invoice.payment_method,
        # Whatever reached us, only the last four digits are ever written.
        "card_last4": last_four(invoice.card_last4),
        "paid_at": None if invoice.paid_at is None else stamp(invoice.paid_at),
    }


def put_order(connection: Connection, order: Order, now: float) -> None:
    """Store ``order`` with its items and shipment as given, replacing what was."""
    _upsert(connection, orders, order_values(order, now), ["id"])
    connection.execute(delete(order_items).where(order_items.c.order_id == order.id))
    connection.execute(delete(shipments).where(shipments.c.order_id == order.id))
    insert_many(connection, order_items, item_values(order))
    if order.shipment is not None:
        connection.execute(insert(shipments).values(shipment_values(order.id, order.shipment)))


def insert_many(connection: Connection, table: Table, rows: Sequence[Values]) -> None:
    if rows:
        connection.execute(insert(table), list(rows))


# ---------------------------------------------------------------- row → record


def _profile(row: Row[Any]) -> Profile:
    return Profile(id=row.id, name=row.name, email=row.email, phone=row.phone)


def _address(row: Row[Any]) -> Address:
    return Address(
        line1=row.line1,
        city=row.city,
        postcode=row.postcode,
        country=row.country,
        line2=row.line2,
        id=row.address_id,
        label=row.label,
    )


def _subscription(row: Row[Any]) -> Subscription:
    return Subscription(
        plan_id=row.plan_id,
        plan_name=row.plan_name,
        price=row.price,
        period=row.period,
        status=_enum(SubscriptionStatus, row.status, "subscription.status"),
        started_on=row.started_on,
        renews_on=row.renews_on,
        return_days=row.return_days,
    )


def _order(row: Row[Any], items: tuple[OrderItem, ...], shipment: Shipment | None) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        placed_at=moment(row.placed_at),
        status=_enum(OrderStatus, row.status, "order.status"),
        total=row.total,
        shipping_address=Address(
            line1=row.ship_line1,
            city=row.ship_city,
            postcode=row.ship_postcode,
            country=row.ship_country,
            line2=row.ship_line2,
            id=row.ship_address_id,
            label=row.ship_label,
        ),
        items=items,
        shipment=shipment,
        cancelled_at=None if row.cancelled_at is None else moment(row.cancelled_at),
    )


def _item(row: Row[Any]) -> OrderItem:
    return OrderItem(sku=row.sku, name=row.name, quantity=row.quantity, unit_price=row.unit_price)


def _shipment(row: Row[Any]) -> Shipment:
    return Shipment(
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        shipped_at=moment(row.shipped_at),
        tracking_url=row.tracking_url,
        expected_on=row.expected_on,
        delivered_at=None if row.delivered_at is None else moment(row.delivered_at),
    )


def _invoice(row: Row[Any]) -> Invoice:
    return Invoice(
        id=row.id,
        customer_id=row.customer_id,
        issued_at=moment(row.issued_at),
        amount=row.amount,
        status=_enum(InvoiceStatus, row.status, "invoice.status"),
        order_id=row.order_id,
        payment_method=row.payment_method,
        card_last4=row.card_last4,
        paid_at=None if row.paid_at is None else moment(row.paid_at),
    )


def _enum(kind: type[E], value: str, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise CrmDataError(BAD_DATA, detail=f"{field}: unknown value {value!r}") from None


# ------------------------------------------------------------------ statements


def _customer_row(connection: Connection, customer_id: str) -> Row[Any] | None:
    return connection.execute(select(customers).where(customers.c.id == customer_id)).first()


def _load_order(connection: Connection, customer_id: str, order_id: str) -> Order | None:
    statement = select(orders).where(orders.c.id == order_id, orders.c.customer_id == customer_id)
    found = _with_details(connection, connection.execute(statement).all())
    return found[0] if found else None


def _with_details(connection: Connection, rows: Sequence[Row[Any]]) -> list[Order]:
    """Orders with their items and shipments: three queries however many orders."""
    ids = [row.id for row in rows]
    if not ids:
        return []
    items: defaultdict[str, list[OrderItem]] = defaultdict(list)
    item_rows = connection.execute(
        select(order_items)
        .where(order_items.c.order_id.in_(ids))
        .order_by(order_items.c.order_id, order_items.c.position)
    )
    for row in item_rows:
        items[row.order_id].append(_item(row))
    shipment_rows = connection.execute(select(shipments).where(shipments.c.order_id.in_(ids)))
    shipped = {row.order_id: _shipment(row) for row in shipment_rows}
    return [_order(row, tuple(items[row.id]), shipped.get(row.id)) for row in rows]


def _refusal(
    connection: Connection, customer_id: str, order_id: str, refused: str
) -> CrmNotFoundError | CrmConflictError:
    status = connection.execute(
        select(orders.c.status).where(orders.c.id == order_id, orders.c.customer_id == customer_id)
    ).scalar()
    if status is None:
        return CrmNotFoundError(f"I couldn't find order #{order_id} on your account.")
    state = _PAST_PROCESSING.get(_enum(OrderStatus, status, "order.status"), f"is {status}")
    return CrmConflictError(
        f"Order #{order_id} {state}, so {refused}.", detail=f"order {order_id} is {status}"
    )


def _refund_invoices(connection: Connection, customer_id: str, order_id: str) -> None:
    # Only money taken is refunded; an unpaid or failed invoice keeps its status.
    connection.execute(
        update(invoices)
        .where(
            invoices.c.order_id == order_id,
            invoices.c.customer_id == customer_id,
            invoices.c.status == InvoiceStatus.PAID.value,
        )
        .values(status=InvoiceStatus.REFUNDED.value)
    )


def _refuse_taken_email(connection: Connection, customer_id: str, key: str) -> None:
    owner = connection.execute(select(customers.c.id).where(customers.c.email_key == key)).scalar()
    if owner is not None and owner != customer_id:
        raise _email_taken()


def _email_taken(exc: Exception | None = None) -> CrmConflictError:
    return CrmConflictError(
        "That email address is already used by another account. Please use a different one.",
        detail=None if exc is None else str(exc),
    )


def _require_customer(connection: Connection, customer_id: str) -> None:
    if _customer_row(connection, customer_id) is None:
        raise CrmNotFoundError(
            "That customer is not in this CRM.",
            detail=f"an update for unknown customer {customer_id!r}; send customer.updated first",
        )


def _upsert(connection: Connection, table: Table, values: Values, keys: list[str]) -> None:
    """Insert, or update the row with the same ``keys``: one statement, so two
    deliveries of the same new record cannot both insert."""
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table).values(values)
    changes = {name: statement.excluded[name] for name in values if name not in keys}
    connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))


# ------------------------------------------------------------------ validation


def _carried(update: CrmUpdate, record: Profile | Order | Invoice | None) -> Any:
    """The record an update carries, checked to be the customer the update names."""
    if record is None:
        raise CrmDataError(BAD_DATA, detail=f"{update.kind.value} without its record")
    owner = record.id if isinstance(record, Profile) else record.customer_id
    if owner != update.customer_id:
        raise CrmDataError(
            BAD_DATA,
            detail=f"{update.kind.value} names {update.customer_id!r} but carries {owner!r}",
        )
    return record


def _contact_values(update: ContactUpdate) -> Values:
    checked = checked_contact(update)
    values: Values = {}
    if checked.email is not None:
        values.update(email=checked.email, email_key=email_key(checked.email))
    if checked.phone is not None:
        values["phone"] = checked.phone
    return values


def _shipping_values(address: Address) -> Values:
    return {
        "ship_address_id": address.id,
        "ship_label": address.label,
        "ship_line1": address.line1.strip(),
        "ship_line2": address.line2.strip() if address.line2 else None,
        "ship_city": address.city.strip(),
        "ship_postcode": address.postcode.strip(),
        "ship_country": address.country.strip(),
    }
