"""Deadlines derived from the records: the real fixtures as of 2026-11-27, and made-up records
for what the fixtures do not show (owners, clearance, completion, changed dates, filters)."""

from datetime import date

import pytest
from sqlalchemy import select

from registry.agreements import rules
from registry.agreements.models import Agreement
from registry.agreements.services import treaty_actions
from registry.authorizations.services import authorizations
from registry.core.enums import Classification, DeadlineKind
from registry.deadlines.queries import ACTIONABLE, DeadlineFilters, find_deadlines
from registry.extensions import db
from registry.obligations.deadlines import occurrences
from registry.obligations.models import Obligation
from registry.obligations.services import obligations
from registry.parties.models import Party
from registry.reviews.services import reviews

from support import ACTOR

TODAY = date(2026, 11, 27)  # the date the fixtures describe
HORIZON = date(2041, 1, 1)

NATO, NPT, CWC, NEW_START = "AGR-1949-0001", "AGR-1968-0001", "AGR-1993-0001", "AGR-2010-0001"


def deadlines(clearance=Classification.SECRET, start=TODAY, end=HORIZON, *, today=TODAY, **filters):
    return find_deadlines(
        Classification(clearance), start, end, DeadlineFilters(**filters), today=today
    )


def agreement(reference: str) -> Agreement:
    return db.session.scalar(select(Agreement).where(Agreement.reference == reference))


def obligation_titled(text: str) -> Obligation:
    return db.session.scalar(select(Obligation).where(Obligation.title.contains(text)))


def obligation(agreement_, title, due_on, **fields):
    return obligations.create(
        ACTOR,
        {
            "agreement_id": agreement_.id,
            "title": title,
            "kind": "reporting",
            "due_on": str(due_on),
            **fields,
        },
    )


# --- the real fixtures ----------------------------------------------------------------------


def test_the_next_npt_and_cwc_reviews_are_review_deadlines(loaded_fixtures):
    found = deadlines(kind=DeadlineKind.REVIEW_DUE)

    assert {(d.agreement_reference, d.due_on) for d in found} == {
        (CWC, date(2027, 4, 29)),
        (NPT, date(2030, 3, 5)),
    }
    cwc_review, npt_review = found  # soonest first
    assert cwc_review.title == "Review of Chemical Weapons Convention (CWC)"
    assert npt_review.title == "Review of NPT"
    assert npt_review.kind == DeadlineKind.REVIEW_DUE
    assert npt_review.classification == Classification.PUBLIC
    assert npt_review.record_path == f"/agreements/{agreement(NPT).id}"
    assert npt_review.days_left(TODAY) == (date(2030, 3, 5) - TODAY).days
    assert not npt_review.is_overdue(TODAY)
    assert npt_review.is_overdue(date(2030, 3, 6))


def test_a_nato_members_notice_of_withdrawal_gives_the_date_it_takes_effect(
    loaded_fixtures, make_action
):
    nato = agreement(NATO)
    canada = db.session.scalar(select(Party).where(Party.iso3 == "CAN"))
    assert deadlines(kind=DeadlineKind.WITHDRAWAL_EFFECTIVE) == []

    effective = rules.withdrawal_effective_on(nato, date(2027, 1, 15))
    assert effective == date(2028, 1, 15)  # Article 13: one year after notice
    notice = make_action(nato, canada, "withdrawal_notice", effective, deposited_on="2027-01-15")
    db.session.commit()

    [found] = deadlines(kind=DeadlineKind.WITHDRAWAL_EFFECTIVE)
    assert found.due_on == date(2028, 1, 15)
    assert found.agreement_reference == NATO
    assert found.title == "Canada's withdrawal from NATO (Washington Treaty) takes effect"
    assert found.kind not in ACTIONABLE
    assert found in deadlines(agreement_id=nato.id)

    # A date to prepare for: once it has passed it is simply gone, never overdue.
    window = {"start": date(2027, 1, 1), "kind": DeadlineKind.WITHDRAWAL_EFFECTIVE}
    assert deadlines(today=date(2028, 1, 15), **window) == [found]
    assert deadlines(today=date(2028, 1, 16), **window) == []

    treaty_actions.archive(ACTOR, notice, reason="Recorded against the wrong party")
    db.session.commit()
    assert deadlines(kind=DeadlineKind.WITHDRAWAL_EFFECTIVE) == []


def test_new_start_expiry_is_listed_until_it_passes_and_its_ended_obligations_never(
    loaded_fixtures,
):
    new_start = agreement(NEW_START)
    window = {"start": date(2010, 1, 1), "end": date(2026, 12, 31), "agreement_id": new_start.id}

    before = deadlines(today=date(2026, 1, 10), **window)
    assert [(d.kind, d.due_on, d.title) for d in before] == [
        (DeadlineKind.EXPIRY, date(2026, 2, 5), "New START expires")
    ]
    assert deadlines(today=date(2026, 2, 5), **window) == before  # still listed on the day

    assert deadlines(today=TODAY, **window) == []
    assert NEW_START not in {d.agreement_reference for d in deadlines(start=date(2000, 1, 1))}


