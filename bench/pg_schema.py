"""A throwaway PostgreSQL schema for a benchmark run, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg


@contextlib.contextmanager
def postgres_schema(url: str, prefix: str = "fd_bench") -> Iterator[str]:
    """``url`` with its search path set to a new, empty schema."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
