"""The Rasd database: articles, their mentions and the events linked from them (SQLite or PostgreSQL)."""

from rasd.store.db import open_db, resolve_url, upgrade

__all__ = ["open_db", "resolve_url", "upgrade"]
