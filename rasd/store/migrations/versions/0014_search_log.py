"""The change log that keeps the API's in-memory bitmaps of the events' words in step (rasd.store.bitmaps):
SQLite with the structures of rasd.store.accel; PostgreSQL counts text in SQL.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

At a million events the first count of a common word read 400,000 rows (250-800 ms); from the bitmaps it takes
a few milliseconds. The log is written by triggers, one row per changed event, and keeps its last 200,000 rows.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from rasd.store.accel import enabled
    from rasd.store.bitmaps import install_log

    conn = op.get_bind()
    if enabled(conn):
        install_log(conn)


def downgrade() -> None:
    from rasd.store.bitmaps import LOG_DROP

    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for sql in [*LOG_DROP, "DROP TABLE IF EXISTS search_log"]:
            conn.exec_driver_sql(sql)
