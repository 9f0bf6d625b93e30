"""Each event keeps its rows of the CSV and ACLED exports (rasd.export.csv_line, acled_line), made when it is
written, so an export writes stored text instead of parsing every record.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

The rows of the events already stored are made here from their records; `lines_stamp` names the mapping that
made them (an export makes a row again when the mapping has changed since).
"""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from rasd.export import acled_line, csv_line, lines_stamp
    from rasd.store.accel import indexes_set_aside
    from rasd.store.query import record_batches

    conn = op.get_bind()
    have = {c["name"] for c in sa.inspect(conn).get_columns("events")}
    for name, kind in (("csv_line", sa.Text()), ("acled_line", sa.Text()), ("lines_stamp", sa.String())):
        if name not in have:  # (a database set back to an older revision by hand keeps them)
            op.add_column("events", sa.Column(name, kind, nullable=True))
    events = sa.table("events", sa.column("id", sa.String), sa.column("csv_line", sa.Text),
                      sa.column("acled_line", sa.Text), sa.column("lines_stamp", sa.String))
    stamp = lines_stamp()
    update = events.update().where(events.c.id == sa.bindparam("i")).values(
        csv_line=sa.bindparam("c"), acled_line=sa.bindparam("a"), lines_stamp=stamp)
    # PostgreSQL enters an updated row again in every index: they are built once at the end instead (SQLite
    # updates only the indexes of the columns that change, none here)
    with indexes_set_aside(conn) if conn.dialect.name == "postgresql" else contextlib.nullcontext():
        for rows in record_batches(conn, BATCH):
            made = [{"i": i, "c": csv_line(rec), "a": acled_line(rec)} for i, rec in rows if isinstance(rec, dict)]
            if made and conn.dialect.name == "postgresql":  # one statement a batch: the rows as three arrays
                conn.execute(sa.text("UPDATE events SET csv_line = v.c, acled_line = v.a, lines_stamp = :s FROM "
                                     "(SELECT unnest(CAST(:i AS text[])) AS i, unnest(CAST(:c AS text[])) AS c, "
                                     "unnest(CAST(:a AS text[])) AS a) v WHERE events.id = v.i"),
                             {"s": stamp, **{k: [m[k] for m in made] for k in ("i", "c", "a")}})
            elif made:
                conn.execute(update, made)


def downgrade() -> None:
    op.drop_column("events", "lines_stamp")
    op.drop_column("events", "acled_line")
    op.drop_column("events", "csv_line")
