"""Fill the embedded CRM with the demo shop's customers, orders and invoices.

Seeding is idempotent: a CRM that already holds a customer is left alone (a shop's
own data, or a demo whose orders somebody has been cancelling, is never overwritten
by accident). ``reset`` empties the CRM tables and seeds afresh, in one transaction;
conversations and the webhook delivery log are not touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, delete, func, select
from sqlalchemy.exc import IntegrityError

from frontdesk.adapters.crm.sql_directory import (
    address_values,
    addresses,
    crm_unavailable,
    customer_values,
    customers,
    insert_many,
    invoice_values,
    invoices,
    item_values,
    order_items,
    order_values,
    orders,
    shipment_values,
    shipments,
    subscription_values,
    subscriptions,
    write_lock,
)
from frontdesk.demo.crm_seed import DemoCrm
from frontdesk.errors import CrmUnavailableError, StorageError

# Children first, so no foreign key is ever left dangling mid-transaction.
CRM_TABLES: tuple[Table, ...] = (
    shipments,
    order_items,
    invoices,
    orders,
    subscriptions,
    addresses,
    customers,
)


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What the CRM holds now; ``skipped``: it already held data and was left alone."""

    customers: int
    orders: int
    invoices: int
    skipped: bool


def seed_crm(engine: Engine, crm: DemoCrm, *, reset: bool = False) -> SeedResult:
    """Seed ``crm`` into a migrated database unless it already holds customers.

    Raises StorageError, naming the database, when it cannot be reached."""
    lock = write_lock(engine)
    try:
        with _storage_errors(engine), lock, engine.begin() as connection:
            if not reset and _holds_customers(connection):
                return _counts(connection, skipped=True)
            if reset:
                for table in CRM_TABLES:
                    connection.execute(delete(table))
            _insert(connection, crm)
            return _counts(connection, skipped=False)
    except IntegrityError:
        if reset:
            raise
        # Another process seeded the empty CRM at the same moment; its data stands.
        with _storage_errors(engine), engine.connect() as connection:
            return _counts(connection, skipped=True)
    finally:
        lock.close()


def _holds_customers(connection: Connection) -> bool:
    return connection.execute(select(customers.c.id).limit(1)).first() is not None


def _counts(connection: Connection, *, skipped: bool) -> SeedResult:
    def count(table: Table) -> int:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    return SeedResult(count(customers), count(orders), count(invoices), skipped)


def _insert(connection: Connection, crm: DemoCrm) -> None:
    people = [c.profile for c in crm.customers]
    insert_many(connection, customers, [customer_values(p) for p in people])
    insert_many(
        connection,
        addresses,
        [
            address_values(c.profile.id, position, address)
            for c in crm.customers
            for position, address in enumerate(c.addresses)
        ],
    )
    insert_many(
        connection,
        subscriptions,
        [subscription_values(cid, plan) for cid, plan in crm.subscriptions.items()],
    )
    now = time.time()
    insert_many(connection, orders, [order_values(o, now) for o in crm.orders])
    insert_many(connection, order_items, [row for o in crm.orders for row in item_values(o)])
    insert_many(
        connection,
        shipments,
        [shipment_values(o.id, o.shipment) for o in crm.orders if o.shipment is not None],
    )
    insert_many(connection, invoices, [invoice_values(i) for i in crm.invoices])


@contextmanager
def _storage_errors(engine: Engine) -> Iterator[None]:
    # Seeding is an operator's command: say which database, not the shopper's line.
    try:
        with crm_unavailable():
            yield
    except CrmUnavailableError as exc:
        cause = exc.__cause__
        kind = type(getattr(cause, "orig", None) or cause).__name__
        raise StorageError(
            f"Could not seed the demo CRM at {engine.url!r}: {kind}. Check "
            "FRONTDESK_DATABASE_URL, that the database is running and that "
            "`frontdesk db upgrade` has run.",
            detail=exc.detail,
        ) from exc
