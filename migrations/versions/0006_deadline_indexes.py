"""Indexes for lists, pages and deadlines, partial where most rows would not be looked up

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

LIVE = "archived_at IS NULL"
WITH_NOTICE = "notice_period IS NOT NULL"
RECURRING_LIVE = "archived_at IS NULL AND recurrence IS NOT NULL"
WITH_PREDECESSOR = "predecessor_id IS NOT NULL"


def upgrade():
    op.create_index(
        "ix_agreements_live",
        "agreements",
        ["status", "region", "classification", "archived_at"],
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index(
        "ix_agreements_notice",
        "agreements",
        ["notice_min_in_force", "entered_into_force_on"],
        sqlite_where=sa.text(WITH_NOTICE),
        postgresql_where=sa.text(WITH_NOTICE),
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
        sqlite_where=sa.text(RECURRING_LIVE),
        postgresql_where=sa.text(RECURRING_LIVE),
    )
    op.create_index(
        op.f("ix_treaty_actions_kind_effective_on"), "treaty_actions", ["kind", "effective_on"]
    )
    op.drop_index("ix_treaty_actions_predecessor_id", table_name="treaty_actions")
    op.create_index(
        "ix_treaty_actions_predecessor_id",
        "treaty_actions",
        ["predecessor_id"],
        sqlite_where=sa.text(WITH_PREDECESSOR),
        postgresql_where=sa.text(WITH_PREDECESSOR),
    )


def downgrade():
    op.drop_index("ix_treaty_actions_predecessor_id", table_name="treaty_actions")
    op.create_index("ix_treaty_actions_predecessor_id", "treaty_actions", ["predecessor_id"])
    op.drop_index(op.f("ix_treaty_actions_kind_effective_on"), table_name="treaty_actions")
    op.drop_index("ix_obligations_recurring", table_name="obligations")
    op.drop_index("ix_agreements_notice", table_name="agreements")
    op.drop_index("ix_agreements_live", table_name="agreements")
