"""The demo shop's CRM: customers, addresses, orders, shipments, plans and invoices.

All of it is made up and follows SHOP.md (order numbers #1001–#1060, statuses,
Northwind Plus at £49 a year with 60-day returns, free delivery from £50). Dates
are relative to ``now`` so a freshly seeded shop has orders in every state: the
higher the number, the more recent the order. Alex Morgan (cus_1001), the demo
shop's signed-in shopper, has one order in each state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from frontdesk.core.account.model import (
    Address,
    Invoice,
    InvoiceStatus,
    Order,
    OrderItem,
    OrderStatus,
    Profile,
    Shipment,
    Subscription,
    SubscriptionStatus,
)

FIRST_ORDER, LAST_ORDER = 1001, 1060
DAYS_PER_ORDER = 1.3  # #1001 is about 77 days old, #1060 was placed today
PLUS_PRICE = 4900
STANDARD_DELIVERY, FREE_DELIVERY_FROM = 495, 5000
TWO_PERSON, TWO_PERSON_PLUS = 3900, 1900

# (sku, name, price in pence, large: delivered by two people)
PRODUCTS: tuple[tuple[str, str, int, bool], ...] = (
    ("SOF-HARLOW-3-SAGE", "Harlow 3-seater sofa, sage velvet", 74900, True),
    ("TBL-ASHBY-SIDE-OAK", "Ashby solid oak side table", 12900, False),
    ("LMP-LINDEN-BLUE", "Linden ceramic table lamp, lake blue", 6400, False),
    ("KIT-BROOK-KETTLE", "Brook 1.7 L glass kettle", 3999, False),
    ("TXT-FENWICK-THROW", "Fenwick chunky knit throw, 130 × 170 cm", 4500, False),
    ("RUG-MARLOW-160", "Marlow wool-blend rug, 160 × 230 cm", 18900, False),
    ("BED-ELDON-DOUBLE", "Eldon oak bed frame, double", 54900, True),
    ("WRD-KESWICK-2D", "Keswick two-door wardrobe, white", 42900, True),
    ("SHF-ORWELL-5", "Orwell five-shelf bookcase, walnut", 15900, False),
    ("KIT-TOLLY-TOASTER", "Tolly 2-slice toaster, cream", 3499, False),
    ("KIT-RIVA-COFFEE", "Riva bean-to-cup coffee machine", 27900, False),
    ("TXT-CALDER-CUSHION", "Calder linen cushion, rust", 2200, False),
    ("TXT-AVON-BEDDING", "Avon cotton bedding set, double", 6900, False),
    ("LMP-HOLT-FLOOR", "Holt arc floor lamp, brass", 11900, False),
    ("GFT-CANDLE-FIG", "Fig & cedar scented candle", 1800, False),
)
CARRIERS = {False: ("DPD", "https://track.dpd.example/{n}"), True: ("Northwind Two-Person", None)}


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    profile: Profile
    addresses: tuple[Address, ...]
    plus: bool
    payment: tuple[str, str | None]  # method, card's last four


def _address(cid: str, n: int, label: str, line1: str, city: str, postcode: str) -> Address:
    return Address(line1, city, postcode, id=f"adr_{cid[4:]}_{n}", label=label)


CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer(
        Profile("cus_1001", "Alex Morgan", "alex.morgan@example.com", "07700 900101"),
        (
            _address("cus_1001", 1, "Home", "14 Larch Road", "Bristol", "BS6 5JT"),
            _address("cus_1001", 2, "Work", "Unit 3, Harbourside Studios", "Bristol", "BS1 5TY"),
        ),
        plus=True,
        payment=("Visa", "4242"),
    ),
    DemoCustomer(
        Profile("cus_1002", "Priya Shah", "priya.shah@example.com", "07700 900102"),
        (_address("cus_1002", 1, "Home", "7 Mill Lane", "Leeds", "LS6 2AB"),),
        plus=False,
        payment=("PayPal", None),
    ),
    DemoCustomer(
        Profile("cus_1003", "Sam Carter", "sam.carter@example.com", None),
        (_address("cus_1003", 1, "Home", "Flat 2, 31 Dock Street", "Dundee", "DD1 3DR"),),
        plus=False,
        payment=("Mastercard", "5100"),
    ),
    DemoCustomer(
        Profile("cus_1004", "Grace Okafor", "grace.okafor@example.com", "07700 900104"),
        (_address("cus_1004", 1, "Home", "88 Kingsway", "Manchester", "M19 2LL"),),
        plus=True,
        payment=("American Express", "0005"),
    ),
    DemoCustomer(
        Profile("cus_1005", "Tom Lewis", "tom.lewis@example.com", "07700 900105"),
        (_address("cus_1005", 1, "Home", "2 Orchard Close", "Cardiff", "CF5 1QE"),),
        plus=False,
        payment=("Klarna", None),
    ),
    DemoCustomer(
        Profile("cus_1006", "Hannah Wright", "hannah.wright@example.com", None),
        (_address("cus_1006", 1, "Home", "19 Castle View", "Norwich", "NR1 3JU"),),
        plus=False,
        payment=("Visa", "1881"),
    ),
    DemoCustomer(
        Profile("cus_1007", "Daniel Byrne", "daniel.byrne@example.com", "07700 900107"),
        (_address("cus_1007", 1, "Home", "5 Ferry Road", "Belfast", "BT9 6AA"),),
        plus=True,
        payment=("Apple Pay", "7310"),
    ),
    DemoCustomer(
        Profile("cus_1008", "Chloe Evans", "chloe.evans@example.com", "07700 900108"),
        (_address("cus_1008", 1, "Home", "41 Meadow Way", "Oxford", "OX4 1PG"),),
        plus=False,
        payment=("Google Pay", "2468"),
    ),
)

# Alex's orders, one in each state; everybody else's are drawn with a fixed seed.
PINNED: dict[int, tuple[str, tuple[int, ...], OrderStatus]] = {
    1059: ("cus_1001", (1, 4), OrderStatus.PROCESSING),  # side table + throw
    1055: ("cus_1001", (0,), OrderStatus.SHIPPED),  # sofa, two-person delivery
    1043: ("cus_1001", (2,), OrderStatus.DELIVERED),  # lamp: within the return window
    1006: ("cus_1001", (5,), OrderStatus.DELIVERED),  # rug: past even the 60 days
    1057: ("cus_1002", (3, 11), OrderStatus.PROCESSING),
    1048: ("cus_1002", (12,), OrderStatus.DELIVERED),
    1052: ("cus_1003", (10,), OrderStatus.CANCELLED),
}


@dataclass
class DemoCrm:
    customers: list[DemoCustomer]
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)


def demo_crm(now: datetime | None = None) -> DemoCrm:
    """The whole demo CRM as of ``now`` (UTC); the same ``now`` gives the same data."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    crm = DemoCrm(list(CUSTOMERS))
    for customer in CUSTOMERS:
        if customer.plus:
            crm.subscriptions[customer.profile.id] = _plus(customer, now)
            crm.invoices.append(_membership_invoice(customer, now))
    rng = random.Random(FIRST_ORDER)
    others = [c for c in CUSTOMERS if c.profile.id != "cus_1001"]
    by_id = {c.profile.id: c for c in CUSTOMERS}
    for number in range(FIRST_ORDER, LAST_ORDER + 1):
        placed = now - timedelta(days=(LAST_ORDER - number) * DAYS_PER_ORDER, hours=3)
        if number in PINNED:
            cid, picks, status = PINNED[number]
            customer = by_id[cid]
        else:
            customer = rng.choice(others)
            picks = tuple(rng.sample(range(len(PRODUCTS)), rng.choice((1, 1, 2, 3))))
            status = _status_for_age(now - placed, rng)
        order = _order(str(number), customer, picks, status, placed, now)
        crm.orders.append(order)
        if status is not OrderStatus.CANCELLED:
            crm.invoices.append(_order_invoice(order, customer))
        else:
            crm.invoices.append(_order_invoice(order, customer, InvoiceStatus.REFUNDED))
    crm.orders.sort(key=lambda o: o.placed_at, reverse=True)
    crm.invoices.sort(key=lambda i: i.issued_at, reverse=True)
    return crm