def test_a_recurring_obligation_yields_its_future_occurrences(loaded_fixtures):
    conference = obligation_titled("Five-yearly review conference")  # NPT Art. VIII(3), P5Y
    assert (conference.due_on, conference.recurrence) == (date(1975, 3, 5), "P5Y")

    found = deadlines(start=date(2020, 1, 1), kind=DeadlineKind.OBLIGATION_DUE)
    npt = [d for d in found if d.agreement_reference == NPT]

    # 2025 has passed: an occurrence cannot be marked done, so past ones are not listed.
    assert [d.due_on for d in npt] == [date(2030, 3, 5), date(2035, 3, 5), date(2040, 3, 5)]
    assert len({d.key for d in npt}) == 3
    assert all(d.title == "Art. VIII(3) Five-yearly review conference" for d in npt)
    cwc = [d.due_on for d in found if d.agreement_reference == CWC]
    assert cwc == [date(2028, 4, 29), date(2033, 4, 29), date(2038, 4, 29)]


def test_monthly_occurrences_keep_to_the_first_day_of_the_month_end(make_agreement):
    treaty = make_agreement()
    obligation(treaty, "Monthly return", "2026-01-31", recurrence="P1M")
    db.session.commit()

    found = deadlines(start=date(2026, 1, 1), end=date(2027, 3, 31))
    assert [d.due_on for d in found] == [
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]


@pytest.mark.parametrize(
    ("first", "recurrence", "start", "end", "expected"),
    [
        ("2027-05-01", None, "2027-01-01", "2027-12-31", ["2027-05-01"]),
        ("2027-05-01", None, "2027-05-02", "2027-12-31", []),
        (
            "2020-01-15",
            "P1Y",
            "2026-01-01",
            "2028-12-31",
            ["2026-01-15", "2027-01-15", "2028-01-15"],
        ),
        ("2024-02-29", "P1Y", "2027-01-01", "2028-12-31", ["2027-02-28", "2028-02-29"]),
        (
            "1900-01-01",
            "P1D",
            "2026-11-27",
            "2026-11-29",
            ["2026-11-27", "2026-11-28", "2026-11-29"],
        ),
        (
            "2026-12-01",
            "P7D",
            "2026-11-01",
            "2026-12-15",
            ["2026-12-01", "2026-12-08", "2026-12-15"],
        ),
    ],
)
def test_occurrences_within_a_window(first, recurrence, start, end, expected):
    found = occurrences(
        date.fromisoformat(first), recurrence, date.fromisoformat(start), date.fromisoformat(end)
    )
    assert [day.isoformat() for day in found] == expected


# --- what drops out and what moves ----------------------------------------------------------


def test_a_met_obligation_drops_out(make_agreement):
    duty = obligation(make_agreement(), "Annual declaration", "2027-03-01")
    db.session.commit()
    assert [d.title for d in deadlines()] == ["Annual declaration"]

    obligations.update(ACTOR, duty, {"status": "partially_met"})
    db.session.commit()
    assert [d.title for d in deadlines()] == ["Annual declaration"]

    obligations.update(ACTOR, duty, {"status": "met"})
    db.session.commit()
    assert deadlines() == []
    assert deadlines(start=date(2000, 1, 1)) == []


def test_an_approved_review_drops_out(make_agreement, make_user):
    treaty = make_agreement(short_title="Testing Treaty")
    recorder = make_user(role="reviewer")
    approver = make_user(role="reviewer")
    review = reviews.create(
        recorder,
        {
            "agreement_id": treaty.id,
            "due_on": "2027-06-30",
            "status": "submitted",
            "compliance": "compliant",
            "outcome": "continue",
            "findings": "All obligations met.",
        },
    )
    db.session.commit()

    [found] = deadlines()
    assert (found.kind, found.due_on, found.title) == (
        DeadlineKind.REVIEW_DUE,
        date(2027, 6, 30),
        "Review of Testing Treaty",
    )
    assert found.responsible_ids == (recorder.id,)

    reviews.approve(approver, review, completed_on=date(2026, 11, 20))
    db.session.commit()
    assert deadlines() == []


def test_archived_records_drop_out(make_agreement):
    treaty = make_agreement()
    duty = obligation(treaty, "Notify the depositary", "2027-02-01")
    db.session.commit()
    assert len(deadlines()) == 1

    obligations.archive(ACTOR, duty, reason="Duplicate entry")
    db.session.commit()
    assert deadlines() == []


