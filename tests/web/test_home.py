"""The public home page and the health check."""

import pytest

from registry import create_app
from registry.agreements.services import agreements
from registry.core.audit.writer import SystemActor
from registry.extensions import db


@pytest.fixture
def client(app):
    return app.test_client()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_says_when_the_database_is_unreachable():
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:x@127.0.0.1:9/none?connect_timeout=2"
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "degraded", "database": "unreachable"}


def test_home_lists_the_fixture_agreements(client, loaded_fixtures):
    page = client.get("/").get_data(as_text=True)
    assert "North Atlantic Treaty" in page
    assert "AGR-1949-0001" in page
    assert "Treaty on the Non-Proliferation of Nuclear Weapons" in page
    assert "12 agreements classified public." in page


def test_home_shows_an_empty_state(client):
    page = client.get("/").get_data(as_text=True)
    assert "No agreements are recorded yet" in page


def test_home_never_shows_classified_or_archived_agreements(client, make_agreement):
    make_agreement(title="Open Accord")
    make_agreement(title="Hidden Accord", classification="secret")
    archived = make_agreement(title="Old Accord")
    agreements.archive(SystemActor("tests"), archived, reason="Entered twice")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Open Accord" in page
    assert "Hidden Accord" not in page
    assert "Old Accord" not in page
    assert "1 agreement classified public." in page


def test_home_escapes_hostile_titles(client, make_agreement):
    make_agreement(title="<script>alert('x')</script>")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("page_number", ["abc", "-3", "0", "99999999999999999999"])
def test_home_refuses_what_is_no_page_number_naming_it(client, make_agreement, page_number):
    make_agreement()
    db.session.commit()
    response = client.get(f"/?page={page_number}")
    assert response.status_code == 400
    assert "<code>page</code>" in response.get_data(as_text=True)


def test_home_shows_the_last_page_for_a_page_past_the_end(client, make_agreement):
    make_agreement()
    db.session.commit()
    assert client.get("/?page=2").status_code == 200


def test_home_paginates(client, make_agreement):
    for number in range(55):
        make_agreement(
            title=f"Accord {number:02d}",
            concluded_on=f"19{number + 10}-01-01",
            entered_into_force_on=None,
        )
    db.session.commit()
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert "Accord 54" in first and "Accord 00" not in first
    assert "Accord 00" in second and "Accord 54" not in second


def test_home_runs_the_same_few_queries_however_many_agreements(
    client, make_agreement, count_queries
):
    make_agreement()
    db.session.commit()
    with count_queries() as few:
        client.get("/")
    for number in range(20):
        make_agreement(title=f"Accord {number}")
    db.session.commit()
    with count_queries() as many:
        client.get("/")
    # BEGIN, the state of the data (for the answers kept between requests), count, page
    assert len(many) == len(few) <= 4
