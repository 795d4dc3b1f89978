"""How account records read to a shopper: orders, dates, money, cards."""

from __future__ import annotations

from datetime import date, datetime

from frontdesk.core.account.model import Address, Invoice, Order, OrderStatus, money


def day(value: date | datetime, today: date) -> str:
    """ "22 Nov", or "8 Jan 2027" when the year is not this one."""
    moment = value.date() if isinstance(value, datetime) else value
    text = f"{moment.day} {moment:%b}"
    return text if moment.year == today.year else f"{text} {moment.year}"


def items_summary(order: Order, most: int = 2) -> str:
    names = [
        item.name if item.quantity == 1 else f"{item.quantity} × {item.name}"
        for item in order.items
    ]
    if not names:
        return "no items listed"
    if len(names) <= most:
        return " and ".join(names)
    return f"{', '.join(names[:most])} and {len(names) - most} more"


def status_line(order: Order, today: date) -> str:
    """One line on where an order is: what a shopper asking "where is it" wants."""
    shipment = order.shipment
    if order.status is OrderStatus.PROCESSING:
        return f"is being prepared (placed {day(order.placed_at, today)}); it hasn't shipped yet"
    if order.status is OrderStatus.CANCELLED:
        when = order.cancelled_at or order.placed_at
        return f"was cancelled on {day(when, today)}"
    if order.status is OrderStatus.DELIVERED:
        delivered = order.delivered_at
        return "has been delivered" + (f" ({day(delivered, today)})" if delivered else "")
    if shipment is None:
        return "has shipped"
    line = f"shipped on {day(shipment.shipped_at, today)} with {shipment.carrier}"
    if shipment.expected_on is not None:
        line += f", expected {day(shipment.expected_on, today)}"
    return line


def tracking_line(order: Order) -> str | None:
    shipment = order.shipment
    if shipment is None or order.status is not OrderStatus.SHIPPED:
        return None
    line = f"Tracking number: {shipment.tracking_number}"
    return f"{line} ({shipment.tracking_url})" if shipment.tracking_url else line


def order_details(order: Order, today: date) -> str:
    what = f"{items_summary(order)}, {money(order.total)}"
    text = f"Order #{order.id} ({what}) {status_line(order, today)}."
    tracking = tracking_line(order)
    return f"{text}\n{tracking}" if tracking else text


def order_label(order: Order) -> str:
    return f"Order #{order.id}"


def card(invoice: Invoice) -> str:
    if invoice.card_last4:
        return f"{invoice.payment_method or 'card'} ending {invoice.card_last4}"
    return invoice.payment_method or "your original payment method"


def address_text(address: Address) -> str:
    return address.one_line()
