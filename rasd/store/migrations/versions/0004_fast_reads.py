"""Reads at a million events: indexes for every filter and sort of /api/events, and on SQLite summary counts,
actor/event pairs, FTS5 text search and an R*Tree for the map, all kept in step by triggers (rasd.store.accel).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

The SQLite structures are filled from the events already stored, so `rasd db upgrade` on an existing
database leaves it as if it had been written with them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (name, columns): filters combined with the page's default sort, and every other sort key with its tie (id)
INDEXES = [
    ("ix_events_sub_event_type_event_date", ["sub_event_type", "event_date", "id"]),
    ("ix_events_admin1_id", ["admin1", "id"]),
    ("ix_events_event_type_id", ["event_type", "id"]),
    ("ix_events_sub_event_type_id", ["sub_event_type", "id"]),
    ("ix_events_fatalities_id", ["fatalities", "id"]),
    ("ix_events_injured_id", ["injured", "id"]),
    ("ix_events_arrested_id", ["arrested", "id"]),
    ("ix_events_n_sources_id", ["n_sources", "id"]),
    ("ix_events_confidence_id", ["confidence", "id"]),
]


def upgrade() -> None:
    for name, cols in INDEXES:
        op.create_index(name, "events", cols)
    op.create_index("ix_events_location_lower", "events", [sa.text("lower(location)"), "id"])
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        from rasd.store.accel import install

        install(conn)
        conn.exec_driver_sql("ANALYZE")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        from rasd.store.accel import uninstall

        uninstall(conn)
    op.drop_index("ix_events_location_lower", table_name="events")
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="events")
