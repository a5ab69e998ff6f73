"""Helpers shared by the service tests: the acting system user, bad inputs and audit checks."""

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from registry.core.audit.models import AuditEvent
from registry.core.audit.writer import SystemActor
from registry.core.errors import ValidationFailed
from registry.extensions import db

ACTOR = SystemActor("tests")

# Values no id field accepts: wrong types, out of range, or naming no row.
BAD_IDS = [
    pytest.param("abc", id="text"),
    pytest.param(True, id="boolean"),
    pytest.param(-1, id="negative"),
    pytest.param(0, id="zero"),
    pytest.param(999_999, id="missing"),
    pytest.param(2**31, id="beyond-int32"),
    pytest.param(10**20, id="huge"),
    pytest.param([1], id="list"),
    pytest.param({"id": 1}, id="dict"),
]

# Values no date field accepts: not an ISO date, no such day, outside 1800-2200, wrong types.
BAD_DATES = [
    pytest.param("abc", id="text"),
    pytest.param("2027-02-30", id="no-such-day"),
    pytest.param("31/01/2027", id="not-iso"),
    pytest.param("1799-12-31", id="before-1800"),
    pytest.param("2201-01-01", id="after-2200"),
    pytest.param(20270131, id="number"),
    pytest.param(["2027-01-31"], id="list"),
    pytest.param({"year": 2027}, id="dict"),
]


def count_rows(model) -> int:
    """The number of rows in `model`'s table."""
    return db.session.scalar(select(func.count()).select_from(model))


def events_for(record) -> list[AuditEvent]:
    """The audit events written for `record`, oldest first."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == record.__tablename__, AuditEvent.entity_id == record.id)
        .order_by(AuditEvent.id)
    ).all()


@contextmanager
def writes_nothing(*models, error=ValidationFailed, field=None):
    """Expect `error` (naming `field`), then check neither `models` nor the audit trail grew."""
    tables = (*models, AuditEvent)
    db.session.commit()
    before = [count_rows(model) for model in tables]
    with pytest.raises(error) as caught:
        yield caught
    if field is not None:
        assert field in caught.value.messages, caught.value.messages
    db.session.rollback()
    assert [count_rows(model) for model in tables] == before
