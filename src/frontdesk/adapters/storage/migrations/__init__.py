"""Alembic migrations of the conversation store."""
