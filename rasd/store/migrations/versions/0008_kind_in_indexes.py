"""Incidents first, as fast as before: the report kind and the country (the filters every list of the
page and of /api/events now carries) are trailing columns of the indexes that serve filtered, sorted
pages, so a page is still read from an index alone instead of from the events' kilobyte-sized rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Each index is dropped and created again with the two columns added (a few seconds per index at a
million events); on SQLite the actor/event pairs of rasd.store.accel get the two columns as well.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KIND = ["report_kind", "country"]
# (name, leading columns): as migrations 0002 and 0004 made them
INDEXES = [
    ("ix_events_admin1_event_date", ["admin1", "event_date", "id"]),
    ("ix_events_event_type_event_date", ["event_type", "event_date", "id"]),
    ("ix_events_sub_event_type_event_date", ["sub_event_type", "event_date", "id"]),
    ("ix_events_browse", ["event_date", "id", "admin1", "event_type", "sub_event_type", "latitude", "longitude",
                          "fatalities", "injured", "arrested", "n_sources", "confidence", "location", "search"]),
    *[(f"ix_events_{c}_id", [c, "id"]) for c in ("admin1", "event_type", "sub_event_type", "fatalities",
                                                   "injured", "arrested", "n_sources", "confidence")],
]


def _rebuild(extra: list[str]) -> None:
    for name, cols in INDEXES:
        op.drop_index(name, table_name="events")
        op.create_index(name, "events", cols + extra)
    op.drop_index("ix_events_location_lower", table_name="events")
    op.create_index("ix_events_location_lower", "events", [sa.text("lower(location)"), "id", *extra])
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("ANALYZE")


def upgrade() -> None:
    _rebuild(KIND)
    from rasd.store.accel import rebuild_actor_events

    rebuild_actor_events(op.get_bind())  # SQLite: the actor/event pairs carry them too


def downgrade() -> None:
    _rebuild([])
