"""Indexes for lists: live agreements, recurring duties by first date, withdrawal notices by date

Revision ID: 0006_deadline_indexes
Revises: 0005_review_workflow
Create Date: 2026-11-27 12:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0006_deadline_indexes"
down_revision = "0005_review_workflow"
branch_labels = None
depends_on = None

RECURRING_LIVE = "archived_at IS NULL AND recurrence IS NOT NULL"


def upgrade():
    op.create_index(
        'ix_agreements_live',
        'agreements',
        ['classification', 'status'],
        unique=False,
        sqlite_where=sa.text("archived_at IS NULL"),
        postgresql_where=sa.text("archived_at IS NULL"),
    )
    op.create_index(
        "ix_obligations_recurring",
        "obligations",
        [
            "recurrence",
            "due_on",
            "status",
            "classification",
            "agreement_id",
            "owner_id",
            "oversight_body_id",
        ],
        unique=False,
        sqlite_where=sa.text(RECURRING_LIVE),
        postgresql_where=sa.text(RECURRING_LIVE),
    )
    op.create_index(
        op.f("ix_treaty_actions_kind_effective_on"),
        "treaty_actions",
        ["kind", "effective_on"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_treaty_actions_kind_effective_on"), table_name="treaty_actions")
    op.drop_index("ix_obligations_recurring", table_name="obligations")
