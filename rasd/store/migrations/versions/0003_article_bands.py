"""The near-duplicate index in the database: LSH band keys of every article's MinHash signature.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Until 0002 the index was rebuilt in memory from `articles.signature` at every run, so memory grew
with the number of stored articles. The band keys of the signatures already stored are filled in
here (signatures of another format are skipped: those articles simply match nothing, as before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "article_bands",
        sa.Column("article_id", sa.String(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name="fk_article_bands_article_id_articles",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "band", name="pk_article_bands"),
    )
    op.create_index("ix_article_bands_band_key", "article_bands", ["band", "key"])

    from rasd.link.dedup import band_keys

    conn = op.get_bind()
    bands = sa.table("article_bands", sa.column("article_id"), sa.column("band"), sa.column("key"))
    rows = conn.execute(sa.text("SELECT id, signature FROM articles WHERE signature IS NOT NULL")).fetchall()
    batch: list[dict] = []
    for article_id, sig in rows:
        try:
            keys = band_keys(bytes(sig))
        except ValueError:
            continue
        batch += [{"article_id": article_id, "band": b, "key": k} for b, k in keys]
        if len(batch) >= BATCH:
            conn.execute(sa.insert(bands), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(bands), batch)


def downgrade() -> None:
    op.drop_index("ix_article_bands_band_key", table_name="article_bands")
    op.drop_table("article_bands")