def _status_for_age(age: timedelta, rng: random.Random) -> OrderStatus:
    if rng.random() < 0.06:
        return OrderStatus.CANCELLED
    if age < timedelta(days=2):
        return OrderStatus.PROCESSING
    if age < timedelta(days=6):
        return OrderStatus.SHIPPED
    return OrderStatus.DELIVERED


def _order(
    number: str,
    customer: DemoCustomer,
    picks: tuple[int, ...],
    status: OrderStatus,
    placed: datetime,
    now: datetime,
) -> Order:
    items = tuple(OrderItem(PRODUCTS[i][0], PRODUCTS[i][1], 1, PRODUCTS[i][2]) for i in picks)
    large = any(PRODUCTS[i][3] for i in picks)
    subtotal = sum(i.unit_price * i.quantity for i in items)
    if large:
        delivery = TWO_PERSON_PLUS if customer.plus else TWO_PERSON
    elif customer.plus or subtotal >= FREE_DELIVERY_FROM:
        delivery = 0
    else:
        delivery = STANDARD_DELIVERY
    shipment = None
    if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        shipment = _shipment(number, large, placed, status, now)
    cancelled = placed + timedelta(hours=5) if status is OrderStatus.CANCELLED else None
    return Order(
        id=number,
        customer_id=customer.profile.id,
        placed_at=placed,
        status=status,
        total=subtotal + delivery,
        shipping_address=customer.addresses[0],
        items=items,
        shipment=shipment,
        cancelled_at=cancelled,
    )


