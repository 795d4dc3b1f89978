"""The JSON form of CRM records: what the HTTP CRM answers and what webhooks carry.

docs/crm-api.md describes it for shops. Reading is strict about what the assistant
relies on (ids, statuses, amounts in integer minor units, ISO 8601 times) and says
exactly which field was wrong; a card number is cut to its last four digits the
moment it is read, whatever field it came in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from frontdesk.core.account.model import (
    Address,
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
from frontdesk.errors import CrmDataError

Json = dict[str, Any]
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def _bad(what: str, field: str, problem: str) -> CrmDataError:
    return CrmDataError(
        "The shop's customer system sent data I could not read.",
        detail=f"{what}.{field}: {problem}",
    )


def _kind(value: object) -> str:
    """What a bad value was, never the value: it may be a card number or an address."""
    return "nothing" if value is None else f"a {type(value).__name__}"


# A run of 12–19 digits (spaces or dashes allowed) in free text is a card number.
_CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){8,15}(\d{4})\b")


def _no_card_numbers(text: str | None) -> str | None:
    return None if text is None else _CARD_NUMBER.sub(r"•••• \1", text)


class _Reader:
    """Typed access to one JSON object, naming the field in every error."""

    def __init__(self, what: str, value: object) -> None:
        if not isinstance(value, Mapping):
            raise _bad(what, "", f"expected an object, got {type(value).__name__}")
        self.what = what
        self.obj = value

    def text(self, name: str) -> str:
        value = self.obj.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
            raise _bad(self.what, name, f"expected a non-empty string, got {_kind(value)}")
        return str(value).strip()

    def optional_text(self, name: str) -> str | None:
        return None if self.obj.get(name) in (None, "") else self.text(name)

    def pence(self, name: str) -> int:
        value = self.obj.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(self.what, name, f"expected integer minor units (pence), got {_kind(value)}")
        return value

    def integer(self, name: str, default: int) -> int:
        return default if self.obj.get(name) is None else self.pence(name)

    def moment(self, name: str) -> datetime:
        raw = self.text(name)
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise _bad(self.what, name, "expected an ISO 8601 time") from None
        if value.tzinfo is None:
            raise _bad(self.what, name, "the time has no timezone")
        return value.astimezone(UTC)

    def optional_moment(self, name: str) -> datetime | None:
        return None if self.obj.get(name) in (None, "") else self.moment(name)

    def day(self, name: str) -> date:
        raw = self.text(name)
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise _bad(self.what, name, "expected a date (YYYY-MM-DD)") from None

    def optional_day(self, name: str) -> date | None:
        return None if self.obj.get(name) in (None, "") else self.day(name)

    def choice(self, name: str, kind: type[E]) -> E:
        raw = self.text(name)
        try:
            return kind(raw.lower())
        except ValueError:
            known = ", ".join(k.value for k in kind)
            raise _bad(self.what, name, f"not one of {known}") from None

    def child(self, name: str) -> _Reader:
        return _Reader(f"{self.what}.{name}", self.obj.get(name))

    def optional_child(self, name: str) -> _Reader | None:
        return None if self.obj.get(name) is None else self.child(name)

    def children(self, name: str) -> list[_Reader]:
        value = self.obj.get(name, [])
        if not isinstance(value, list):
            raise _bad(self.what, name, "expected a list")
        return [_Reader(f"{self.what}.{name}[{i}]", v) for i, v in enumerate(value)]


def profile_from_json(value: object) -> Profile:
    r = _Reader("customer", value)
    return Profile(r.text("id"), r.text("name"), r.text("email"), r.optional_text("phone"))


def address_from_json(value: object, what: str = "address") -> Address:
    r = _Reader(what, value)
    return _address(r)


def _address(r: _Reader) -> Address:
    return Address(
        line1=r.text("line1"),
        city=r.text("city"),
        postcode=r.text("postcode").upper(),
        country=r.optional_text("country") or "GB",
        line2=r.optional_text("line2"),
        id=r.optional_text("id"),
        label=r.optional_text("label"),
    )


def order_from_json(value: object) -> Order:
    r = _Reader("order", value)
    shipment = r.optional_child("shipment")
    return Order(
        id=r.text("id").lstrip("#"),
        customer_id=r.text("customer_id"),
        placed_at=r.moment("placed_at"),
        status=r.choice("status", OrderStatus),
        total=r.pence("total"),
        shipping_address=_address(r.child("shipping_address")),
        items=tuple(
            OrderItem(
                i.text("sku"), i.text("name"), i.integer("quantity", 1), i.pence("unit_price")
            )
            for i in r.children("items")
        ),
        shipment=None if shipment is None else _shipment(shipment),
        cancelled_at=r.optional_moment("cancelled_at"),
    )


def _shipment(r: _Reader) -> Shipment:
    return Shipment(
        carrier=r.text("carrier"),
        tracking_number=r.text("tracking_number"),
        shipped_at=r.moment("shipped_at"),
        tracking_url=r.optional_text("tracking_url"),
        expected_on=r.optional_day("expected_on"),
        delivered_at=r.optional_moment("delivered_at"),
    )


def subscription_from_json(value: object) -> Subscription:
    r = _Reader("subscription", value)
    return Subscription(
        plan_id=r.text("plan_id"),
        plan_name=r.text("plan_name"),
        price=r.pence("price"),
        period=r.text("period"),
        status=r.choice("status", SubscriptionStatus),
        started_on=r.day("started_on"),
        renews_on=r.optional_day("renews_on"),
        return_days=r.integer("return_days", 30),
    )


def invoice_from_json(value: object) -> Invoice:
    r = _Reader("invoice", value)
    # Whatever the CRM calls the card field, only its last four digits are kept.
    card = r.obj.get("card_last4") or r.obj.get("card_number")
    if isinstance(r.obj.get("card"), Mapping):  # {"last4": …, "exp_year": …}
        card = card or r.obj["card"].get("last4")
    elif isinstance(r.obj.get("card"), str):
        card = card or r.obj["card"]
    return Invoice(
        id=r.text("id"),
        customer_id=r.text("customer_id"),
        issued_at=r.moment("issued_at"),
        amount=r.pence("amount"),
        status=r.choice("status", InvoiceStatus),
        order_id=None if r.optional_text("order_id") is None else r.text("order_id").lstrip("#"),
        payment_method=_no_card_numbers(r.optional_text("payment_method")),
        card_last4=last_four(str(card)) if card else None,
        paid_at=r.optional_moment("paid_at"),
    )


def list_from_json(value: object, what: str, parse: Callable[[object], T]) -> list[T]:
    """A list of records, given as a bare JSON list or as {"items": [...]}."""
    if isinstance(value, Mapping) and isinstance(value.get("items"), list):
        value = value["items"]
    if not isinstance(value, list):
        raise _bad(what, "", "expected a list (or an object with an `items` list)")
    return [parse(v) for v in value]


def update_from_json(value: object, delivery_id: str) -> CrmUpdate:
    """A webhook body: {"type": "order.updated", "data": {...the record...}}."""
    r = _Reader("webhook", value)
    kind = r.choice("type", UpdateKind)
    data = r.obj.get("data")
    if kind is UpdateKind.CUSTOMER:
        profile = profile_from_json(data)
        return CrmUpdate(kind, profile.id, delivery_id, profile=profile)
    if kind is UpdateKind.ORDER:
        order = order_from_json(data)
        return CrmUpdate(kind, order.customer_id, delivery_id, order=order)
    invoice = invoice_from_json(data)
    return CrmUpdate(kind, invoice.customer_id, delivery_id, invoice=invoice)


# -- writing (the fake CRM in tests, webhooks a shop sends, the demo) ------------------


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def address_to_json(a: Address) -> Json:
    return {
        "id": a.id,
        "label": a.label,
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "postcode": a.postcode,
        "country": a.country,
    }


def profile_to_json(p: Profile) -> Json:
    return {"id": p.id, "name": p.name, "email": p.email, "phone": p.phone}


def order_to_json(o: Order) -> Json:
    s = o.shipment
    return {
        "id": o.id,
        "customer_id": o.customer_id,
        "placed_at": _iso(o.placed_at),
        "status": o.status.value,
        "total": o.total,
        "currency": "GBP",
        "shipping_address": address_to_json(o.shipping_address),
        "items": [
            {"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price": i.unit_price}
            for i in o.items
        ],
        "shipment": None
        if s is None
        else {
            "carrier": s.carrier,
            "tracking_number": s.tracking_number,
            "tracking_url": s.tracking_url,
            "shipped_at": _iso(s.shipped_at),
            "expected_on": _iso(s.expected_on),
            "delivered_at": _iso(s.delivered_at),
        },
        "cancelled_at": _iso(o.cancelled_at),
    }


def subscription_to_json(s: Subscription) -> Json:
    return {
        "plan_id": s.plan_id,
        "plan_name": s.plan_name,
        "price": s.price,
        "period": s.period,
        "status": s.status.value,
        "started_on": _iso(s.started_on),
        "renews_on": _iso(s.renews_on),
        "return_days": s.return_days,
    }


def invoice_to_json(i: Invoice) -> Json:
    return {
        "id": i.id,
        "customer_id": i.customer_id,
        "order_id": i.order_id,
        "issued_at": _iso(i.issued_at),
        "amount": i.amount,
        "currency": "GBP",
        "status": i.status.value,
        "payment_method": i.payment_method,
        "card_last4": i.card_last4,
        "paid_at": _iso(i.paid_at),
    }


def update_to_json(update: CrmUpdate) -> Json:
    if update.order is not None:
        data = order_to_json(update.order)
    elif update.invoice is not None:
        data = invoice_to_json(update.invoice)
    elif update.profile is not None:
        data = profile_to_json(update.profile)
    else:
        raise ValueError("an update carries a customer, an order or an invoice")
    return {"type": update.kind.value, "data": data}
