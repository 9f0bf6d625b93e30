"""Search in both languages: each event's `search` text also holds its governorate and district in Arabic,
its actors' names (English and Arabic) and its outlets, so `q=حلب` finds what `q=Aleppo` finds.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

The text of the events already stored is rebuilt from their records (rasd.store.linking.event_search_text);
on SQLite the FTS5 index follows through its triggers (rasd.store.accel).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from rasd.store.linking import event_search_text
    from rasd.store.query import record_batches

    conn = op.get_bind()
    events = sa.table("events", sa.column("id", sa.String), sa.column("search", sa.String))
    for rows in record_batches(conn, BATCH):
        conn.execute(events.update().where(events.c.id == sa.bindparam("i")).values(search=sa.bindparam("s")),
                     [{"i": i, "s": event_search_text(rec if isinstance(rec, dict) else {})} for i, rec in rows])


def downgrade() -> None:
    """The longer text matches everything the shorter one did: nothing to undo."""
