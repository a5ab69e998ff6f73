"""Per-user calendar feeds: a secret address that serves the user's deadlines as iCalendar.

The address carries the feed's id and a token, the HMAC-SHA256 of the feed's random nonce
under the application's secret key: the database alone does not give working addresses, and
rotating the secret key invalidates every one of them. A user has at most one live feed;
making a new one revokes the old, and every creation and revocation is an audit event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vDuration
from sqlalchemy import select

from registry.core.audit.writer import Actor, record
from registry.core.db import utcnow
from registry.core.entities import entity
from registry.core.enums import AuditAction, Classification
from registry.core.errors import RuleViolation
from registry.core.permissions import Permission, can
from registry.core.schemas import LARGEST_ID
from registry.deadlines.models import CalendarFeed
from registry.deadlines.queries import Deadline, find_deadlines
from registry.extensions import db

LOOK_BACK = timedelta(days=90)  # overdue actionable items stay in the feed this long
LOOK_AHEAD = timedelta(days=2 * 365)
REMIND_BEFORE = timedelta(days=7)
UID_DOMAIN = "treaty-registry"
PRODID = "-//Treaty and Commitment Registry//Deadlines//EN"
CALENDAR_NAME = "Treaty registry deadlines"
REFRESH_EVERY = timedelta(hours=6)  # a hint to calendar apps
# Keeps these MACs apart from anything else signed with the same secret key.
_TOKEN_CONTEXT = b"calendar-feed:"
# Compared against when no feed has the id, so that both cases take the same time.
_DECOY_NONCE = "decoy nonce, never stored"


# --- service functions: each flushes and writes its audit event; the caller commits ------------


def active_feed(user) -> CalendarFeed | None:
    """The user's live feed, if any."""
    return db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    )


def create_feed(actor) -> CalendarFeed:
    """Give `actor` a new feed, revoking any live one it replaces."""
    # Lock the user's row: two requests at once must not leave two live feeds (PostgreSQL;
    # SQLite already runs writers one at a time).
    users = entity("users").model
    db.session.execute(select(users.id).where(users.id == actor.id).with_for_update())
    replaced = db.session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == actor.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id)
    ).all()
    for old in replaced:
        _revoke(actor, old, "Replaced by a new calendar feed")
    feed = CalendarFeed(user_id=actor.id, nonce=secrets.token_urlsafe(32), created_at=utcnow())
    db.session.add(feed)
    db.session.flush()
    # The nonce stays out of the audit trail: with the secret key it makes the address.
    record(actor, AuditAction.CREATE, feed, {"user_id": [None, actor.id]}, "Calendar feed created")
    return feed


def revoke_feed(actor: Actor, feed: CalendarFeed) -> CalendarFeed:
    """Stop a feed's address working: its owner, an admin or a system job may do this."""
    if isinstance(actor, entity("users").model) and actor.id != feed.user_id:
        if not can(actor, Permission.MANAGE_USERS):
            raise RuleViolation("Only its owner or an administrator may revoke a calendar feed.")
    if feed.revoked_at is not None:
        raise RuleViolation("This calendar feed is already revoked.")
    return _revoke(actor, feed, "Calendar feed revoked")


def _revoke(actor: Actor, feed: CalendarFeed, reason: str) -> CalendarFeed:
    feed.revoked_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, feed, {"revoked_at": [None, feed.revoked_at]}, reason)
    return feed


# --- tokens -----------------------------------------------------------------------------------


def feed_token(feed: CalendarFeed, secret_key: str | bytes) -> str:
    """The URL-safe HMAC-SHA256 of the feed's nonce under `secret_key`."""
    return _token(feed.nonce, secret_key)


def _token(nonce: str, secret_key: str | bytes) -> str:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    digest = hmac.new(key, _TOKEN_CONTEXT + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def find_feed(feed_id: int | None, token: str | None, *, secret_key: str | bytes):
    """The live feed with this id and token whose owner may still read; None otherwise."""
    valid_id = isinstance(feed_id, int) and 1 <= feed_id <= LARGEST_ID
    feed = db.session.get(CalendarFeed, feed_id) if valid_id else None
    expected = _token(feed.nonce if feed else _DECOY_NONCE, secret_key).encode("ascii")
    given = (token or "").encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given) or feed is None or feed.revoked_at is not None:
        return None
    owner = db.session.get(entity("users").model, feed.user_id)
    if owner is None or not owner.is_active or not can(owner, Permission.READ):
        return None
    return feed


# --- the calendar -----------------------------------------------------------------------------


def feed_deadlines(owner, today: date) -> list[Deadline]:
    """What the owner's feed lists: everything within their clearance as it stands today."""
    return find_deadlines(owner.clearance, today - LOOK_BACK, today + LOOK_AHEAD, today=today)


def event_uid(deadline: Deadline) -> str:
    return f"{deadline.uid}@{UID_DOMAIN}"


def build_calendar(deadlines: list[Deadline], *, base_url: str, now: datetime) -> bytes:
    """An RFC 5545 calendar with one all-day event, and a reminder a week ahead, per deadline."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("refresh-interval", REFRESH_EVERY, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_EVERY))  # the older name of that hint
    for deadline in deadlines:
        link = base_url.rstrip("/") + deadline.record_path
        summary = f"{deadline.kind.label}: {deadline.title}"
        event = Event()
        event.add("uid", event_uid(deadline))
        event.add("dtstamp", now)
        event.add("dtstart", deadline.due_on)
        event.add("dtend", deadline.due_on + timedelta(days=1))
        event.add("summary", summary)
        event.add(
            "description",
            f"Agreement {deadline.agreement_reference}\n"
            f"Classification: {deadline.classification.label}\n{link}",
        )
        event.add("url", link)
        event.add(
            "class", "PUBLIC" if deadline.classification == Classification.PUBLIC else "PRIVATE"
        )
        event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -REMIND_BEFORE)
        alarm.add("description", summary)
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
