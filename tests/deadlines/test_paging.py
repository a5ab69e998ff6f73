"""A page of deadlines, a count and the people responsible, found without reading every
deadline: each must agree with the whole list worked out in full."""

from datetime import date, timedelta

import pytest

from registry.core.enums import Classification, DeadlineKind
from registry.deadlines.queries import DeadlineFilters, DeadlineQuery
from registry.extensions import db
from registry.obligations.services import obligations
from registry.reviews.services import reviews

from support import ACTOR

TODAY = date(2026, 11, 27)  # the date the fixtures describe


@pytest.fixture
def crowded(loaded_fixtures, make_agreement, make_user):
    """The fixtures, plus deadlines that tie on a day and recurring ones that share a date."""
    owners = [make_user(name=f"Owner {number}") for number in range(3)]
    for number in range(4):
        agreement = make_agreement(title=f"Crowded Accord {number}")
        for duty in range(3):  # one-off duties, several on the same day
            obligations.create(
                ACTOR,
                {
                    "agreement_id": agreement.id,
                    "title": f"Duty {number}.{duty}",
                    "kind": "reporting",
                    "owner_id": owners[duty].id,
                    "due_on": str(TODAY + timedelta(days=10 * (duty % 2))),
                },
            )
        for period in ("P1M", "P3M", "P1Y"):  # recurring ones with a common first date
            obligations.create(
                ACTOR,
                {
                    "agreement_id": agreement.id,
                    "title": f"Every {period} for {number}",
                    "kind": "reporting",
                    "owner_id": owners[number % 3].id,
                    "due_on": "2026-01-31",
                    "recurrence": period,
                },
            )
        reviews.create(ACTOR, {"agreement_id": agreement.id, "due_on": str(TODAY - timedelta(3))})
    db.session.commit()
    return owners


WINDOWS = [
    (TODAY - timedelta(days=365), TODAY + timedelta(days=365)),
    (TODAY - timedelta(days=30), TODAY - timedelta(days=1)),
    (TODAY, TODAY + timedelta(days=90)),
    (date(2020, 1, 1), date(2040, 12, 31)),
]


@pytest.mark.parametrize("start, end", WINDOWS)
def test_every_first_n_is_the_start_of_the_whole_list(crowded, start, end):
    query = DeadlineQuery(Classification.SECRET, start, end, today=TODAY)
    everything = query.first()
    assert len(everything) > 10 or end < TODAY
    for limit in range(len(everything) + 2):
        assert query.first(limit) == everything[:limit], limit
    for number in (1, 2, 3):
        assert query.page(number, 7) == everything[(number - 1) * 7 : number * 7]


@pytest.mark.parametrize("start, end", WINDOWS)
def test_counts_agree_with_the_whole_list_and_stop_at_the_cap(crowded, start, end):
    query = DeadlineQuery(Classification.SECRET, start, end, today=TODAY)
    everything = query.first()
    assert query.count() == len(everything)
    for cap in (1, 5, len(everything), len(everything) + 1):
        assert query.count(cap=cap) == min(cap, len(everything))
    overdue = sum(1 for deadline in everything if deadline.is_overdue(TODAY))
    assert query.count_overdue() == overdue
    assert query.count_overdue(cap=2) == min(2, overdue)


