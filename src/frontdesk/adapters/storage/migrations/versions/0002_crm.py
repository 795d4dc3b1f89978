"""The embedded CRM: customers, addresses, plans, orders, shipments, invoices, and
the webhook deliveries already received.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID, NAME, EMAIL, STATUS, POSTCODE, COUNTRY = 64, 200, 320, 16, 32, 64


def _customer_fk(*, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(
        "customer_id",
        sa.String(ID),
        sa.ForeignKey("crm_customers.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _order_fk() -> sa.Column[str]:
    return sa.Column(
        "order_id",
        sa.String(ID),
        sa.ForeignKey("crm_orders.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    _customers()
    _orders()
    _invoices()
    op.create_table(
        "crm_webhook_deliveries",
        sa.Column("delivery_id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("received_at", sa.Double(), nullable=False),
    )


def _customers() -> None:
    op.create_table(
        "crm_customers",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("email", sa.String(EMAIL), nullable=False),
        sa.Column("email_key", sa.String(EMAIL), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.UniqueConstraint("email_key", name="uq_crm_customers_email_key"),
    )
    op.create_table(
        "crm_addresses",
        _customer_fk(primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("address_id", sa.String(ID), nullable=True),
        sa.Column("label", sa.String(NAME), nullable=True),
        sa.Column("line1", sa.String(NAME), nullable=False),
        sa.Column("line2", sa.String(NAME), nullable=True),
        sa.Column("city", sa.String(NAME), nullable=False),
        sa.Column("postcode", sa.String(POSTCODE), nullable=False),
        sa.Column("country", sa.String(COUNTRY), nullable=False),
    )
    op.create_table(
        "crm_subscriptions",
        _customer_fk(primary_key=True),
        sa.Column("plan_id", sa.String(ID), nullable=False),
        sa.Column("plan_name", sa.String(NAME), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(STATUS), nullable=False),
        sa.Column("status", sa.String(STATUS), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("renews_on", sa.Date(), nullable=True),
        sa.Column("return_days", sa.Integer(), nullable=False),
    )


def _orders() -> None:
    op.create_table(
        "crm_orders",
        sa.Column("id", sa.String(ID), primary_key=True),
        _customer_fk(),
        sa.Column("placed_at", sa.Double(), nullable=False),
        sa.Column("status", sa.String(STATUS), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("ship_address_id", sa.String(ID), nullable=True),
        sa.Column("ship_label", sa.String(NAME), nullable=True),
        sa.Column("ship_line1", sa.String(NAME), nullable=False),
        sa.Column("ship_line2", sa.String(NAME), nullable=True),
        sa.Column("ship_city", sa.String(NAME), nullable=False),
        sa.Column("ship_postcode", sa.String(POSTCODE), nullable=False),
        sa.Column("ship_country", sa.String(COUNTRY), nullable=False),
        sa.Column("cancelled_at", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
    )
    op.create_index("ix_crm_orders_customer_placed", "crm_orders", ["customer_id", "placed_at"])
    op.create_table(
        "crm_order_items",
        _order_fk(),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
    )
    op.create_table(
        "crm_shipments",
        _order_fk(),
        sa.Column("carrier", sa.String(NAME), nullable=False),
        sa.Column("tracking_number", sa.String(NAME), nullable=False),
        sa.Column("tracking_url", sa.String(1000), nullable=True),
        sa.Column("shipped_at", sa.Double(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("delivered_at", sa.Double(), nullable=True),
    )


def _invoices() -> None:
    op.create_table(
        "crm_invoices",
        sa.Column("id", sa.String(ID), primary_key=True),
        _customer_fk(),
        sa.Column("order_id", sa.String(ID), nullable=True),
        sa.Column("issued_at", sa.Double(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(STATUS), nullable=False),
        sa.Column("payment_method", sa.String(NAME), nullable=True),
        sa.Column("card_last4", sa.String(4), nullable=True),
        sa.Column("paid_at", sa.Double(), nullable=True),
    )
    op.create_index("ix_crm_invoices_customer_issued", "crm_invoices", ["customer_id", "issued_at"])
    op.create_index("ix_crm_invoices_order", "crm_invoices", ["order_id"])


def downgrade() -> None:
    op.drop_table("crm_webhook_deliveries")
    op.drop_index("ix_crm_invoices_order", table_name="crm_invoices")
    op.drop_index("ix_crm_invoices_customer_issued", table_name="crm_invoices")
    op.drop_table("crm_invoices")
    op.drop_table("crm_shipments")
    op.drop_table("crm_order_items")
    op.drop_index("ix_crm_orders_customer_placed", table_name="crm_orders")
    op.drop_table("crm_orders")
    op.drop_table("crm_subscriptions")
    op.drop_table("crm_addresses")
    op.drop_table("crm_customers")
