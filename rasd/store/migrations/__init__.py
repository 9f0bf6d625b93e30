"""Alembic migrations of the Rasd database, shipped with the package (see rasd.store.db)."""
