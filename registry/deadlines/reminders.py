"""The daily reminder job: plan who gets which reminder, claim each once, send digests.

A reminder is one deadline at one stage for one recipient. Stages: `lead:N` (N days ahead,
the latest lead time reached) and `overdue:K` (the K-th overdue notice, one per interval).
Claims are rows under a unique key, written and committed before any mail goes out, so two
jobs running at once never send the same reminder; a failed send releases its claims for the
next run, and nothing is marked sent until the SMTP server has accepted the message.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from html import escape

from sqlalchemy import select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from registry.core.access import visible_to
from registry.core.db import utcnow
from registry.core.entities import entity
from registry.core.enums import Classification, DeliveryStatus, Role
from registry.core.transaction import commit_separately
from registry.deadlines.models import ReminderDelivery
from registry.deadlines.queries import Deadline, find_deadlines
from registry.extensions import db

STALE_CLAIM = timedelta(minutes=15)  # a claim this old belongs to a job that died


@dataclass(frozen=True)
class ReminderPolicy:
    lead_days: tuple[int, ...] = (90, 30, 7, 1, 0)
    overdue_every_days: int = 7
    escalate_after_days: int = 14
    look_back_days: int = 5 * 366

    def stage(self, days_left: int) -> str | None:
        """Which reminder a deadline `days_left` away is due for, if any."""
        if days_left >= 0:
            reached = [lead for lead in self.lead_days if lead >= days_left]
            return f"lead:{min(reached)}" if reached else None
        return f"overdue:{(-days_left - 1) // self.overdue_every_days}"


@dataclass(frozen=True)
class Mailbox:
    email: str
    clearance: Classification


@dataclass(frozen=True, slots=True)
class Reminder:
    recipient: Mailbox
    deadline: Deadline
    stage: str
    escalated: bool

    @property
    def key(self) -> tuple[str, str, date, str]:
        return (self.recipient.email, self.deadline.uid, self.deadline.due_on, self.stage)

    @property
    def visible(self) -> bool:
        return visible_to(self.recipient.clearance).allows(self.deadline.classification)


@dataclass
class Summary:
    recipients: int = 0
    items: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"Reminders: {self.recipients} recipients, {self.items} items, {self.sent} sent, "
            f"{self.skipped} skipped, {self.failed} failed."
        )


# What identifies a delivery: who, which deadline (and its date), and which reminder of it.
DELIVERY_KEY = (
    ReminderDelivery.recipient,
    ReminderDelivery.deadline_key,
    ReminderDelivery.due_on,
    ReminderDelivery.stage,
)


def plan(today: date, policy: ReminderPolicy) -> list[Reminder]:
    """Every reminder due today, before checking what was already sent."""
    deadlines = find_deadlines(
        Classification.SECRET,
        today - timedelta(days=policy.look_back_days),
        today + timedelta(days=max(policy.lead_days, default=0)),
        today=today,
    )
    # Each person's and body's mailbox made once: there may be many more deadlines than people.
    users, oversight_bodies = entity("users").model, entity("oversight_bodies").model
    active = {
        user.id: Mailbox(user.email, user.clearance)
        for user in db.session.scalars(select(users).where(users.active))
    }
    admins = [
        active[user_id]
        for user_id in db.session.scalars(
            select(users.id).where(users.active, users.role == Role.ADMIN)
        )
    ]
    bodies = {
        body.id: Mailbox(body.contact_email.lower(), Classification.PUBLIC)
        for body in db.session.scalars(
            select(oversight_bodies).where(oversight_bodies.contact_email.is_not(None))
        )
    }
    escalate_after = max(policy.escalate_after_days, 1)
    reminders: list[Reminder] = []
    for deadline in deadlines:
        days_left = deadline.days_left(today)
        stage = policy.stage(days_left)
        if stage is None:
            continue
        people = [active[i] for i in deadline.responsible_ids if i in active] or admins
        escalated = -days_left >= escalate_after
        if escalated:
            people = [*people, *admins]
            body = bodies.get(deadline.oversight_body_id)
            if body is not None:
                people.append(body)
        mailboxes: dict[str, Mailbox] = {}
        for box in people:
            mailboxes.setdefault(box.email, box)  # a person before a body at the same address
        reminders.extend(Reminder(box, deadline, stage, escalated) for box in mailboxes.values())
    return reminders


def already_sent(reminders: list[Reminder]) -> set[tuple]:
    """Keys of the planned reminders that were sent before.

    One query per recipient over the dates planned for them, read through the unique index
    that starts with the recipient: a list of every planned key would be sent as thousands of
    parameters.
    """
    wanted = {reminder.key for reminder in reminders}
    dates: dict[str, list[date]] = defaultdict(list)
    for reminder in reminders:
        dates[reminder.recipient.email].append(reminder.deadline.due_on)
    found: set[tuple] = set()
    for recipient, due in dates.items():
        rows = db.session.execute(
            select(*DELIVERY_KEY).where(
                ReminderDelivery.recipient == recipient,
                ReminderDelivery.due_on.between(min(due), max(due)),
                ReminderDelivery.status == DeliveryStatus.SENT,
            )
        )
        found.update(key for row in rows if (key := tuple(row)) in wanted)
    return found


def claim(reminders: list[Reminder], run_id: str, now: datetime) -> set[tuple]:
    """Claim the reminders nobody else holds; return the keys this run may send."""
    if not reminders:
        return set()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {
            "recipient": r.recipient.email,
            "deadline_key": r.deadline.uid,
            "due_on": r.deadline.due_on,
            "stage": r.stage,
            "status": DeliveryStatus.CLAIMED.value,
            "run_id": run_id,
            "claimed_at": now,
        }
        for r in reminders
    ]
    with commit_separately():  # on record before any mail goes out
        for start in range(0, len(rows), 500):
            db.session.execute(
                insert(ReminderDelivery)
                .values(rows[start : start + 500])
                .on_conflict_do_nothing(
                    index_elements=["recipient", "deadline_key", "due_on", "stage"]
                )
            )
        # Take over what failed before, or what a job that died left claimed.
        keys = [reminder.key for reminder in reminders]
        for start in range(0, len(keys), 500):
            db.session.execute(
                update(ReminderDelivery)
                .where(
                    tuple_(*DELIVERY_KEY).in_(keys[start : start + 500]),
                    (ReminderDelivery.status == DeliveryStatus.FAILED)
                    | (
                        (ReminderDelivery.status == DeliveryStatus.CLAIMED)
                        & (ReminderDelivery.claimed_at < now - STALE_CLAIM)
                    ),
                )
                .values(status=DeliveryStatus.CLAIMED, run_id=run_id, claimed_at=now, error=None)
                .execution_options(synchronize_session=False)
            )
    mine = db.session.execute(
        select(*DELIVERY_KEY).where(
            ReminderDelivery.run_id == run_id, ReminderDelivery.status == DeliveryStatus.CLAIMED
        )
    )
    return {tuple(row) for row in mine}


def settle(run_id: str, recipient: str, *, error: str | None) -> None:
    """Mark this run's claims for one recipient sent, or failed so that a later run retries."""
    with commit_separately():  # on record whatever the next recipient's mail does
        db.session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.run_id == run_id,
                ReminderDelivery.recipient == recipient,
                ReminderDelivery.status == DeliveryStatus.CLAIMED,
            )
            .values(
                status=DeliveryStatus.FAILED if error else DeliveryStatus.SENT,
                sent_at=None if error else utcnow(),
                error=error[:2000] if error else None,
            )
            .execution_options(synchronize_session=False)
        )


