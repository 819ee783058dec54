"""Article revisions: every version saved on the desk (a draft, or published), with its author; every host reads the
articles from here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "article_revisions",
        sa.Column("id", ID, nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("published", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article_revisions"),
        sa.UniqueConstraint("path", "version", name="uq_article_revisions_path_version"),
    )
    op.create_index("ix_article_revisions_path", "article_revisions", ["path"])


def downgrade() -> None:
    op.drop_index("ix_article_revisions_path", table_name="article_revisions")
    op.drop_table("article_revisions")
