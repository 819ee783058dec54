"""A ticket keeps one rule trace, each reason in both languages, instead of a copy of the trace per language.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TICKETS = sa.table("tickets", sa.column("id", sa.Integer), sa.column("rules", sa.JSON), sa.column("traces", sa.JSON))


def merged(rules: list, traces: dict | None) -> list:
    """The trace of `rules` with each reason {lang: reason} from the per-language copies, where they line up."""
    copies = {lang: steps for lang, steps in (traces or {}).items() if isinstance(steps, list) and len(steps) == len(rules)}
    if not copies:
        return rules
    return [dict(step, reason={lang: steps[i].get("reason", "") for lang, steps in copies.items()})
            for i, step in enumerate(rules)]


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(TICKETS.c.id, TICKETS.c.rules, TICKETS.c.traces)).all():
        rules, traces = _json(row.rules) or [], _json(row.traces)
        if traces:
            connection.execute(TICKETS.update().where(TICKETS.c.id == row.id).values(rules=merged(rules, traces)))
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("traces")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("traces", sa.JSON(), nullable=True))
