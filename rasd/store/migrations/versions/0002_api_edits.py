"""The API: bearer tokens, analysts' edits (corrections, merges, splits) and indexes for filtered pages.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_table(
        "edits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=True),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("who", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_edits"),
    )
    op.create_index("ix_edits_event_id", "edits", ["event_id"])
    op.create_table(
        "edit_mentions",
        sa.Column("edit_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["edit_id"], ["edits.id"], name="fk_edit_mentions_edit_id_edits", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("edit_id", "mention_id", name="pk_edit_mentions"),
    )
    op.create_index("ix_edit_mentions_article_id", "edit_mentions", ["article_id"])
    op.create_index("ix_events_admin1_event_date", "events", ["admin1", "event_date", "id"])
    op.create_index("ix_events_event_type_event_date", "events", ["event_type", "event_date", "id"])
    op.create_index("ix_events_browse", "events", ["event_date", "id", "admin1", "event_type", "sub_event_type",
                                                   "latitude", "longitude", "fatalities", "injured", "arrested",
                                                   "n_sources", "confidence", "location", "search"])


def downgrade() -> None:
    op.drop_index("ix_events_browse", table_name="events")
    op.drop_index("ix_events_event_type_event_date", table_name="events")
    op.drop_index("ix_events_admin1_event_date", table_name="events")
    for table in ("edit_mentions", "edits", "api_tokens"):
        op.drop_table(table)