def compose(
    recipient: str, reminders: list[Reminder], *, today: date, base_url: str, sender: str
) -> EmailMessage:
    """One digest: plain text and HTML, items soonest first, restricted ones without title."""
    reminders = sorted(reminders, key=lambda r: (r.deadline.due_on, r.deadline.title))
    overdue = sum(1 for r in reminders if r.deadline.due_on < today)
    subject = f"Treaty registry: {len(reminders)} deadline{'s' if len(reminders) != 1 else ''}"
    if overdue:
        subject += f", {overdue} overdue"
    lines, rows = [], []
    for reminder in reminders:
        deadline = reminder.deadline
        days = deadline.days_left(today)
        when = (
            f"overdue by {-days} day{'s' if days != -1 else ''}"
            if days < 0
            else "due today"
            if days == 0
            else f"in {days} day{'s' if days != 1 else ''}"
        )
        if reminder.visible:
            link = f"{base_url}{deadline.record_path}"
            text = f"{deadline.kind.label}: {deadline.title} ({deadline.agreement_reference})"
        else:
            link, text = "", "1 restricted item (sign in with the right clearance to see it)"
        flag = " [escalated]" if reminder.escalated else ""
        lines.append(
            f"- {deadline.due_on.isoformat()} ({when}){flag}: {text}"
            + (f"\n  {link}" if link else "")
        )
        cell = f'<a href="{escape(link)}">{escape(text)}</a>' if link else escape(text)
        rows.append(
            f"<tr><td>{deadline.due_on.isoformat()}</td><td>{escape(when)}{escape(flag)}</td><td>{cell}</td></tr>"
        )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    intro = f"Deadlines in the treaty and commitment registry as of {today.isoformat()}:"
    message.set_content(f"{intro}\n\n" + "\n".join(lines) + "\n")
    message.add_alternative(
        f"<p>{escape(intro)}</p><table><thead><tr><th>Due</th><th>When</th><th>What</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>",
        subtype="html",
    )
    return message


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(
                self.server, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
            if self.security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if self.username:
            client.login(self.username, self.password or "")
        return client


def run(
    today: date,
    policy: ReminderPolicy,
    mail: MailSettings,
    *,
    base_url: str,
    dry_run: bool = False,
    echo=print,
) -> Summary:
    """Plan, claim, send and settle; report what happened in a Summary."""
    reminders = plan(today, policy)
    summary = Summary(items=len(reminders))
    if dry_run:
        sent_before = already_sent(reminders)
        pending = [r for r in reminders if r.key not in sent_before]
        summary.skipped = len(reminders) - len(pending)
        by_recipient = _group(pending)
        summary.recipients = len(by_recipient)
        if not by_recipient:
            echo("Nothing to send.")
        for recipient, items in sorted(by_recipient.items()):
            lines = [
                f"Would send {len(items)} item{'s' if len(items) != 1 else ''} to {recipient}:"
            ]
            for reminder in items:
                title = reminder.deadline.title if reminder.visible else "1 restricted item"
                lines.append(f"  {reminder.deadline.due_on} {reminder.stage}: {title}")
            echo("\n".join(lines))
        return summary

    run_id = uuid.uuid4().hex
    mine = claim(reminders, run_id, utcnow())
    claimed = [r for r in reminders if r.key in mine]
    summary.skipped = len(reminders) - len(claimed)
    by_recipient = _group(claimed)
    summary.recipients = len(by_recipient)
    client = None
    for recipient, items in sorted(by_recipient.items()):
        message = compose(recipient, items, today=today, base_url=base_url, sender=mail.sender)
        try:
            client = client or mail.connect()
            client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            reason = f"{type(error).__name__}: {error}"
            settle(run_id, recipient, error=reason)
            summary.failed += len(items)
            summary.errors.append(f"{recipient}: {reason}")
            client = _close(client)
            continue
        settle(run_id, recipient, error=None)
        summary.sent += len(items)
    _close(client)
    return summary


def _group(reminders: list[Reminder]) -> dict[str, list[Reminder]]:
    grouped: dict[str, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        grouped[reminder.recipient.email].append(reminder)
    return grouped


def _close(client) -> None:
    if client is not None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return None
