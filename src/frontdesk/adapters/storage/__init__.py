"""Conversation storage on SQLAlchemy 2: SQLite by default, PostgreSQL when configured."""
