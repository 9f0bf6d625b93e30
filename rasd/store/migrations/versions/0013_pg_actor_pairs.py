"""PostgreSQL keeps the actor/event pairs too: one row per (actor, event) with the event's date, governorate,
types, report kind and country, as SQLite's rasd.store.accel has since 0004, so an actor's events are counted
and paged from one index range instead of a join of event_actors and events.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

Kept by statement triggers on event_actors (transition tables: one statement, one grouped write) and by a row
trigger on events that fires only when a column the pairs copy changes. Filled from the stored rows. SQLite:
nothing to do.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from rasd.store.accel import PG_PAIRS_DDL, run_on_postgresql

    run_on_postgresql(op.get_bind(), PG_PAIRS_DDL)


def downgrade() -> None:
    from rasd.store.accel import PG_PAIRS_DROP, run_on_postgresql

    run_on_postgresql(op.get_bind(), PG_PAIRS_DROP)