def test_filters_and_clearance_narrow_pages_counts_and_people_alike(crowded):
    owners = crowded
    start, end = TODAY - timedelta(days=365), TODAY + timedelta(days=400)
    for clearance in Classification:
        for filters in (
            DeadlineFilters(),
            DeadlineFilters(owner_id=owners[1].id),
            DeadlineFilters(kind=DeadlineKind.OBLIGATION_DUE),
            DeadlineFilters(kind=DeadlineKind.REVIEW_DUE, owner_id=owners[0].id),
        ):
            query = DeadlineQuery(clearance, start, end, filters, today=TODAY)
            everything = query.first()
            assert all(clearance.allows(d.classification) for d in everything)
            if filters.owner_id:
                assert all(filters.owner_id in d.responsible_ids for d in everything)
            if filters.kind:
                assert {d.kind for d in everything} <= {filters.kind}
            assert query.first(5) == everything[:5]
            assert query.count() == len(everything)
            # Everyone with a deadline here is offered; the window aside, no one else.
            people = {person for d in everything for person in d.responsible_ids}
            anytime = DeadlineQuery(clearance, date(1900, 1, 1), date(2200, 1, 1), filters)
            assert (
                people
                <= query.responsible_ids()
                <= {person for d in anytime.first() for person in d.responsible_ids}
            )


def test_occurrences_of_recurring_duties_sharing_a_date_each_appear_once(crowded):
    query = DeadlineQuery(Classification.SECRET, TODAY, TODAY + timedelta(days=365), today=TODAY)
    monthly = [d for d in query.first() if d.title.startswith("Every P1M")]
    assert len(monthly) == 4 * 12  # four agreements, twelve month ends
    assert len({d.key for d in monthly}) == len(monthly)
    assert sorted({d.due_on for d in monthly})[:3] == [
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
    ]


def test_a_page_reads_the_same_statements_for_few_or_many_deadlines(
    crowded, make_agreement, count_queries
):
    def statements():
        with count_queries() as seen:
            query = DeadlineQuery(
                Classification.SECRET, TODAY - timedelta(365), TODAY + timedelta(90), today=TODAY
            )
            query.first(5)
            query.count(cap=1000)
        return len(seen)

    few = statements()
    for number in range(20):
        agreement = make_agreement(title=f"Later Accord {number}")
        obligations.create(
            ACTOR,
            {
                "agreement_id": agreement.id,
                "title": "Later duty",
                "kind": "reporting",
                "due_on": str(TODAY + timedelta(days=number)),
            },
        )
    db.session.commit()
    assert statements() == few


def test_earliest_notice_dates_follow_entry_into_force_and_the_minimum_time_in_force(
    make_agreement,
):
    from registry.agreements import rules

    made = []
    # Entry into force and minimum time in force; three of them give 28 Feb 2027 (month end).
    for number, (in_force, minimum) in enumerate(
        [
            ("2027-01-29", "P1M"),
            ("2027-01-30", "P1M"),
            ("2027-01-31", "P1M"),
            ("2017-02-28", "P10Y"),
            ("2027-03-05", None),
            ("2026-12-01", "P1Y"),  # falls after the window
            ("2026-10-01", "P1M"),  # has passed
            ("2026-02-01", "P1Y6M"),
        ]
    ):
        made.append(
            make_agreement(
                title=f"Exit Accord {number}",
                concluded_on="2000-01-01",
                entered_into_force_on=in_force,
                notice_period="P1Y",
                notice_min_in_force=minimum,
            )
        )
    make_agreement(
        title="No exit clause", concluded_on="2000-01-01", entered_into_force_on="2027-01-01"
    )
    db.session.commit()

    start, end = TODAY - timedelta(days=365), date(2027, 9, 30)
    query = DeadlineQuery(
        Classification.SECRET,
        start,
        end,
        DeadlineFilters(kind=DeadlineKind.EARLIEST_NOTICE),
        today=TODAY,
    )
    expected = {
        agreement.reference: rules.earliest_notice_on(agreement)
        for agreement in made
        if TODAY <= rules.earliest_notice_on(agreement) <= end
    }
    found = query.first()
    assert {d.agreement_reference: d.due_on for d in found} == expected
    assert sorted(expected.values())[:3] == [date(2027, 2, 28)] * 3
    assert [d.title for d in found][:1] == ["Notice of withdrawal from Exit Accord 0 possible"]
    assert query.count() == len(expected) == 6
    for limit in range(len(found) + 1):
        assert query.first(limit) == found[:limit]
