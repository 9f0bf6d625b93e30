"""PostgreSQL keeps the change log of rasd.store.bitmaps too (SQLite since 0014), and a stable integer per
event (`event_numbers`, what SQLite's event_rowid is), so the API counts a text search and computes /api/stats
from its in-memory bitmaps on both backends.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05

Statement triggers with transition tables (one insert per statement, a COPY of a million events included), a
row trigger for updates; every trigger function takes the write counter's lock first, so log numbers are given
in commit order. Filled from the stored events. SQLite: nothing to do.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        from rasd.store.bitmaps import install_pg_log

        install_pg_log(conn)


def downgrade() -> None:
    from rasd.store.accel import run_on_postgresql
    from rasd.store.bitmaps import PG_LOG_DROP

    run_on_postgresql(op.get_bind(), PG_LOG_DROP)
