"""What a shop's CRM holds about a customer, as the assistant sees it.

Money is in minor units (pence) so sums are exact; times are timezone-aware UTC.
A card is only ever its brand and last four digits: full numbers are never held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class OrderStatus(StrEnum):
    PROCESSING = "processing"  # paid, being prepared: can be cancelled or re-addressed
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class InvoiceStatus(StrEnum):
    PAID = "paid"
    DUE = "due"  # issued, payment not received yet
    FAILED = "failed"  # the payment was declined
    REFUNDED = "refunded"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"  # runs to the end of the period and does not renew
    EXPIRED = "expired"


class UpdateKind(StrEnum):
    """What a CRM webhook says changed."""

    CUSTOMER = "customer.updated"
    ORDER = "order.updated"
    INVOICE = "invoice.updated"


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    postcode: str
    country: str = "GB"
    line2: str | None = None
    id: str | None = None  # a saved address's id in the CRM; None for a typed one
    label: str | None = None  # "Home", "Work" …

    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, self.postcode]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ContactUpdate:
    """New contact details; None leaves a field as it is."""

    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class OrderItem:
    sku: str
    name: str
    quantity: int
    unit_price: int  # pence


@dataclass(frozen=True, slots=True)
class Shipment:
    carrier: str
    tracking_number: str
    shipped_at: datetime
    tracking_url: str | None = None
    expected_on: date | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Order:
    id: str  # the shop's order number, without "#"
    customer_id: str
    placed_at: datetime
    status: OrderStatus
    total: int  # pence, what was paid
    shipping_address: Address
    items: tuple[OrderItem, ...] = ()
    shipment: Shipment | None = None
    cancelled_at: datetime | None = None

    @property
    def cancellable(self) -> bool:
        return self.status is OrderStatus.PROCESSING

    @property
    def delivered_at(self) -> datetime | None:
        return None if self.shipment is None else self.shipment.delivered_at


@dataclass(frozen=True, slots=True)
class Subscription:
    plan_id: str
    plan_name: str
    price: int  # pence per period
    period: str  # "year" or "month"
    status: SubscriptionStatus
    started_on: date
    renews_on: date | None = None  # None: it does not renew
    return_days: int = 30  # the plan's return window, which answers about returns use


@dataclass(frozen=True, slots=True)
class Invoice:
    id: str
    customer_id: str
    issued_at: datetime
    amount: int  # pence
    status: InvoiceStatus
    order_id: str | None = None
    payment_method: str | None = None  # "Visa", "PayPal" …
    card_last4: str | None = None  # only ever the last four digits
    paid_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CrmUpdate:
    """A change the shop's CRM told us about (a webhook): the record as it is now."""

    kind: UpdateKind
    customer_id: str
    delivery_id: str
    profile: Profile | None = None
    order: Order | None = None
    invoice: Invoice | None = None


def last_four(value: str | None) -> str | None:
    """The last four digits of whatever a CRM sent for a card, so a full number that
    slipped through is never stored or shown."""
    if value is None:
        return None
    digits = "".join(c for c in value if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def money(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"
