"""Searching agreements by any part of a title, short title, reference or citation: from the
search index on SQLite and trigram indexes on PostgreSQL, with the same answers on both."""

import pytest

from registry.agreements.queries import AgreementFilters, search_agreements
from registry.agreements.services import agreements
from registry.core.enums import Classification
from registry.extensions import db

from support import ACTOR


def found(text: str, clearance=Classification.SECRET) -> list[str]:
    query = search_agreements(
        clearance, AgreementFilters(text=text, sort="title", descending=False)
    )
    return [agreement.title for agreement in db.session.scalars(query)]


@pytest.fixture
def library(make_agreement):
    made = [
        make_agreement(title="Cyber Protocol on Incident Reporting", short_title="CyberPro"),
        make_agreement(title="Treaty of Friendship", national_citation="UKTS No. 48 (2019)"),
        make_agreement(title="Ålands Convention", un_registration_number="I-12345"),
        make_agreement(title='The "Quoted" Accord % _ \\ *', short_title="Odd"),
        make_agreement(title="Secret Cyber Annex", classification="secret"),
    ]
    db.session.commit()
    return made


def test_any_part_of_any_searched_column_in_any_case(library):
    assert found("cyber protocol") == ["Cyber Protocol on Incident Reporting"]
    assert found("BER PRO") == ["Cyber Protocol on Incident Reporting"]
    assert found("cyberpro") == ["Cyber Protocol on Incident Reporting"]  # the short title
    assert found("No. 48") == ["Treaty of Friendship"]  # the national citation
    assert found("12345") == ["Ålands Convention"]  # the UN registration number
    assert found(library[1].reference) == ["Treaty of Friendship"]
    assert found("cyber") == ["Cyber Protocol on Incident Reporting", "Secret Cyber Annex"]
    assert found("Cy") == ["Cyber Protocol on Incident Reporting", "Secret Cyber Annex"]
    assert found("nothing like it") == []


def test_clearance_still_applies(library):
    assert found("cyber", Classification.PUBLIC) == ["Cyber Protocol on Incident Reporting"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('"Quoted"', ['The "Quoted" Accord % _ \\ *']),
        ('"', ['The "Quoted" Accord % _ \\ *']),
        ("% _", ['The "Quoted" Accord % _ \\ *']),
        ("%", ['The "Quoted" Accord % _ \\ *']),
        ("\\ *", ['The "Quoted" Accord % _ \\ *']),
        ("Accord OR Treaty", []),  # no query language: words are looked for as written
        ("NEAR(cyber protocol)", []),
        ("cyber*", []),
        ("' OR 1=1 --", []),
        ("x" * 5000, []),
    ],
)
def test_hostile_or_odd_text_is_looked_for_literally(library, text, expected):
    assert found(text) == expected


def test_the_index_follows_changes_to_titles_and_removals(library):
    cyber = library[0]
    agreements.update(ACTOR, cyber, {"title": "Digital Security Protocol", "short_title": None})
    db.session.commit()
    assert found("cyber protocol") == []
    assert found("digital security") == ["Digital Security Protocol"]
    agreements.archive(ACTOR, cyber, reason="Entered in error")
    db.session.commit()
    assert found("digital security") == []
