"""Tickets worked by staff: the statuses new, responded, waiting and resolved (an open ticket is new), the first
response time, and the replies the customer sees on the ticket page.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("status", existing_type=sa.String(16), server_default="new", existing_nullable=False)
    op.execute("UPDATE tickets SET status = 'new' WHERE status = 'open'")
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_table(
        "ticket_replies",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_ticket_replies_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_replies"),
    )
    op.create_index("ix_ticket_replies_ticket_id", "ticket_replies", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_replies_ticket_id", table_name="ticket_replies")
    op.drop_table("ticket_replies")
    op.drop_index("ix_tickets_status", table_name="tickets")
    op.execute("UPDATE tickets SET status = 'open' WHERE status = 'new'")
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("status", existing_type=sa.String(16), server_default="open", existing_nullable=False)
        batch.drop_column("first_response_at")
