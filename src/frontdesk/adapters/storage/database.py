"""Engines for SQLite (WAL, under ./var/ by default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from frontdesk.errors import ConfigError

DEFAULT_URL = "sqlite:///var/frontdesk.db"
# Seconds a writer waits for SQLite's lock (or a PostgreSQL connection) before failing.
LOCK_TIMEOUT_S = 10


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// (as most hosts hand them out) mean psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"FRONTDESK_DATABASE_URL {url!r} is not a database URL; use e.g. "
            "sqlite:///var/frontdesk.db or postgresql://user@host:5432/dbname."
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return url
    raise ConfigError(
        f"FRONTDESK_DATABASE_URL uses {backend!r}; frontdesk stores conversations in "
        "SQLite or PostgreSQL."
    )


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=LOCK_TIMEOUT_S,
        connect_args={"connect_timeout": LOCK_TIMEOUT_S},
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": LOCK_TIMEOUT_S}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers go on while one writer writes; NORMAL sync is durable
        # across a process crash, which is what a restart needs.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={LOCK_TIMEOUT_S * 1000}")
        cursor.close()

    return engine
