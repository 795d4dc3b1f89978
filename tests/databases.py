"""Databases for tests: a fresh SQLite file, or a throwaway schema in the PostgreSQL
that FRONTDESK_TEST_DATABASE_URL names (skipped, saying so, when it is not set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

PG_ENV = "FRONTDESK_TEST_DATABASE_URL"
REDIS_ENV = "FRONTDESK_TEST_REDIS_URL"
BACKENDS = ["sqlite", "postgresql"]


def _plain_pg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def pg_schema_url(url: str) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; dropped afterwards, so
    runs side by side on one server never meet."""
    schema = f"fd_test_{uuid.uuid4().hex[:12]}"
    plain = _plain_pg_url(url)
    with psycopg.connect(plain, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in plain else "?"
    try:
        yield f"{plain}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(plain, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'frontdesk.db'}"
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"set {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test) to run")
    with pg_schema_url(url) as scoped:
        yield scoped


def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"set {REDIS_ENV} (e.g. redis://127.0.0.1:6379/0) to run")
    return url
