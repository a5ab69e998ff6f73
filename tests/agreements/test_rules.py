"""Domain rules on plain values, with the real clauses of real agreements."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.agreements import rules
from registry.core.enums import ReviewCadence, Standing, TreatyActionKind
from registry.core.errors import RuleViolation
from registry.core.periods import InvalidPeriod, add_period, describe_period, parse_period


@dataclass
class Terms:
    entered_into_force_on: date | None = None
    expires_on: date | None = None
    terminated_on: date | None = None
    term: str | None = None
    extension_term: str | None = None
    extension_options_left: int = 0
    notice_min_in_force: str | None = None
    notice_period: str | None = None
    review_cadence: ReviewCadence = ReviewCadence.NONE
    review_interval: str | None = None


@dataclass
class Action:
    kind: TreatyActionKind
    effective_on: date
    deposited_on: date | None = None


NATO = Terms(
    entered_into_force_on=date(1949, 8, 24),
    notice_min_in_force="P20Y",
    notice_period="P1Y",
    review_cadence=ReviewCadence.ON_REQUEST,
    review_interval="P10Y",
)
NPT = Terms(
    entered_into_force_on=date(1970, 3, 5),
    notice_period="P3M",
    review_cadence=ReviewCadence.PERIODIC,
    review_interval="P5Y",
)
NEW_START = Terms(
    entered_into_force_on=date(2011, 2, 5),
    term="P10Y",
    extension_term="P5Y",
    extension_options_left=1,
)


# --- exit terms ------------------------------------------------------------------------------


def test_nato_notice_allowed_twenty_years_after_entry_into_force():
    assert rules.earliest_notice_on(NATO) == date(1969, 8, 24)


def test_nato_withdrawal_takes_effect_one_year_after_notice():
    assert rules.withdrawal_effective_on(NATO, date(2026, 11, 27)) == date(2027, 11, 27)


def test_nato_notice_before_twenty_years_is_refused_with_the_earliest_date():
    with pytest.raises(RuleViolation, match="1969-08-24"):
        rules.withdrawal_effective_on(NATO, date(1960, 1, 1))


def test_npt_withdrawal_takes_effect_three_months_after_notice():
    # The DPRK's notice of 10 January 2003 under Art. X(1).
    assert rules.withdrawal_effective_on(NPT, date(2003, 1, 10)) == date(2003, 4, 10)
    # Notice is allowed from entry into force: the NPT sets no minimum time.
    assert rules.earliest_notice_on(NPT) == date(1970, 3, 5)


def test_three_months_from_month_end_clamps_to_the_shorter_month():
    assert rules.withdrawal_effective_on(NPT, date(2023, 11, 30)) == date(2024, 2, 29)


def test_agreement_without_exit_clause_has_no_notice_date():
    assert rules.earliest_notice_on(Terms(entered_into_force_on=date(2000, 1, 1))) is None
    with pytest.raises(RuleViolation, match="no notice period"):
        rules.withdrawal_effective_on(
            Terms(entered_into_force_on=date(2000, 1, 1)), date(2020, 1, 1)
        )


def test_notice_before_entry_into_force_is_refused():
    with pytest.raises(RuleViolation, match="entered into force"):
        rules.withdrawal_effective_on(Terms(notice_period="P1Y"), date(2020, 1, 1))


# --- duration and extension ------------------------------------------------------------------


def test_new_start_expires_in_2026_after_its_one_extension():
    initial = rules.initial_expiry_on(NEW_START)
    assert initial == date(2021, 2, 5)
    terms = Terms(**{**NEW_START.__dict__, "expires_on": initial})
    assert rules.latest_possible_expiry_on(terms) == date(2026, 2, 5)
    extended = rules.extended_expiry_on(terms)
    assert extended == date(2026, 2, 5)
    after = Terms(**{**terms.__dict__, "expires_on": extended, "extension_options_left": 0})
    assert rules.latest_possible_expiry_on(after) == date(2026, 2, 5)
    with pytest.raises(RuleViolation, match="No extension options"):
        rules.extended_expiry_on(after)
    assert rules.is_in_force_on(after, date(2026, 2, 4))
    assert not rules.is_in_force_on(after, date(2026, 2, 5))


def test_extension_longer_than_agreed_is_refused():
    terms = Terms(**{**NEW_START.__dict__, "expires_on": date(2021, 2, 5)})
    with pytest.raises(RuleViolation, match="at most P5Y"):
        rules.extended_expiry_on(terms, "P6Y")
    assert rules.extended_expiry_on(terms, "P2Y") == date(2023, 2, 5)


def test_indefinite_agreement_never_expires():
    assert rules.initial_expiry_on(NATO) is None
    assert rules.is_in_force_on(NATO, date(2226, 1, 1))
    assert not rules.is_in_force_on(NATO, date(1949, 8, 23))


def test_terminated_agreement_is_not_in_force_from_termination():
    inf = Terms(entered_into_force_on=date(1988, 6, 1), terminated_on=date(2019, 8, 2))
    assert rules.is_in_force_on(inf, date(2019, 8, 1))
    assert not rules.is_in_force_on(inf, date(2019, 8, 2))


# --- review ------------------------------------------------------------------------------------


def test_npt_next_review_follows_the_five_year_cadence_from_entry_into_force():
    assert rules.next_review_on(NPT, last_review_due_on=None, today=date(2026, 11, 27)) == date(
        2030, 3, 5
    )
    assert rules.next_review_on(NPT, last_review_due_on=None, today=date(2025, 3, 5)) == date(
        2025, 3, 5
    )
    assert rules.next_review_on(
        NPT, last_review_due_on=date(2030, 3, 5), today=date(2026, 11, 27)
    ) == date(2035, 3, 5)


def test_nato_review_is_on_request_after_ten_years():
    assert rules.next_review_on(NATO, last_review_due_on=None, today=date(2026, 1, 1)) is None
    assert rules.review_may_be_requested_from(NATO) == date(1959, 8, 24)
    assert rules.review_may_be_requested_from(NPT) is None


# --- standing ----------------------------------------------------------------------------------


def test_standing_moves_from_signatory_to_party_to_notice_to_withdrawn():
    actions = [
        Action(TreatyActionKind.SIGNATURE, date(2010, 4, 8)),
        Action(TreatyActionKind.RATIFICATION, date(2011, 2, 5), date(2011, 2, 5)),
        Action(TreatyActionKind.WITHDRAWAL_NOTICE, date(2020, 11, 22), date(2020, 5, 22)),
    ]
    assert rules.standing_on(actions, date(2010, 4, 7)) == Standing.NONE
    assert rules.standing_on(actions, date(2010, 4, 8)) == Standing.SIGNATORY
    assert rules.standing_on(actions, date(2011, 2, 5)) == Standing.PARTY
    assert rules.standing_on(actions, date(2020, 5, 22)) == Standing.NOTICE_GIVEN
    assert rules.standing_on(actions, date(2020, 11, 21)) == Standing.NOTICE_GIVEN
    assert rules.standing_on(actions, date(2020, 11, 22)) == Standing.WITHDRAWN


def test_revoked_notice_keeps_the_party_bound():
    actions = [
        Action(TreatyActionKind.ACCESSION, date(2002, 7, 1), date(2002, 6, 28)),
        Action(TreatyActionKind.WITHDRAWAL_NOTICE, date(2017, 11, 10), date(2016, 11, 10)),
        Action(TreatyActionKind.NOTICE_REVOKED, date(2017, 2, 10), date(2017, 2, 10)),
    ]
    assert rules.standing_on(actions, date(2016, 12, 1)) == Standing.NOTICE_GIVEN
    assert rules.standing_on(actions, date(2017, 2, 10)) == Standing.PARTY
    assert rules.standing_on(actions, date(2018, 1, 1)) == Standing.PARTY


def test_suspension_and_resumption():
    actions = [
        Action(TreatyActionKind.RATIFICATION, date(2011, 2, 5), date(2011, 2, 5)),
        Action(TreatyActionKind.SUSPENSION, date(2023, 2, 21), date(2023, 2, 21)),
    ]
    assert rules.standing_on(actions, date(2023, 2, 21)) == Standing.SUSPENDED
    resumed = [*actions, Action(TreatyActionKind.RESUMPTION, date(2024, 1, 1), date(2024, 1, 1))]
    assert rules.standing_on(resumed, date(2024, 1, 1)) == Standing.PARTY


def test_succession_takes_effect_before_its_deposit():
    actions = [Action(TreatyActionKind.SUCCESSION, date(1993, 1, 1), date(1993, 2, 22))]
    assert rules.standing_on(actions, date(1993, 1, 1)) == Standing.PARTY


def test_reservations_do_not_change_standing_and_rejoining_after_withdrawal_works():
    actions = [
        Action(TreatyActionKind.ACCESSION, date(1985, 12, 12), date(1985, 12, 12)),
        Action(TreatyActionKind.RESERVATION, date(1985, 12, 12), date(1985, 12, 12)),
        Action(TreatyActionKind.WITHDRAWAL_NOTICE, date(1994, 6, 13), date(1994, 3, 12)),
        Action(TreatyActionKind.ACCESSION, date(2000, 1, 1), date(2000, 1, 1)),
    ]
    assert rules.standing_on(actions, date(1990, 1, 1)) == Standing.PARTY
    assert rules.standing_on(actions, date(1995, 1, 1)) == Standing.WITHDRAWN
    assert rules.standing_on(actions, date(2000, 1, 1)) == Standing.PARTY


def test_provisional_application_then_ratification():
    actions = [
        Action(TreatyActionKind.SIGNATURE, date(2000, 1, 1)),
        Action(TreatyActionKind.PROVISIONAL_APPLICATION, date(2000, 2, 1), date(2000, 2, 1)),
        Action(TreatyActionKind.RATIFICATION, date(2001, 1, 1), date(2000, 12, 1)),
    ]
    assert rules.standing_on(actions, date(2000, 6, 1)) == Standing.PROVISIONAL
    assert rules.standing_on(actions, date(2001, 1, 1)) == Standing.PARTY


def test_count_standings_counts_parties_under_notice_and_suspended():
    counts = rules.count_standings(
        {
            1: Standing.PARTY,
            2: Standing.NOTICE_GIVEN,
            3: Standing.SUSPENDED,
            4: Standing.SIGNATORY,
            5: Standing.WITHDRAWN,
        }
    )
    assert counts == {"parties": 3, "signatories": 1}


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(TreatyActionKind)),
            st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
            st.integers(0, 400),
        ),
        max_size=8,
    ),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2102, 1, 1)),
)
def test_standing_is_derived_from_any_history_and_nothing_counts_before_it(raw, on):
    actions = [
        Action(kind, effective_on=deposited + timedelta(days=delay), deposited_on=deposited)
        for kind, deposited, delay in raw
    ]
    standing = rules.standing_on(actions, on)
    assert isinstance(standing, Standing)
    if not actions or on < min(action.deposited_on for action in actions):
        assert standing == Standing.NONE
    if standing in (Standing.NOTICE_GIVEN, Standing.WITHDRAWN):
        assert any(a.kind == TreatyActionKind.WITHDRAWAL_NOTICE for a in actions)


# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "P", "20Y", "P-1Y", "PT1H", "P1.5Y", "P99999Y", "1 year", None, 5]
)
def test_bad_periods_are_refused(text):
    with pytest.raises(InvalidPeriod):
        parse_period(text)


def test_periods_parse_and_read_in_words():
    assert add_period(date(2020, 1, 31), "P1M") == date(2020, 2, 29)
    assert add_period(date(2020, 1, 1), "P90D") == date(2020, 3, 31)
    assert add_period(date(2020, 1, 1), "p1y6m") == date(2021, 7, 1)
    assert describe_period("P20Y") == "20 years"
    assert describe_period("P1Y3M") == "1 year, 3 months"
