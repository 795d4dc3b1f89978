"""Every CustomerDirectory adapter, seeded with the same demo CRM, for the contract
suite and the conversation tests: the embedded SQL CRM on SQLite and PostgreSQL, and
the HTTP CRM against a real local server (tests/fakes/crm_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from frontdesk.core.ports import CustomerDirectory
from frontdesk.demo.crm_seed import DemoCrm

if TYPE_CHECKING:
    from tests.fakes.crm_server import FakeCrm

DIRECTORY_BACKENDS = ["sql-sqlite", "sql-postgresql", "http"]


@contextmanager
def open_directory(kind: str, tmp_path: Path, crm: DemoCrm) -> Iterator[CustomerDirectory]:
    """A directory of ``kind`` holding exactly ``crm``; closed afterwards."""
    if kind.startswith("sql-"):
        with _sql_directory(kind.removeprefix("sql-"), tmp_path, crm) as directory:
            yield directory
    elif kind == "http":
        with _http_directory(crm) as directory:
            yield directory
    else:
        raise ValueError(f"unknown directory backend {kind!r}")


@contextmanager
def _sql_directory(database: str, tmp_path: Path, crm: DemoCrm) -> Iterator[CustomerDirectory]:
    from frontdesk.adapters.crm.sql_directory import SqlCustomerDirectory
    from frontdesk.adapters.crm.sql_seed import seed_crm
    from frontdesk.adapters.storage.database import make_engine
    from frontdesk.adapters.storage.migrate import upgrade
    from tests.databases import database_url

    with database_url(database, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        seed_crm(engine, crm)
        directory = SqlCustomerDirectory(engine)
        try:
            yield directory
        finally:
            directory.close()
            engine.dispose()


@contextmanager
def _http_directory(crm: DemoCrm) -> Iterator[CustomerDirectory]:
    from frontdesk.adapters.crm.http_directory import HttpCustomerDirectory
    from tests.fakes.crm_server import running_crm_server

    with running_crm_server(crm) as server:
        directory = HttpCustomerDirectory(server.settings())
        try:
            yield directory
        finally:
            directory.close()


def seed_time() -> datetime:
    """One fixed 'now' for seeded data, so expectations do not drift with the clock."""
    from datetime import UTC

    return datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def http_crm_settings(server: FakeCrm) -> dict[str, object]:
    """FRONTDESK_CRM_* settings that point the service at a running fake CRM."""
    from tests.fakes import crm_server

    return {
        "crm": "http",
        "crm_url": server.url,
        "crm_oauth_token_url": server.origin + crm_server.TOKEN_PATH,
        "crm_client_id": crm_server.CLIENT_ID,
        "crm_client_secret": crm_server.CLIENT_SECRET,
        "crm_scope": "crm.read crm.write",
    }
