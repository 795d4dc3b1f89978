"""What the console's JSON looks like: cases, the customer, the ledger."""

from __future__ import annotations

import time
from collections.abc import Sequence

from frontdesk.bootstrap import Services
from frontdesk.core.account.model import Order, Profile, money
from frontdesk.core.conversation import Customer, Event
from frontdesk.core.escalation.model import Agent, Case
from frontdesk.interfaces.api.wire import iso

ORDERS_SHOWN = 10


def case_json(
    case: Case,
    *,
    customer: Customer | None,
    owner: Agent | None,
    viewer: Agent,
    last_message: str,
) -> dict[str, object]:
    return {
        "id": case.id,
        "conversation_id": case.conversation_id,
        "queue": case.queue,
        "status": case.status.value,
        "trigger": case.trigger.as_dict(),
        "topic": case.topic,
        "topic_label": case.topic_label,
        "created_at": iso(case.created_at),
        "waiting_s": round(max(0.0, (case.claimed_at or time.time()) - case.created_at)),
        "customer": None if customer is None else customer.as_dict(),
        "agent": None if owner is None else {"id": owner.id, "name": owner.name},
        "mine": case.agent_id == viewer.id,
        "last_message": last_message[:300],
        "note": case.note,
    }


def customer_json(services: Services, customer: Customer | None) -> dict[str, object] | None:
    """The signed-in shopper's profile and recent orders from the CRM. This is the
    agent looking, not the assistant, so it is not written to the assistant's ledger."""
    if customer is None:
        return None
    profile = services.directory.customer(customer.id)
    orders = services.directory.orders(customer.id, limit=ORDERS_SHOWN) if profile else []
    return {
        "id": customer.id,
        "profile": None if profile is None else _profile(profile),
        "orders": [_order(o) for o in orders],
    }


def _profile(profile: Profile) -> dict[str, object]:
    return {"id": profile.id, "name": profile.name, "email": profile.email, "phone": profile.phone}


def _order(order: Order) -> dict[str, object]:
    shipment = order.shipment
    return {
        "id": order.id,
        "status": order.status.value,
        "total": money(order.total),
        "placed_at": order.placed_at.isoformat(),
        "items": [f"{item.quantity} × {item.name}" for item in order.items],
        "tracking": None if shipment is None else shipment.tracking_number,
    }


def ledger_rows(events: Sequence[Event]) -> list[dict[str, object]]:
    """Every CRM record the assistant read or changed, turn by turn: names of records
    and fields, never their values."""
    return [
        {"seq": event.seq, "reply_to": event.reply_to, "at": iso(event.at), **entry.as_dict()}
        for event in events
        if event.reply is not None
        for entry in event.reply.ledger
    ]
