"""Calendar feeds: the account page, the secret .ics address, revocation and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction, Classification
from registry.core.errors import RuleViolation
from registry.deadlines import feeds
from registry.deadlines.models import CalendarFeed
from registry.deadlines.queries import find_deadlines
from registry.extensions import db
from registry.users.services import users

from support import ACTOR


def create_feed(browser) -> str:
    """Create (or replace) the browser's feed through its page; return the feed's address."""
    response = browser.submit("/account/calendar", form_url="/account/calendar")
    assert response.status_code == 302
    page = browser.get("/account/calendar").page
    field = page.by_id("feed-url")
    assert field is not None, "the page shows no feed address"
    return field.attrs["value"]


def revoke_feed(browser):
    page = browser.get("/account/calendar").page
    form = next(f for f in page.main.iter("form") if f.find("input", value="revoke") is not None)
    return browser.post("/account/calendar", data=page.form_values(form))


def local(url: str) -> str:
    """The path and query of a full address, as the test client asks for it."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def fetch(client, url: str):
    return client.get(local(url))


def events_of(response) -> list:
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.get_data()).walk("VEVENT")


@pytest.fixture
def records(make_agreement, make_obligation):
    """Deadlines at three levels, one overdue, one far ahead and one beyond the feed."""
    public = make_agreement(title="Open Treaty")
    make_obligation(public, days=-10, title="Late report")
    make_obligation(public, days=20, title="Annual report")
    make_obligation(public, days=700, title="Far report")
    make_obligation(public, days=800, title="Beyond the feed")
    make_obligation(public, days=-120, title="Too long overdue for the feed")
    make_obligation(make_agreement(classification="restricted"), days=5, title="Restricted item")
    make_obligation(make_agreement(classification="secret"), days=6, title="Secret item")


def test_a_new_feed_serves_the_owners_deadlines_as_icalendar(app, sign_in, client, records, today):
    viewer = sign_in("viewer", "restricted")
    url = create_feed(viewer)

    assert url.startswith(app.config["BASE_URL"] + "/calendar.ics?")
    response = fetch(client, url)  # no session: the address alone opens it

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Set-Cookie" not in response.headers
    parsed = Calendar.from_ical(response.get_data())
    assert str(parsed["VERSION"]) == "2.0"
    assert "Treaty and Commitment Registry" in str(parsed["PRODID"])
    assert str(parsed["X-WR-CALNAME"]) == feeds.CALENDAR_NAME
    expected = find_deadlines(
        Classification.RESTRICTED, today - timedelta(days=90), today + timedelta(days=730)
    )
    events = parsed.walk("VEVENT")
    assert [(e.decoded("DTSTART"), str(e["UID"])) for e in events] == [
        (d.due_on, f"{d.uid}@treaty-registry") for d in expected
    ]
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries == [
        "Obligation due: Late report",
        "Obligation due: Restricted item",
        "Obligation due: Annual report",
        "Obligation due: Far report",
    ]


def test_each_event_is_an_all_day_event_with_a_link_and_a_week_ahead_reminder(
    app, sign_in, client, make_agreement, make_obligation, today
):
    agreement = make_agreement(title="Treaty of Events")
    make_obligation(agreement, days=30, title="Notify the depositary")
    viewer = sign_in("viewer", "public")
    response = fetch(client, create_feed(viewer))
    text = response.get_data(as_text=True)
    due = today + timedelta(days=30)

    assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in text
    assert f"DTEND;VALUE=DATE:{due + timedelta(days=1):%Y%m%d}" in text
    [event] = events_of(response)
    link = f"{app.config['BASE_URL']}/agreements/{agreement.id}"
    assert str(event["URL"]) == link
    assert agreement.reference in str(event["DESCRIPTION"])
    assert link in str(event["DESCRIPTION"])
    assert event.decoded("DTSTAMP").tzinfo is not None
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(days=-7)
    assert "TRIGGER:-P7D" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in text and "X-PUBLISHED-TTL:PT6H" in text


def test_uids_are_stable_across_requests(sign_in, client, records):
    url = create_feed(sign_in("viewer", "secret"))
    first = [str(event["UID"]) for event in events_of(fetch(client, url))]
    second = [str(event["UID"]) for event in events_of(fetch(client, url))]
    assert first == second and len(first) == len(set(first)) == 5


def test_a_deadline_above_the_owners_clearance_is_absent(sign_in, client, records):
    url = create_feed(sign_in("viewer", "public"))
    summaries = [str(event["SUMMARY"]) for event in events_of(fetch(client, url))]
    assert summaries == [
        "Obligation due: Late report",
        "Obligation due: Annual report",
        "Obligation due: Far report",
    ]


def test_clearance_is_the_owners_at_the_time_of_the_request(sign_in, client, records):
    viewer = sign_in("viewer", "secret")
    url = create_feed(viewer)
    assert "Secret item" in fetch(client, url).get_data(as_text=True)
    users.update(ACTOR, viewer.user, {"clearance": "public"})
    db.session.commit()
    text = fetch(client, url).get_data(as_text=True)
    assert "Secret item" not in text and "Restricted item" not in text
    assert "Annual report" in text


