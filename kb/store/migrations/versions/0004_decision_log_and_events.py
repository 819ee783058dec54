"""The decision log keeps each answer's whole input, rule-book fingerprint, fired rules and outcome; searches and
answers belong to a conversation; events record what customers did with them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# Frozen copies of the types in kb.store.tables: a revision must not change when the models do.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("search_logs") as batch:
        batch.add_column(sa.Column("conversation", sa.String(64), nullable=True))
        batch.create_index("ix_search_logs_conversation", ["conversation"])
    with op.batch_alter_table("ask_logs") as batch:
        batch.add_column(sa.Column("conversation", sa.String(64), nullable=True))
        batch.add_column(sa.Column("input", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))
        batch.add_column(sa.Column("fired", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("decided", sa.JSON(), nullable=True))
        batch.create_index("ix_ask_logs_conversation", ["conversation"])
    op.create_table(
        "events",
        sa.Column("id", ID, nullable=False),
        sa.Column("conversation", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("search_log_id", ID, nullable=True),
        sa.Column("ask_log_id", ID, nullable=True),
        sa.Column("article_id", sa.String(200), nullable=True),
        sa.Column("ticket_number", sa.String(20), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_conversation", "events", ["conversation"])


def downgrade() -> None:
    op.drop_index("ix_events_conversation", table_name="events")
    op.drop_table("events")
    with op.batch_alter_table("ask_logs") as batch:
        batch.drop_index("ix_ask_logs_conversation")
        for column in ("decided", "fired", "fingerprint", "input", "conversation"):
            batch.drop_column(column)
    with op.batch_alter_table("search_logs") as batch:
        batch.drop_index("ix_search_logs_conversation")
        batch.drop_column("conversation")
