"""PostgreSQL keeps the summary rows too: events and deaths per (week, governorate, type, sub-type, report
kind, country), the rows SQLite's rasd.store.accel has kept since 0004, so totals and /api/stats of the column
filters no longer count the events.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

Kept by statement-level triggers on events that read the statement's rows as transition tables: one grouped
upsert per statement, so a COPY of a million events costs one pass. Filled from the stored events (seconds
per million). SQLite: nothing to do.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from rasd.store.accel import PG_COUNTS_DDL

    for sql in PG_COUNTS_DDL:
        conn.exec_driver_sql(sql)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from rasd.store.accel import PG_COUNTS_DROP

    for sql in PG_COUNTS_DROP:
        conn.exec_driver_sql(sql)
