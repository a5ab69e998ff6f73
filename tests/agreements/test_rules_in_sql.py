"""Each rule with one definition gives the same answer on a loaded record and in SQL."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from registry.agreements import rules
from registry.agreements.models import Agreement
from registry.core.enums import (
    AgreementForm,
    Classification,
    DeadlineKind,
    InstrumentType,
    LegalNature,
    Region,
    ReviewStatus,
    Role,
)
from registry.deadlines.queries import DeadlineFilters, DeadlineQuery, find_deadlines
from registry.extensions import db
from registry.reviews.models import Review
from registry.users.models import User

ON_DATABASE = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AROUND = date(2000, 1, 31)  # a month end: periods in months clamp here
days = st.integers(min_value=-800, max_value=800).map(lambda n: AROUND + timedelta(days=n))
periods = st.sampled_from([None, "P1Y", "P6M", "P1M", "P90D", "P20Y", "P1Y6M", "P2W"])


@st.composite
def agreement_terms(draw):
    entered = draw(st.none() | days)
    after = st.integers(min_value=0, max_value=900).map(lambda n: entered + timedelta(days=n))
    ends = st.none() if entered is None else st.none() | after
    notice_period = draw(periods)
    return {
        "entered_into_force_on": entered,
        "expires_on": draw(ends),
        "terminated_on": draw(ends),
        "notice_period": notice_period,
        "notice_min_in_force": draw(periods) if notice_period else None,
    }


def _stored(terms: list[dict]) -> list[Agreement]:
    stored = [
        Agreement(
            reference=f"T-{number}",
            title=f"Treaty {number}",
            instrument_type=InstrumentType.ALLIANCE_DEFENCE_PACT,
            form=AgreementForm.BILATERAL,
            legal_nature=LegalNature.TREATY,
            region=Region.EUROPE,
            **values,
        )
        for number, values in enumerate(terms, start=1)
    ]
    db.session.add_all(stored)
    db.session.flush()
    return stored


@ON_DATABASE
@given(terms=st.lists(agreement_terms(), min_size=1, max_size=12), on=days)
def test_in_force_on_a_date_is_one_rule_in_python_and_sql(app, terms, on):
    try:
        stored = _stored(terms)
        in_python = {agreement.id for agreement in stored if agreement.in_force_on(on)}
        assert in_python == {a.id for a in stored if rules.is_in_force_on(a, on)}
        in_sql = set(db.session.scalars(select(Agreement.id).where(Agreement.in_force_on(on))))
        assert in_sql == in_python
    finally:
        db.session.rollback()


@ON_DATABASE
@given(
    terms=st.lists(agreement_terms(), min_size=1, max_size=12),
    low=days,
    length=st.integers(min_value=0, max_value=400),
)
def test_earliest_notice_dates_are_alike_on_the_page_and_in_the_deadline_query(
    app, terms, low, length
):
    high = low + timedelta(days=length)
    try:
        stored = _stored(terms)
        in_python = {
            (agreement.id, notice)
            for agreement in stored
            if (notice := rules.earliest_notice_on(agreement)) is not None and low <= notice <= high
        }
        app.extensions["registry.answers"].clear()  # the records are not committed
        found = find_deadlines(
            Classification.SECRET,
            low,
            high,
            DeadlineFilters(kind=DeadlineKind.EARLIEST_NOTICE),
            today=low,
        )
        assert {(deadline.agreement_id, deadline.due_on) for deadline in found} == in_python
        query = DeadlineQuery(
            Classification.SECRET,
            low,
            high,
            DeadlineFilters(kind=DeadlineKind.EARLIEST_NOTICE),
            today=low,
        )
        assert query.count() == len(in_python)
    finally:
        db.session.rollback()


@st.composite
def reviews(draw):
    return {
        "due_on": draw(days),
        "status": draw(st.sampled_from(list(ReviewStatus))),
    }


@ON_DATABASE
@given(spread=st.lists(reviews(), min_size=1, max_size=12), today=days)
def test_a_review_is_overdue_alike_in_python_and_sql(app, spread, today):
    try:
        (agreement,) = _stored([{}])
        approver = User(email="a@example.org", name="A", role=Role.REVIEWER, password_hash="-")
        db.session.add(approver)
        db.session.flush()
        stored = [Review(agreement_id=agreement.id, **values) for values in spread]
        for review in stored:
            if review.status == ReviewStatus.APPROVED:  # as the database insists
                review.approved_by_id, review.completed_on = approver.id, review.due_on
        db.session.add_all(stored)
        db.session.flush()
        in_python = {review.id for review in stored if review.is_overdue(today)}
        expected = {
            review.id
            for review in stored
            if review.due_on < today and review.status != ReviewStatus.APPROVED
        }
        assert in_python == expected  # as the agreement page marked it before
        in_sql = set(db.session.scalars(select(Review.id).where(Review.is_overdue(today))))
        assert in_sql == in_python
    finally:
        db.session.rollback()
