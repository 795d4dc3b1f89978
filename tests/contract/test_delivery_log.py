"""The DeliveryLog contract on SQLite and PostgreSQL: a webhook delivery id is new
exactly once, however many workers receive it at the same moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from frontdesk.adapters.crm.deliveries import SqlDeliveryLog
from frontdesk.adapters.storage.database import make_engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def log(engine: Engine) -> Iterator[SqlDeliveryLog]:
    log = SqlDeliveryLog(engine)
    yield log
    log.close()


def test_a_delivery_is_new_once(log: SqlDeliveryLog) -> None:
    assert log.first_time("dlv_1", "order.updated", time.time()) is True
    assert log.first_time("dlv_1", "order.updated", time.time()) is False
    assert log.first_time("dlv_2", "order.updated", time.time()) is True


def test_long_ids_that_share_a_prefix_stay_apart(log: SqlDeliveryLog) -> None:
    prefix = "x" * 300
    assert log.first_time(prefix + "a", "order.updated", time.time()) is True
    assert log.first_time(prefix + "b", "order.updated", time.time()) is True
    assert log.first_time(prefix + "a", "order.updated", time.time()) is False


def test_another_worker_sees_what_one_recorded(log: SqlDeliveryLog, db_url: str) -> None:
    assert log.first_time("dlv_1", "customer.updated", time.time()) is True
    other = SqlDeliveryLog(make_engine(db_url))
    try:
        assert other.first_time("dlv_1", "customer.updated", time.time()) is False
    finally:
        other.close()
        other.engine.dispose()


def test_simultaneous_deliveries_of_one_id_are_new_exactly_once(log: SqlDeliveryLog) -> None:
    workers = 8
    start = threading.Barrier(workers)

    def receive(_: int) -> bool:
        start.wait()
        return log.first_time("dlv_race", "order.updated", time.time())

    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(receive, range(workers)))
    assert outcomes.count(True) == 1