def _shipment(
    number: str, large: bool, placed: datetime, status: OrderStatus, now: datetime
) -> Shipment:
    carrier, url = CARRIERS[large]
    tracking = f"NW{number}{'TP' if large else 'DP'}{int(number) * 7919 % 100000:05d}"
    shipped = placed + timedelta(days=3 if large else 1)
    if status is OrderStatus.SHIPPED and shipped > now:
        shipped = now - timedelta(hours=6)
    transit = timedelta(days=6 if large else 3)
    # A delivered order's delivery is in the past, however recent the order.
    delivered = None
    if status is OrderStatus.DELIVERED:
        delivered = min(shipped + transit, now - timedelta(hours=2))
    expected = (shipped + transit).date() if status is OrderStatus.SHIPPED else None
    if expected is not None and expected <= now.date():
        expected = now.date() + timedelta(days=1)
    return Shipment(
        carrier=carrier,
        tracking_number=tracking,
        shipped_at=shipped,
        tracking_url=None if url is None else url.format(n=tracking),
        expected_on=expected,
        delivered_at=delivered,
    )


def _order_invoice(
    order: Order, customer: DemoCustomer, status: InvoiceStatus = InvoiceStatus.PAID
) -> Invoice:
    method, last4 = customer.payment
    return Invoice(
        id=f"INV-{order.id}",
        customer_id=customer.profile.id,
        issued_at=order.placed_at,
        amount=order.total,
        status=status,
        order_id=order.id,
        payment_method=method,
        card_last4=last4,
        paid_at=order.placed_at + timedelta(minutes=1),
    )


def _plus(customer: DemoCustomer, now: datetime) -> Subscription:
    started = _membership_start(customer, now)
    renews = date(started.year + 1, started.month, min(started.day, 28))
    return Subscription(
        plan_id="plus",
        plan_name="Northwind Plus",
        price=PLUS_PRICE,
        period="year",
        status=SubscriptionStatus.ACTIVE,
        started_on=started,
        renews_on=renews,
        return_days=60,
    )


def _membership_start(customer: DemoCustomer, now: datetime) -> date:
    # Spread the members' join dates over the past year, the same on every run.
    offset = 40 + int(customer.profile.id[-2:]) * 37 % 300
    return (now - timedelta(days=offset)).date()


def _membership_invoice(customer: DemoCustomer, now: datetime) -> Invoice:
    method, last4 = customer.payment
    started = _membership_start(customer, now)
    issued = datetime(started.year, started.month, started.day, 10, 0, tzinfo=UTC)
    return Invoice(
        id=f"INV-M{customer.profile.id[4:]}-{started.year}",
        customer_id=customer.profile.id,
        issued_at=issued,
        amount=PLUS_PRICE,
        status=InvoiceStatus.PAID,
        payment_method=method,
        card_last4=last4,
        paid_at=issued,
    )