def test_changing_a_due_date_moves_the_deadline(make_agreement):
    treaty = make_agreement()
    duty = obligation(treaty, "Report to the committee", "2027-03-01")
    review = reviews.create(ACTOR, {"agreement_id": treaty.id, "due_on": "2027-04-01"})
    db.session.commit()
    before = {d.kind: d for d in deadlines()}

    obligations.update(ACTOR, duty, {"due_on": "2027-03-15"})
    reviews.update(ACTOR, review, {"due_on": "2027-05-02"})
    db.session.commit()
    after = {d.kind: d for d in deadlines()}

    assert after[DeadlineKind.OBLIGATION_DUE].due_on == date(2027, 3, 15)
    assert after[DeadlineKind.REVIEW_DUE].due_on == date(2027, 5, 2)
    assert len(deadlines()) == 2, "the old dates are gone"
    for kind in after:
        assert after[kind].uid != before[kind].uid, "a reminder of the old date does not count"


# --- clearance and filters ------------------------------------------------------------------


def test_a_secret_agreements_deadlines_are_not_returned_for_a_public_clearance(make_agreement):
    public = make_agreement(title="Open Accord")
    secret = make_agreement(
        title="Closed Accord",
        classification="secret",
        concluded_on="2020-01-01",
        entered_into_force_on="2020-01-01",
        expires_on="2027-06-01",
    )
    for treaty in (public, secret):
        obligation(treaty, f"Duty under {treaty.title}", "2027-02-01")
        reviews.create(ACTOR, {"agreement_id": treaty.id, "due_on": "2027-03-01"})
    authorizations.create(
        ACTOR,
        {"agreement_id": secret.id, "requirement": "advice_and_consent", "due_on": "2027-01-10"},
    )
    confidential_duty = obligation(
        public, "Confidential annex duty", "2027-02-02", classification="confidential"
    )
    db.session.commit()

    everything = deadlines()
    assert {d.agreement_id for d in everything} == {public.id, secret.id}
    assert {d.kind for d in everything if d.agreement_id == secret.id} == {
        DeadlineKind.OBLIGATION_DUE,
        DeadlineKind.REVIEW_DUE,
        DeadlineKind.AUTHORIZATION_DUE,
        DeadlineKind.EXPIRY,
    }
    assert all(
        d.classification == Classification.SECRET for d in everything if d.agreement_id == secret.id
    )
    [annex] = [d for d in everything if d.key.startswith(f"obligations:{confidential_duty.id}:")]
    assert annex.classification == Classification.CONFIDENTIAL

    for clearance in (Classification.PUBLIC, Classification.RESTRICTED):
        seen = deadlines(clearance)
        assert {d.agreement_id for d in seen} == {public.id}
        assert "Confidential annex duty" not in {d.title for d in seen}
        assert all(d.classification == Classification.PUBLIC for d in seen)
        assert deadlines(clearance, agreement_id=secret.id) == []
    assert "Confidential annex duty" in {d.title for d in deadlines(Classification.CONFIDENTIAL)}
    assert secret.id not in {d.agreement_id for d in deadlines(Classification.CONFIDENTIAL)}


def test_filters_by_kind_owner_body_and_agreement(make_agreement, make_user, make_body):
    first, second = make_agreement(title="First Accord"), make_agreement(title="Second Accord")
    alice, bob = make_user(name="Alice"), make_user(name="Bob")
    senate, audit_office = make_body(), make_body(kind="audit_institution")
    obligation(first, "A1", "2027-01-10", owner_id=alice.id, oversight_body_id=senate.id)
    obligation(first, "A2", "2027-02-10", owner_id=bob.id)
    obligation(second, "B1", "2027-03-10", owner_id=alice.id, oversight_body_id=audit_office.id)
    reviews.create(bob, {"agreement_id": second.id, "due_on": "2027-04-10", "body_id": senate.id})
    authorizations.create(
        alice,
        {"agreement_id": first.id, "requirement": "advice_and_consent", "due_on": "2027-05-10"},
    )
    db.session.commit()

    def titles(**filters):
        return [d.title for d in deadlines(**filters)]

    assert titles() == [
        "A1",
        "A2",
        "B1",
        "Review of Second Accord",
        "Advice and consent: First Accord",
    ]
    assert titles(kind=DeadlineKind.OBLIGATION_DUE) == ["A1", "A2", "B1"]
    assert titles(kind=DeadlineKind.REVIEW_DUE) == ["Review of Second Accord"]
    assert titles(kind=DeadlineKind.EXPIRY) == []
    assert titles(owner_id=alice.id) == ["A1", "B1", "Advice and consent: First Accord"]
    assert titles(owner_id=bob.id) == ["A2", "Review of Second Accord"]
    assert titles(body_id=senate.id) == ["A1", "Review of Second Accord"]
    assert titles(body_id=audit_office.id) == ["B1"]
    assert titles(agreement_id=first.id) == ["A1", "A2", "Advice and consent: First Accord"]
    assert titles(agreement_id=second.id) == ["B1", "Review of Second Accord"]
    assert titles(agreement_id=first.id, owner_id=alice.id, body_id=senate.id) == ["A1"]
    assert titles(kind=DeadlineKind.OBLIGATION_DUE, owner_id=bob.id) == ["A2"]
    assert titles(start=date(2027, 2, 1), end=date(2027, 3, 31)) == ["A2", "B1"]
