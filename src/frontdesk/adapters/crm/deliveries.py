"""SqlDeliveryLog: webhook delivery ids already received, so a replay is refused.

The primary key decides: the first INSERT of an id wins and any other, in this
worker or another, on SQLite or PostgreSQL, fails with IntegrityError. Checking
first and inserting after would let two workers both see "new".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Engine, Table, delete, insert
from sqlalchemy.exc import IntegrityError

from frontdesk.adapters.crm.sql_directory import crm_unavailable, write_lock
from frontdesk.adapters.storage.crm_tables import CrmWebhookDeliveryRow
from frontdesk.errors import CrmUnavailableError, StorageError

deliveries = cast(Table, CrmWebhookDeliveryRow.__table__)
MAX_ID = 200


class SqlDeliveryLog:
    """``engine`` stays the caller's: ``close`` does not dispose it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock = write_lock(engine)

    def first_time(self, delivery_id: str, kind: str, at: float) -> bool:
        """True when ``delivery_id`` was not recorded before (and is now). Raises
        StorageError when the database cannot be reached: the sender should retry."""
        row = {"delivery_id": _key(delivery_id), "kind": kind[:64], "received_at": at}
        try:
            with _storage_errors(), self._write_lock, self.engine.begin() as connection:
                connection.execute(insert(deliveries).values(row))
        except IntegrityError:
            return False
        return True

    def forget(self, delivery_id: str) -> None:
        """Drop a recorded delivery (it could not be applied), so the sender's retry
        is taken as new rather than refused as a replay."""
        key = _key(delivery_id)
        with _storage_errors(), self._write_lock, self.engine.begin() as connection:
            connection.execute(delete(deliveries).where(deliveries.c.delivery_id == key))

    def close(self) -> None:
        self._write_lock.close()


def _key(delivery_id: str) -> str:
    # Cutting a long id short could make two deliveries one; a digest cannot.
    if len(delivery_id) <= MAX_ID:
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "surrogatepass")).hexdigest()


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        with crm_unavailable():
            yield
    except CrmUnavailableError as exc:
        raise StorageError(
            "The webhook delivery log is not answering; nothing was recorded. Check "
            "FRONTDESK_DATABASE_URL and that the database is running.",
            detail=exc.detail,
        ) from exc
