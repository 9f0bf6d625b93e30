"""Summary rows by report kind and country, with their deaths: totals, /api/stats and the header count
incidents apart from tallies and recalled events, at a million events as fast as before (rasd.store.accel).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

On SQLite the summary table is rebuilt from the events already stored and the events' triggers replaced;
PostgreSQL has no summary rows (it reads the events' indexes).
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from rasd.store.accel import rebuild_counts

    rebuild_counts(op.get_bind())


def downgrade() -> None:
    """The wider rows answer every question the narrower ones did: nothing to undo."""
