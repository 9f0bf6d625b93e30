"""Initial schema: articles and their versions, mentions, events with sources, evidence and actors.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}_{ref_table}", ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("inter", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_actors"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("outlet", sa.String(), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("duplicate_of", sa.String(), nullable=True),
        _fk("articles", "duplicate_of", "articles.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
    )
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_index("ix_articles_url", "articles", ["url"])
    op.create_table(
        "places",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=True),
        sa.Column("admin1", sa.String(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_places"),
    )
    op.create_table(
        "article_versions",
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        _fk("article_versions", "article_id", "articles.id", "CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "version", name="pk_article_versions"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("report_kind", sa.String(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("time_precision", sa.Integer(), nullable=True),
        sa.Column("disorder_type", sa.String(), nullable=True),
        sa.Column("event_type", sa.String(), nullable=True),
        sa.Column("sub_event_type", sa.String(), nullable=True),
        sa.Column("country", sa.String(), nullable=True),
        sa.Column("admin1", sa.String(), nullable=True),
        sa.Column("admin2", sa.String(), nullable=True),
        sa.Column("admin3", sa.String(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("location_ar", sa.String(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("geo_precision", sa.Integer(), nullable=True),
        sa.Column("fatalities", sa.Integer(), nullable=True),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("arrested", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("search", sa.Text(), nullable=True),
        sa.Column("place_id", sa.String(), nullable=True),
        sa.Column("n_sources", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        _fk("events", "place_id", "places.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_admin1", "events", ["admin1"])
    op.create_index("ix_events_event_date", "events", ["event_date"])
    op.create_index("ix_events_event_type", "events", ["event_type"])
    op.create_table(
        "event_actors",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("side", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=True),
        _fk("event_actors", "event_id", "events.id", "CASCADE"),
        _fk("event_actors", "key", "actors.key"),
        sa.PrimaryKeyConstraint("event_id", "key", "side", name="pk_event_actors"),
    )
    op.create_index("ix_event_actors_key", "event_actors", ["key"])
    op.create_table(
        "event_sources",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("mention_id", sa.String(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        _fk("event_sources", "article_id", "articles.id", "CASCADE"),
        _fk("event_sources", "event_id", "events.id", "CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "article_id", name="pk_event_sources"),
    )
    op.create_index("ix_event_sources_article_id", "event_sources", ["article_id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("evidence", "article_id", "articles.id", "CASCADE"),
        _fk("evidence", "event_id", "events.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
    )
    op.create_index("ix_evidence_article_id", "evidence", ["article_id"])
    op.create_index("ix_evidence_event_id", "evidence", ["event_id"])
    op.create_table(
        "mentions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=True),
        sa.Column("report_kind", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=True),
        sa.Column("admin1", sa.String(), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        _fk("mentions", "article_id", "articles.id", "CASCADE"),
        _fk("mentions", "event_id", "events.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_mentions"),
    )
    op.create_index("ix_mentions_article_id", "mentions", ["article_id"])
    op.create_index("ix_mentions_event_id", "mentions", ["event_id"])
    op.create_index("ix_mentions_window", "mentions", ["report_kind", "country", "admin1", "event_date"])


def downgrade() -> None:
    for table in ("mentions", "evidence", "event_sources", "event_actors", "events", "article_versions",
                  "places", "articles", "actors"):
        op.drop_table(table)
