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
    from rasd.store.accel import PG_COUNTS_DDL, run_on_postgresql

    run_on_postgresql(op.get_bind(), PG_COUNTS_DDL)


def downgrade() -> None:
    from rasd.store.accel import PG_COUNTS_DROP, run_on_postgresql

    run_on_postgresql(op.get_bind(), PG_COUNTS_DROP)
