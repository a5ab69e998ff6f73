"""Searching agreements by any part of their names and references, from an index

SQLite: an FTS5 table with the trigram tokenizer over the searched columns, kept in step by
triggers. PostgreSQL: pg_trgm GIN indexes, which serve the same ILIKE the other lists use.

Revision ID: 0007_agreement_search
Revises: 0006_deadline_indexes
Create Date: 2026-11-27 11:20:00

"""
from alembic import op


revision = "0007_agreement_search"
down_revision = "0006_deadline_indexes"
branch_labels = None
depends_on = None

COLUMNS = ["reference", "title", "short_title", "national_citation", "un_registration_number"]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in COLUMNS:
            op.execute(
                f"CREATE INDEX ix_agreements_search_{column} ON agreements "
                f"USING gin ({column} gin_trgm_ops)"
            )
        return
    names = ", ".join(COLUMNS)
    new = ", ".join(f"new.{column}" for column in COLUMNS)
    old = ", ".join(f"old.{column}" for column in COLUMNS)
    op.execute(
        f"CREATE VIRTUAL TABLE agreements_search USING fts5({names}, "
        "content='agreements', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER agreements_search_insert AFTER INSERT ON agreements BEGIN "
        f"INSERT INTO agreements_search(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER agreements_search_delete AFTER DELETE ON agreements BEGIN "
        f"INSERT INTO agreements_search(agreements_search, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER agreements_search_update AFTER UPDATE OF {names} ON agreements BEGIN "
        f"INSERT INTO agreements_search(agreements_search, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO agreements_search(rowid, {names}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO agreements_search(agreements_search) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"DROP INDEX ix_agreements_search_{column}")
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER agreements_search_{trigger}")
    op.execute("DROP TABLE agreements_search")
