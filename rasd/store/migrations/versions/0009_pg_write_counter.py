"""PostgreSQL keeps a write counter too, so the API keeps totals and /api/stats answers until the next write
(as SQLite does with rasd.store.accel since 0004): a statement that writes events or their actors bumps it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

SQLite already has the counter (rasd_counters, bumped by the triggers of rasd.store.accel): nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("events", "event_actors")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS rasd_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)")
    conn.exec_driver_sql("INSERT INTO rasd_counters (name, value) VALUES ('events', 0), "
                         "('instance', floor(random() * 1000000000)::bigint) ON CONFLICT (name) DO NOTHING")
    conn.exec_driver_sql("""CREATE OR REPLACE FUNCTION rasd_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE rasd_counters SET value = value + 1 WHERE name = 'events'; RETURN NULL; END $$""")
    for t in TABLES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS tr_{t}_version ON {t}")
        conn.exec_driver_sql(f"CREATE TRIGGER tr_{t}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
                             "FOR EACH STATEMENT EXECUTE FUNCTION rasd_bump()")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for t in TABLES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS tr_{t}_version ON {t}")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS rasd_bump()")
    conn.exec_driver_sql("DROP TABLE IF EXISTS rasd_counters")
