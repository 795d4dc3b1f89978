"""Alembic environment: runs on the connection that migrate.py hands over."""

from __future__ import annotations

from alembic import context

from frontdesk.adapters.storage.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
)
with context.begin_transaction():
    context.run_migrations()
