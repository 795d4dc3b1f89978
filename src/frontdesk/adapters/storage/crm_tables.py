"""The embedded CRM's tables, on the conversation store's metadata (one schema, one
migration history).

Times are Double epoch seconds, as in tables.py: SQLite has no timezone-aware
timestamp type, and a float of seconds since 1970 reads back as the very same UTC
microsecond on SQLite and PostgreSQL. Calendar days (renewal, expected delivery) are
plain dates. Money is integer pence. A card is only ever its last four digits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Double, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.adapters.storage.tables import Base

ID = 64  # customer, order, invoice and address ids
NAME = 200
EMAIL = 320  # RFC 5321's longest address
STATUS = 16
POSTCODE = 32
COUNTRY = 64  # an ISO code from us, maybe a name from a CRM

_CUSTOMER_FK = "crm_customers.id"
_ORDER_FK = "crm_orders.id"


class CrmCustomerRow(Base):
    __tablename__ = "crm_customers"
    __table_args__ = (UniqueConstraint("email_key", name="uq_crm_customers_email_key"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    email: Mapped[str] = mapped_column(String(EMAIL))
    # The address lower-cased: one account per address whatever its case, and an
    # index that a case-insensitive lookup can use on both databases.
    email_key: Mapped[str] = mapped_column(String(EMAIL))
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)


class CrmAddressRow(Base):
    __tablename__ = "crm_addresses"

    customer_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey(_CUSTOMER_FK, ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 is the default
    address_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    label: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    line1: Mapped[str] = mapped_column(String(NAME))
    line2: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    city: Mapped[str] = mapped_column(String(NAME))
    postcode: Mapped[str] = mapped_column(String(POSTCODE))
    country: Mapped[str] = mapped_column(String(COUNTRY))


class CrmSubscriptionRow(Base):
    __tablename__ = "crm_subscriptions"

    customer_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey(_CUSTOMER_FK, ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[str] = mapped_column(String(ID))
    plan_name: Mapped[str] = mapped_column(String(NAME))
    price: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(STATUS))
    status: Mapped[str] = mapped_column(String(STATUS))
    started_on: Mapped[date] = mapped_column(Date)
    renews_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    return_days: Mapped[int] = mapped_column(Integer)


class CrmOrderRow(Base):
    __tablename__ = "crm_orders"
    # A customer's orders newest first is the common read.
    __table_args__ = (Index("ix_crm_orders_customer_placed", "customer_id", "placed_at"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey(_CUSTOMER_FK, ondelete="CASCADE")
    )
    placed_at: Mapped[float] = mapped_column(Double)
    status: Mapped[str] = mapped_column(String(STATUS))
    total: Mapped[int] = mapped_column(Integer)
    # The address the order ships to, copied: editing a saved address later must
    # not move a parcel already addressed.
    ship_address_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    ship_label: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    ship_line1: Mapped[str] = mapped_column(String(NAME))
    ship_line2: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    ship_city: Mapped[str] = mapped_column(String(NAME))
    ship_postcode: Mapped[str] = mapped_column(String(POSTCODE))
    ship_country: Mapped[str] = mapped_column(String(COUNTRY))
    cancelled_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    updated_at: Mapped[float] = mapped_column(Double)


class CrmOrderItemRow(Base):
    __tablename__ = "crm_order_items"

    order_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey(_ORDER_FK, ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(ID))
    name: Mapped[str] = mapped_column(String(NAME))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)


class CrmShipmentRow(Base):
    __tablename__ = "crm_shipments"

    order_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey(_ORDER_FK, ondelete="CASCADE"), primary_key=True
    )
    carrier: Mapped[str] = mapped_column(String(NAME))
    tracking_number: Mapped[str] = mapped_column(String(NAME))
    tracking_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    shipped_at: Mapped[float] = mapped_column(Double)
    expected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    delivered_at: Mapped[float | None] = mapped_column(Double, nullable=True)


class CrmInvoiceRow(Base):
    __tablename__ = "crm_invoices"
    __table_args__ = (
        Index("ix_crm_invoices_customer_issued", "customer_id", "issued_at"),
        Index("ix_crm_invoices_order", "order_id"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey(_CUSTOMER_FK, ondelete="CASCADE")
    )
    # No foreign key: a CRM may tell us about an invoice before its order, and a
    # membership invoice has no order at all.
    order_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    issued_at: Mapped[float] = mapped_column(Double)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(STATUS))
    payment_method: Mapped[str | None] = mapped_column(String(NAME), nullable=True)
    card_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    paid_at: Mapped[float | None] = mapped_column(Double, nullable=True)


class CrmWebhookDeliveryRow(Base):
    __tablename__ = "crm_webhook_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[float] = mapped_column(Double)
