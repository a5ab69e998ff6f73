"""Bulk inserts: the values stored are those SQLAlchemy would store, defaults included."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select

from registry.agreements.models import Agreement
from registry.core.db import insert_rows
from registry.extensions import db


def agreement_rows(first_id: int, count: int) -> list[dict]:
    return [
        {
            "id": first_id + number,
            "reference": f"AGR-1990-{first_id + number:04d}",
            "title": f"Accord «{number}»",
            "instrument_type": "arms_control",
            "form": "bilateral",
            "legal_nature": "treaty",
            "region": "europe",
            "status": "in_force",
            "classification": "restricted",
            "concluded_on": date(1990, 1, 1 + number),
            "notice_period": "P1Y",
            "extension_options_left": number,
        }
        for number in range(count)
    ]


def stored(first_id: int, count: int) -> list[tuple]:
    db.session.expire_all()
    agreements = db.session.scalars(
        select(Agreement).where(Agreement.id.between(first_id, first_id + count - 1))
    )
    return [
        (a.title, a.instrument_type, a.status, a.classification, a.concluded_on, a.notice_period,
         a.extension_options_left, a.version, a.archived_at)
        for a in agreements
    ]  # fmt: skip


def test_rows_are_stored_as_sqlalchemy_stores_them(app):
    before = datetime.now(UTC) - timedelta(seconds=1)
    db.session.execute(insert(Agreement.__table__), agreement_rows(100, 5))
    insert_rows(db.session.connection(), Agreement.__table__, agreement_rows(200, 5))
    assert stored(200, 5) == stored(100, 5)
    made = db.session.get(Agreement, 204)
    assert made.version == 1  # the columns' defaults, filled in
    assert before < made.created_at == made.created_at.astimezone(UTC)
    assert made.updated_at >= made.created_at


def test_many_rows_per_statement_insert_every_row(app):
    insert_rows(
        db.session.connection(), Agreement.__table__, agreement_rows(300, 7), rows_per_statement=3
    )
    assert len(stored(300, 7)) == 7


def test_a_default_that_needs_its_statement_is_refused(app):
    table = Table(
        "clocks",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("at", DateTime, default=lambda context: context.get_current_parameters()),
    )
    with pytest.raises(ValueError, match="cannot fill at"):
        insert_rows(db.session.connection(), table, [{"id": 1}])
