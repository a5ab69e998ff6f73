"""Clearance is one rule: a query and a loaded record give the same answer at every level."""

from datetime import date
from decimal import Decimal
from itertools import product

import pytest
from sqlalchemy import select

from registry.agreements.models import Agreement, TreatyAction
from registry.authorizations.models import Authorization
from registry.core.access import can_see, visible, visible_to
from registry.core.enums import (
    AgreementForm,
    AuthorizationRequirement,
    Classification,
    ExitStepKind,
    InstrumentType,
    LegalNature,
    ObligationKind,
    PartyKind,
    Region,
    ReviewStatus,
    TreatyActionKind,
)
from registry.extensions import db
from registry.obligations.models import Measurement, Obligation
from registry.parties.models import Party
from registry.reviews.models import ExitStep, Review
from registry.users.models import User

LEVELS = list(Classification)
DAY = date(2020, 1, 1)


@pytest.fixture
def every_combination(app):
    """Records of each described kind at every pairing of their own level and their
    parents' (lower than the parent too: the rule must not rely on the services' defaults)."""
    party = Party(name="Testland", kind=PartyKind.STATE)
    db.session.add(party)
    agreements = [
        Agreement(
            reference=f"A-{level.value}",
            title=f"Treaty at {level.value}",
            instrument_type=InstrumentType.ALLIANCE_DEFENCE_PACT,
            form=AgreementForm.BILATERAL,
            legal_nature=LegalNature.TREATY,
            region=Region.EUROPE,
            classification=level,
        )
        for level in LEVELS
    ]
    db.session.add_all(agreements)
    db.session.flush()
    obligations = [
        Obligation(
            agreement_id=agreement.id,
            title=f"Duty at {level.value}",
            kind=ObligationKind.REPORTING,
            classification=level,
        )
        for agreement, level in product(agreements, LEVELS)
    ]
    db.session.add_all(obligations)
    db.session.flush()
    records = [
        *(
            TreatyAction(
                agreement_id=agreement.id,
                party_id=party.id,
                kind=TreatyActionKind.SIGNATURE,
                effective_on=DAY,
            )
            for agreement in agreements
        ),
        *(
            Measurement(
                obligation_id=obligation.id,
                party_id=party.id,
                period_start=DAY,
                period_end=DAY,
                value=Decimal(1),
                unit="t",
                source="test",
            )
            for obligation in obligations
        ),
        *(
            Authorization(
                agreement_id=agreement.id,
                requirement=AuthorizationRequirement.ADVICE_AND_CONSENT,
                classification=level,
            )
            for agreement, level in product(agreements, LEVELS)
        ),
        *(
            Review(
                agreement_id=obligation.agreement_id,
                obligation_id=obligation.id if with_obligation else None,
                due_on=DAY,
                status=ReviewStatus.SCHEDULED,
                classification=level,
            )
            for obligation, level, with_obligation in product(obligations, LEVELS, (True, False))
        ),
    ]
    db.session.add_all(records)
    db.session.flush()
    reviews = [record for record in records if isinstance(record, Review)]
    steps = [
        ExitStep(
            agreement_id=review.agreement_id,
            review_id=review.id,
            kind=ExitStepKind.WITHDRAWAL,
            opened_on=DAY,
            classification=review.classification,
        )
        for review in reviews
        if review.obligation_id is None
    ]
    db.session.add_all(steps)
    db.session.flush()
    return [*agreements, *obligations, *records, *steps]


MODELS = [Agreement, TreatyAction, Obligation, Measurement, Authorization, Review, ExitStep]


@pytest.mark.parametrize("clearance", LEVELS, ids=lambda level: level.value)
def test_a_query_and_loaded_records_see_the_same_records(every_combination, clearance):
    reader = visible_to(clearance)
    for model in MODELS:
        loaded = [record for record in every_combination if isinstance(record, model)]
        assert loaded, model
        seen = {record.id for record in loaded if reader.sees(record)}
        queried = set(db.session.scalars(reader.filter(select(model.id), model)))
        assert queried == seen, model.__name__
        assert seen == {record.id for record in loaded if can_see(record, clearance)}
        assert queried == set(db.session.scalars(visible(select(model.id), model, clearance)))


@pytest.mark.parametrize("clearance", LEVELS, ids=lambda level: level.value)
def test_a_record_is_visible_only_within_clearance_and_through_its_parents(
    every_combination, clearance
):
    reader = visible_to(clearance)
    allowed = set(LEVELS[: LEVELS.index(clearance) + 1])
    for record in every_combination:
        chain = [record]
        if isinstance(record, Measurement):
            chain.append(record.obligation)
        if isinstance(record, Review) and record.obligation is not None:
            chain.append(record.obligation)
        if hasattr(chain[-1], "agreement"):
            chain.append(chain[-1].agreement)
        expected = all(
            getattr(link, "classification", Classification.PUBLIC) in allowed for link in chain
        )
        assert reader.sees(record) is expected, record


def test_a_reader_who_sees_everything_gets_no_conditions(every_combination):
    assert visible_to(Classification.SECRET).conditions(Review) == []
    assert len(visible_to(Classification.PUBLIC).conditions(Review)) == 3


def test_archived_records_are_left_out_of_lists_but_their_pages_still_show(every_combination):
    agreement = every_combination[0]
    agreement.archived_at = agreement.created_at
    db.session.flush()
    reader = visible_to(Classification.PUBLIC)
    assert agreement.id not in set(
        db.session.scalars(reader.filter(select(Agreement.id), Agreement))
    )
    assert agreement.id in set(
        db.session.scalars(reader.filter(select(Agreement.id), Agreement, archived=True))
    )
    assert reader.sees(agreement)


def test_visible_to_takes_a_user_or_a_clearance(app):
    anonymous = visible_to(None)
    assert anonymous.clearance == Classification.PUBLIC
    cleared = User(email="c@example.org", name="C", clearance=Classification.SECRET, active=True)
    assert visible_to(cleared).clearance == Classification.SECRET
    assert visible_to("confidential").allows(Classification.RESTRICTED)
    assert not visible_to(Classification.RESTRICTED).allows(Classification.CONFIDENTIAL)