def test_an_inactive_owners_feed_answers_404(sign_in, client, records):
    viewer = sign_in("viewer", "public")
    url = create_feed(viewer)
    users.update(ACTOR, viewer.user, {"active": False})
    db.session.commit()
    assert fetch(client, url).status_code == 404


def test_a_wrong_or_missing_token_answers_404(sign_in, client, records):
    url = create_feed(sign_in("viewer", "public"))
    query = parse_qs(urlsplit(url).query)
    feed_id, token = query["feed"][0], query["token"][0]
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    for args in (
        {"feed": feed_id, "token": wrong},
        {"feed": feed_id, "token": ""},
        {"feed": feed_id, "token": "é" * 43},
        {"feed": feed_id},
        {"token": token},
        {"feed": str(int(feed_id) + 1), "token": token},
        {"feed": "99999999999999999999", "token": token},
        {"feed": "-1", "token": token},
        {},
    ):
        response = client.get("/calendar.ics", query_string=args)
        assert response.status_code == 404, args
        assert "BEGIN:VCALENDAR" not in response.get_data(as_text=True)


def test_a_revoked_feed_answers_404(sign_in, client, records):
    viewer = sign_in("viewer", "public")
    url = create_feed(viewer)
    assert fetch(client, url).status_code == 200

    response = revoke_feed(viewer)

    assert response.status_code == 302
    page = viewer.get(response.headers["Location"]).page
    assert any("revoked" in message for message in page.flashes("success"))
    assert page.by_id("feed-url") is None
    assert "no active feed" in page.text
    assert fetch(client, url).status_code == 404


def test_a_new_feed_replaces_the_old_one(sign_in, client, records):
    viewer = sign_in("viewer", "public")
    old = create_feed(viewer)
    new = create_feed(viewer)

    assert new != old
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    live = db.session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.user_id == viewer.user.id, CalendarFeed.revoked_at.is_(None)
        )
    ).all()
    assert len(live) == 1


def test_creating_and_revoking_are_audit_events(sign_in, records):
    viewer = sign_in("viewer", "public")
    create_feed(viewer)
    create_feed(viewer)
    revoke_feed(viewer)

    db.session.expire_all()
    first, second = db.session.scalars(select(CalendarFeed).order_by(CalendarFeed.id)).all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "calendar_feeds").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.entity_id, e.reason) for e in events] == [
        (AuditAction.CREATE, first.id, "Calendar feed created"),
        (AuditAction.UPDATE, first.id, "Replaced by a new calendar feed"),
        (AuditAction.CREATE, second.id, "Calendar feed created"),
        (AuditAction.UPDATE, second.id, "Calendar feed revoked"),
    ]
    assert all(e.actor_id == viewer.user.id for e in events)
    assert events[3].changes["revoked_at"][0] is None
    assert all(first.nonce not in str(e.changes) for e in events)


def test_the_account_page_explains_and_needs_csrf(sign_in):
    viewer = sign_in("viewer", "public")
    page = viewer.get("/account/calendar").page
    assert page.title == "Your calendar feed"
    assert "no active feed" in page.text
    assert viewer.post("/account/calendar", data={"action": "create"}).status_code == 400
    assert db.session.scalars(select(CalendarFeed)).all() == []
    token = viewer.csrf_token()
    bogus = viewer.post("/account/calendar", data={"csrf_token": token, "action": "delete"})
    assert bogus.status_code == 400
    nothing = viewer.post("/account/calendar", data={"csrf_token": token, "action": "revoke"})
    assert nothing.status_code == 302
    flashes = viewer.get("/account/calendar").page.flashes("error")
    assert flashes == ["You have no active calendar feed to revoke."]

    create_feed(viewer)
    page = viewer.get("/account/calendar").page
    field = page.by_id("feed-url")
    assert page.root.find("label", for_="feed-url") is not None
    assert "readonly" in field.attrs
    webcal = page.main.find("a", href=field.attrs["value"].replace("http", "webcal", 1))
    assert webcal is not None
    assert "stops this address working" in page.by_id("revoke-help").text


# --- the service functions -----------------------------------------------------------------------


def test_tokens_depend_on_the_nonce_and_the_secret_key(app, make_user):
    owner = make_user()
    feed = feeds.create_feed(owner)
    token = feeds.feed_token(feed, "key one")
    assert token == feeds.feed_token(feed, "key one")
    assert token != feeds.feed_token(feed, "key two")
    assert len(token) == 43 and "=" not in token
    assert feeds.find_feed(feed.id, token, secret_key="key one") is feed
    assert feeds.find_feed(feed.id, token, secret_key="key two") is None
    assert feeds.find_feed(None, token, secret_key="key one") is None


def test_only_the_owner_or_an_admin_may_revoke(app, make_user):
    owner, other = make_user(role="viewer"), make_user(role="editor")
    admin = make_user(role="admin")
    feed = feeds.create_feed(owner)
    with pytest.raises(RuleViolation):
        feeds.revoke_feed(other, feed)
    feeds.revoke_feed(admin, feed)
    with pytest.raises(RuleViolation):
        feeds.revoke_feed(owner, feed)
    assert feeds.active_feed(owner) is None
