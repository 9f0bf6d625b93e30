"""Alembic revisions (Alembic skips this file when it lists them)."""
