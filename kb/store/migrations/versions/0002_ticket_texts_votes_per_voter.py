"""Tickets keep their response kind, status and the rule trace in every language; one vote per voter and article.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("response_kind", sa.String(32), nullable=True))
        batch.add_column(sa.Column("traces", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("status", sa.String(16), server_default="open", nullable=False))
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("voter", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_votes_article_id_voter", ["article_id", "voter"])


def downgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.drop_constraint("uq_votes_article_id_voter", type_="unique")
        batch.drop_column("voter")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("status")
        batch.drop_column("traces")
        batch.drop_column("response_kind")
