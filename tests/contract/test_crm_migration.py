"""Schema 0002 adds the embedded CRM to a store already at 0001, keeping its
conversations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import (
    MIGRATIONS,
    current_revision,
    head_revision,
    upgrade,
)
from tests.databases import BACKENDS, database_url

CRM_TABLES = {
    "crm_customers",
    "crm_addresses",
    "crm_subscriptions",
    "crm_orders",
    "crm_order_items",
    "crm_shipments",
    "crm_invoices",
    "crm_webhook_deliveries",
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_0001_store_upgrades_to_head_with_its_conversations(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "0001")
                connection.execute(
                    text(
                        "INSERT INTO conversations (id, token_hash, mode, created_at, "
                        "updated_at, last_seq) VALUES ('c1', 'h', 'bot', 1, 1, 0)"
                    )
                )
            assert current_revision(engine) == "0001"
            assert not CRM_TABLES & set(inspect(engine).get_table_names())

            assert upgrade(engine) == head_revision() != "0001"
            assert current_revision(engine) == head_revision()
            assert set(inspect(engine).get_table_names()) >= CRM_TABLES
            with engine.connect() as connection:
                kept = connection.execute(text("SELECT id FROM conversations")).scalars().all()
            assert kept == ["c1"]
            assert upgrade(engine) == head_revision()  # and again is a no-op
        finally:
            engine.dispose()
