"""A page of a type in a governorate reads its index alone: the indexes by governorate and by type, in date
order, carry the other of the two and the sub-type at their end, so a rare combination is tested in the index
instead of in each event's kilobyte-sized row (at a million events, "Riots" in Aleppo took 50-80 ms).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05

Both indexes are dropped and created again (a few seconds each at a million events).
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KIND = ["report_kind", "country"]
INDEXES = [("ix_events_admin1_event_date", ["admin1", "event_date", "id"], ["event_type", "sub_event_type"]),
           ("ix_events_event_type_event_date", ["event_type", "event_date", "id"], ["admin1", "sub_event_type"])]


def _rebuild(with_extra: bool) -> None:
    for name, cols, extra in INDEXES:
        op.drop_index(name, table_name="events")
        op.create_index(name, "events", cols + KIND + (extra if with_extra else []))
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("ANALYZE events")


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
