"""The ledger: every CRM record the assistant read or changed in a turn.

A RecordingDirectory stands in for the CustomerDirectory during one turn and notes
each record that passes through it, by name and field names only: agents see what
the assistant looked at, and no value (let alone a secret or a card number) is
copied into the ledger.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from frontdesk.core.account.model import (
    Address,
    ContactUpdate,
    CrmUpdate,
    Invoice,
    Order,
    Profile,
    Subscription,
)
from frontdesk.core.conversation import LedgerEntry
from frontdesk.core.ports import CustomerDirectory

READ, CHANGED, RECEIVED = "read", "changed", "received"


def field_names(record: object, prefix: str = "") -> tuple[str, ...]:
    """The names of the fields that hold something, nested ones as "shipment.carrier"."""
    if not is_dataclass(record) or isinstance(record, type):
        return ()
    names: list[str] = []
    for f in fields(record):
        value: Any = getattr(record, f.name)
        if value is None or value == () or value == "":
            continue
        if is_dataclass(value) and not isinstance(value, type):
            names.extend(field_names(value, f"{prefix}{f.name}."))
        elif isinstance(value, tuple) and value and is_dataclass(value[0]):
            names.append(f"{prefix}{f.name}[{len(value)}]")
        else:
            names.append(f"{prefix}{f.name}")
    return tuple(names)


def record_name(record: object) -> str:
    if isinstance(record, Order):
        return f"order {record.id}"
    if isinstance(record, Invoice):
        return f"invoice {record.id}"
    if isinstance(record, Profile):
        return f"customer {record.id}"
    if isinstance(record, Subscription):
        return f"subscription {record.plan_id}"
    if isinstance(record, Address):
        return f"address {record.id or 'new'}"
    return type(record).__name__.lower()


class RecordingDirectory:
    """A CustomerDirectory that notes every record read or changed through it."""

    def __init__(self, inner: CustomerDirectory) -> None:
        self.inner = inner
        self.entries: list[LedgerEntry] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def keeps_copy(self) -> bool:
        return self.inner.keeps_copy

    def _note(self, action: str, record: object, only: tuple[str, ...] | None = None) -> None:
        names = field_names(record) if only is None else only
        entry = LedgerEntry(action, record_name(record), names, self.inner.name)
        if entry not in self.entries:
            self.entries.append(entry)

    def _note_missing(self, what: str) -> None:
        self.entries.append(LedgerEntry(READ, what, (), self.inner.name))

    def customer(self, customer_id: str) -> Profile | None:
        found = self.inner.customer(customer_id)
        self._note(READ, found) if found else self._note_missing(f"customer {customer_id}")
        return found

    def find_by_email(self, email: str) -> Profile | None:
        found = self.inner.find_by_email(email)
        self._note(READ, found) if found else self._note_missing("customer by email")
        return found

    def addresses(self, customer_id: str) -> list[Address]:
        found = self.inner.addresses(customer_id)
        for address in found:
            self._note(READ, address)
        return found

    def orders(self, customer_id: str, limit: int = 10) -> list[Order]:
        found = self.inner.orders(customer_id, limit)
        for order in found:
            self._note(READ, order)
        return found

    def order(self, customer_id: str, order_id: str) -> Order | None:
        found = self.inner.order(customer_id, order_id)
        self._note(READ, found) if found else self._note_missing(f"order {order_id}")
        return found

    def subscription(self, customer_id: str) -> Subscription | None:
        found = self.inner.subscription(customer_id)
        self._note(READ, found) if found else self._note_missing("subscription")
        return found

    def invoices(self, customer_id: str, limit: int = 10) -> list[Invoice]:
        found = self.inner.invoices(customer_id, limit)
        for invoice in found:
            self._note(READ, invoice)
        return found

    def update_contact(self, customer_id: str, update: ContactUpdate) -> Profile:
        profile = self.inner.update_contact(customer_id, update)
        self._note(CHANGED, profile, field_names(update))
        return profile

    def update_order_address(self, customer_id: str, order_id: str, address: Address) -> Order:
        order = self.inner.update_order_address(customer_id, order_id, address)
        self._note(CHANGED, order, ("shipping_address",))
        return order

    def cancel_order(self, customer_id: str, order_id: str) -> Order:
        order = self.inner.cancel_order(customer_id, order_id)
        self._note(CHANGED, order, ("status", "cancelled_at"))
        return order

    def apply_update(self, update: CrmUpdate) -> None:
        self.inner.apply_update(update)

    def close(self) -> None:
        self.inner.close()


def received(update: CrmUpdate, crm: str) -> LedgerEntry:
    """The ledger line for a record a webhook pushed to us."""
    record: object = update.order or update.invoice or update.profile
    return LedgerEntry(RECEIVED, record_name(record), field_names(record), crm)
