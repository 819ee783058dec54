"""Create the tickets, votes, search_logs and ask_logs tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Frozen copies of the types in kb.store: a revision must not change when the models do.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(32), nullable=True),
        sa.Column("software", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("response_target_minutes", sa.Integer(), nullable=True),
        sa.Column("deadline", WHEN, nullable=True),
        sa.Column("deadline_utc_offset", sa.Integer(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
    )
    op.create_table(
        "votes",
        sa.Column("id", ID, nullable=False),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("lang", sa.String(32), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_votes"),
    )
    op.create_index("ix_votes_article_id", "votes", ["article_id"])
    op.create_table(
        "search_logs",
        sa.Column("id", ID, nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("query_key", sa.String(500), nullable=False),
        sa.Column("lang", sa.String(32), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("clicked_article_id", sa.String(200), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_logs"),
    )
    op.create_index("ix_search_logs_query_key", "search_logs", ["query_key"])
    op.create_table(
        "ask_logs",
        sa.Column("id", ID, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("query_key", sa.String(500), nullable=False),
        sa.Column("lang", sa.String(32), nullable=False),
        sa.Column("plan", sa.String(32), nullable=True),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("software", sa.String(64), nullable=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("ticket_number", sa.String(20), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ask_logs"),
    )
    op.create_index("ix_ask_logs_query_key", "ask_logs", ["query_key"])


def downgrade() -> None:
    op.drop_index("ix_ask_logs_query_key", table_name="ask_logs")
    op.drop_table("ask_logs")
    op.drop_index("ix_search_logs_query_key", table_name="search_logs")
    op.drop_table("search_logs")
    op.drop_index("ix_votes_article_id", table_name="votes")
    op.drop_table("votes")
    op.drop_table("tickets")
