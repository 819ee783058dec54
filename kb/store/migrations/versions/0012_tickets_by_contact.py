"""Tickets by contact: an index on the lower-cased contact, so "my requests" can mail a contact the links to all
their tickets, and the further access tokens those links carry (the ticket's own token is stored only as its hash).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_index("ix_tickets_contact_lower", "tickets", [sa.text("lower(contact)")])
    op.create_table(
        "ticket_links",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_ticket_links_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_links"),
    )
    op.create_index("ix_ticket_links_ticket_id", "ticket_links", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_links_ticket_id", table_name="ticket_links")
    op.drop_table("ticket_links")
    op.drop_index("ix_tickets_contact_lower", table_name="tickets")
