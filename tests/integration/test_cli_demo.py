"""`frontdesk demo seed` as `make run` runs it: seeds once, then leaves the CRM
alone until --reset."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from frontdesk.adapters.crm.deliveries import SqlDeliveryLog
from frontdesk.adapters.crm.sql_directory import SqlCustomerDirectory
from frontdesk.adapters.crm.sql_seed import SeedResult, seed_crm
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.core.account.model import OrderStatus
from frontdesk.core.conversation import ConversationInfo, Mode
from frontdesk.demo.crm_seed import demo_crm

FRONTDESK = Path(sys.executable).parent / "frontdesk"


def seed(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"FRONTDESK_VAR_DIR": str(tmp_path / "var"), "FRONTDESK_DATABASE_URL": ""}
    return subprocess.run(
        [str(FRONTDESK), "demo", "seed", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def order_status(tmp_path: Path, customer_id: str, order_id: str) -> OrderStatus:
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'frontdesk.db'}")
    directory = SqlCustomerDirectory(engine)
    try:
        order = directory.order(customer_id, order_id)
        assert order is not None
        return order.status
    finally:
        directory.close()
        engine.dispose()


def cancel(tmp_path: Path, customer_id: str, order_id: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'frontdesk.db'}")
    directory = SqlCustomerDirectory(engine)
    try:
        directory.cancel_order(customer_id, order_id)
    finally:
        directory.close()
        engine.dispose()


def test_seed_once_then_leave_alone_until_reset(tmp_path: Path) -> None:
    first = seed(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Seeded the demo CRM: 8 customers, 60 orders, 63 invoices in sqlite:///" in first.stdout
    assert (tmp_path / "var" / "frontdesk.db").is_file()

    cancel(tmp_path, "cus_1001", "1059")
    again = seed(tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already seeded (8 customers" in again.stdout and "--reset" in again.stdout
    assert order_status(tmp_path, "cus_1001", "1059") is OrderStatus.CANCELLED

    reset = seed(tmp_path, "--reset")
    assert reset.returncode == 0, reset.stderr
    assert "Seeded the demo CRM: 8 customers" in reset.stdout
    assert order_status(tmp_path, "cus_1001", "1059") is OrderStatus.PROCESSING


def test_a_database_that_cannot_be_reached_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "FRONTDESK_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/x"}
    result = subprocess.run(
        [str(FRONTDESK), "demo", "seed"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode != 0 and result.stderr.startswith("error: ")
    assert "FRONTDESK_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


def test_reset_reseeds_the_crm_and_keeps_conversations(db_url: str) -> None:
    engine = make_engine(db_url)
    store = SqlConversationStore(make_engine(db_url))
    deliveries = SqlDeliveryLog(engine)
    directory = SqlCustomerDirectory(engine)
    try:
        crm = demo_crm()
        assert seed_crm(engine, crm) == SeedResult(8, 60, 63, skipped=False)
        store.create(ConversationInfo("c" * 32, "f" * 64, Mode.BOT, time.time(), 0))
        assert deliveries.first_time("dlv_1", "order.updated", time.time())
        directory.cancel_order("cus_1001", "1059")

        assert seed_crm(engine, crm) == SeedResult(8, 60, 63, skipped=True)
        assert seed_crm(engine, crm, reset=True) == SeedResult(8, 60, 63, skipped=False)
        order = directory.order("cus_1001", "1059")
        assert order is not None and order.status is OrderStatus.PROCESSING
        assert store.get("c" * 32) is not None
        assert not deliveries.first_time("dlv_1", "order.updated", time.time())
    finally:
        directory.close()
        deliveries.close()
        store.close()
        engine.dispose()
