"""The daily reminder job, in-process through `reminders.run` and as cron runs it: the real
`registry remind` command against the test database and a real SMTP server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.core.enums import Classification, DeliveryStatus
from registry.deadlines.models import ReminderDelivery
from registry.deadlines.queries import DeadlineFilters, find_deadlines
from registry.deadlines.reminders import ReminderPolicy, Summary, run
from registry.extensions import db
from registry.obligations.services import obligations
from registry.reviews.services import reviews

from support import ACTOR, count_rows

TODAY = date(2026, 11, 27)
BASE_URL = "https://registry.example"  # as tests/deadlines/conftest.py gives the command
SENDER = "registry@registry.example"
SUMMARY = re.compile(r"^Reminders: \d+ recipients, \d+ items, \d+ sent, \d+ skipped, \d+ failed\.$")
LINK = re.compile(r"https://registry\.example/agreements/\d+")


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# --- the office: people, an agreement and an oversight body -----------------------------------


@dataclass
class Office:
    admin: object
    owner: object
    reviewer: object
    agreement: object
    body: object
    make_agreement: object

    def duty(self, title, days, *, owner="owner", agreement=None, **fields):
        """An obligation due `days` from TODAY, owned by `owner` (None: nobody)."""
        person = getattr(self, owner) if isinstance(owner, str) else owner
        return obligations.create(
            ACTOR,
            {
                "agreement_id": (agreement or self.agreement).id,
                "title": title,
                "kind": "reporting",
                "due_on": day(days).isoformat(),
                "owner_id": person.id if person is not None else None,
                **fields,
            },
        )

    def link(self, agreement=None) -> str:
        return f"{BASE_URL}/agreements/{(agreement or self.agreement).id}"

    def secret_agreement(self):
        return self.make_agreement(title="Nightjar Accord", classification="secret")


@pytest.fixture
def office(make_user, make_agreement, make_body) -> Office:
    return Office(
        admin=make_user(email="admin@example.org", role="admin", clearance="secret"),
        owner=make_user(email="owner@example.org", role="editor", clearance="confidential"),
        reviewer=make_user(email="reviewer@example.org", role="reviewer"),
        agreement=make_agreement(title="Treaty of Testing"),
        body=make_body(name="Senate Committee", contact_email="Committee@Example.org"),
        make_agreement=make_agreement,
    )


def remind(smtp_server, today=TODAY, policy=None, **kwargs) -> tuple[Summary, list[str]]:
    """One in-process run of the job; the setup is committed first, as cron would find it."""
    db.session.commit()
    printed: list[str] = []
    summary = run(
        today,
        policy or ReminderPolicy(),
        smtp_server.settings(),
        base_url=BASE_URL,
        echo=printed.append,
        **kwargs,
    )
    return summary, printed


def deliveries() -> list[ReminderDelivery]:
    db.session.commit()  # end the test's own transaction: see what other processes wrote
    return db.session.scalars(
        select(ReminderDelivery).order_by(ReminderDelivery.recipient, ReminderDelivery.stage)
    ).all()


def only(messages):
    assert len(messages) == 1, [m.subject for m in messages]
    return messages[0]


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


# --- the policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [
        (400, None),
        (91, None),
        (90, "lead:90"),
        (31, "lead:90"),
        (30, "lead:30"),
        (8, "lead:30"),
        (7, "lead:7"),
        (2, "lead:7"),
        (1, "lead:1"),
        (0, "lead:0"),
        (-1, "overdue:0"),
        (-7, "overdue:0"),
        (-8, "overdue:1"),
        (-14, "overdue:1"),
        (-15, "overdue:2"),
        (-365, "overdue:52"),
    ],
)
def test_stage_is_the_latest_lead_time_reached_then_one_overdue_notice_a_week(days_left, stage):
    assert ReminderPolicy().stage(days_left) == stage


def test_stage_follows_other_lead_times_and_overdue_intervals():
    policy = ReminderPolicy(lead_days=(45, 2), overdue_every_days=1)
    assert [policy.stage(days) for days in (46, 45, 3, 2, 0, -1, -2, -3)] == [
        None,
        "lead:45",
        "lead:45",
        "lead:2",
        "lead:2",
        "overdue:0",
        "overdue:1",
        "overdue:2",
    ]


# --- digests --------------------------------------------------------------------------------


def test_one_digest_per_recipient_with_subject_text_html_and_links(
    app, office, make_user, smtp_server
):
    office.duty("Stockpile report", 30)
    office.duty("Inspection follow-up", -3)
    office.duty("Far-off declaration", 120)
    office.duty("Unowned notification", 7, owner=None)
    gone = make_user(email="gone@example.org", active=False)
    office.duty("Orphaned return", 0, owner=gone)
    reviews.create(office.reviewer, {"agreement_id": office.agreement.id, "due_on": str(day(1))})

    summary, _ = remind(smtp_server)

    assert (summary.recipients, summary.items, summary.sent, summary.skipped, summary.failed) == (
        3,
        5,
        5,
        0,
        0,
    )
    assert summary.line() == "Reminders: 3 recipients, 5 items, 5 sent, 0 skipped, 0 failed."
    received = smtp_server.received
    assert sorted(m.to for m in received) == [
        "admin@example.org",
        "owner@example.org",
        "reviewer@example.org",
    ]
    for message in received:
        assert message.recipients == (message.to,)
        assert message.sender == SENDER
        assert message.message["From"] == SENDER
        assert message.message.is_multipart()
        assert "Far-off declaration" not in message.everything()
        assert LINK.findall(message.text) == [office.link()] * len(LINK.findall(message.text))

    owner = only(smtp_server.to("owner@example.org"))
    assert owner.subject == "Treaty registry: 2 deadlines, 1 overdue"
    reference = office.agreement.reference
    text = owner.text
    assert text.startswith("Deadlines in the treaty and commitment registry as of 2026-11-27:")
    overdue = (
        f"- 2026-11-24 (overdue by 3 days): Obligation due: Inspection follow-up ({reference})"
    )
    upcoming = f"- 2026-12-27 (in 30 days): Obligation due: Stockpile report ({reference})"
    assert f"{overdue}\n  {office.link()}" in text
    assert f"{upcoming}\n  {office.link()}" in text
    assert text.index(overdue) < text.index(upcoming), "soonest first"
    html = owner.html
    assert f'<a href="{office.link()}">Obligation due: Stockpile report ({reference})</a>' in html
    assert "overdue by 3 days" in html
    assert html.index("Inspection follow-up") < html.index("Stockpile report")

    admin = only(smtp_server.to("admin@example.org"))
    assert admin.subject == "Treaty registry: 2 deadlines"
    assert "Unowned notification" in admin.text
    assert "- 2026-11-27 (due today): Obligation due: Orphaned return" in admin.text
    assert "- 2026-12-04 (in 7 days)" in admin.text

    reviewer = only(smtp_server.to("reviewer@example.org"))
    assert reviewer.subject == "Treaty registry: 1 deadline"
    assert (
        f"- 2026-11-28 (in 1 day): Review due: Review of Treaty of Testing ({reference})"
        in reviewer.text
    )
    assert f'<a href="{office.link()}">' in reviewer.html

    rows = deliveries()
    assert {(row.recipient, row.stage, row.status) for row in rows} == {
        ("admin@example.org", "lead:0", DeliveryStatus.SENT),
        ("admin@example.org", "lead:7", DeliveryStatus.SENT),
        ("owner@example.org", "lead:30", DeliveryStatus.SENT),
        ("owner@example.org", "overdue:0", DeliveryStatus.SENT),
        ("reviewer@example.org", "lead:1", DeliveryStatus.SENT),
    }
    assert all(row.sent_at is not None and row.error is None for row in rows)
    uids = {
        d.uid
        for d in find_deadlines(
            Classification.SECRET, day(-10), day(90), DeadlineFilters(), today=TODAY
        )
    }
    assert {row.deadline_key for row in rows} <= uids


def test_a_second_run_the_same_day_sends_nothing_and_the_next_lead_time_sends_again(
    app, office, smtp_server
):
    office.duty("Stockpile report", 30)

    first, _ = remind(smtp_server)
    assert first.line() == "Reminders: 1 recipients, 1 items, 1 sent, 0 skipped, 0 failed."
    assert len(smtp_server.received) == 1

    again, _ = remind(smtp_server)
    assert again.line() == "Reminders: 0 recipients, 1 items, 0 sent, 1 skipped, 0 failed."
    tomorrow, _ = remind(smtp_server, today=day(1))  # 29 days left: still the 30-day notice
    assert (tomorrow.sent, tomorrow.skipped) == (0, 1)
    assert len(smtp_server.received) == 1

    week_before, _ = remind(smtp_server, today=day(23))
    assert (week_before.sent, week_before.skipped) == (1, 0)
    assert "- 2026-12-27 (in 7 days)" in smtp_server.received[-1].text

    for offset, sent in [(31, 1), (32, 0), (37, 0), (38, 1), (39, 0)]:  # overdue: weekly
        summary, _ = remind(smtp_server, today=day(offset))
        assert summary.sent == sent, offset
    assert [m.subject for m in smtp_server.received[2:]] == [
        "Treaty registry: 1 deadline, 1 overdue"
    ] * 2
    assert "(overdue by 1 day)" in smtp_server.received[2].text
    assert [row.stage for row in deliveries()] == [
        "lead:30",
        "lead:7",
        "overdue:0",
        "overdue:1",
    ]


def test_a_changed_due_date_rearms_the_reminders(app, office, smtp_server):
    duty = office.duty("Stockpile report", 30)
    review = reviews.create(
        office.reviewer, {"agreement_id": office.agreement.id, "due_on": str(day(7))}
    )
    remind(smtp_server)
    assert len(smtp_server.received) == 2

    obligations.update(ACTOR, duty, {"due_on": str(day(29))})
    reviews.update(ACTOR, review, {"due_on": str(day(6))})
    summary, _ = remind(smtp_server)

    assert (summary.sent, summary.skipped) == (2, 0)
    assert "- 2026-12-26 (in 29 days)" in only(smtp_server.to("owner@example.org")[1:]).text
    assert "- 2026-12-03 (in 6 days)" in only(smtp_server.to("reviewer@example.org")[1:]).text
    assert [row.status for row in deliveries()] == [DeliveryStatus.SENT] * 4


# --- escalation and clearance -----------------------------------------------------------------


def test_an_item_overdue_long_enough_goes_also_to_admins_and_the_oversight_body(
    app, office, make_body, smtp_server
):
    body = office.body.id
    office.duty("Overdue long", -14, oversight_body_id=body)
    office.duty("Overdue briefly", -13, oversight_body_id=body)
    office.duty("Overdue unowned", -20, owner=None, oversight_body_id=body)
    quiet_body = make_body(name="Quiet Committee")  # no contact address
    office.duty("Overdue elsewhere", -30, oversight_body_id=quiet_body.id)

    summary, _ = remind(smtp_server)

    def titles(address):
        text = only(smtp_server.to(address)).text
        return sorted(t for t in re.findall(r"Obligation due: ([^(]+) \(", text))

    assert titles("owner@example.org") == [
        "Overdue briefly",
        "Overdue elsewhere",
        "Overdue long",
    ]
    assert titles("admin@example.org") == ["Overdue elsewhere", "Overdue long", "Overdue unowned"]
    assert titles("committee@example.org") == ["Overdue long", "Overdue unowned"]
    assert smtp_server.to("reviewer@example.org") == []
    committee = only(smtp_server.to("committee@example.org"))
    assert committee.subject == "Treaty registry: 2 deadlines, 2 overdue"
    assert "(overdue by 14 days) [escalated]: Obligation due: Overdue long" in committee.text
    owner = only(smtp_server.to("owner@example.org")).text
    assert "(overdue by 13 days): Obligation due: Overdue briefly" in owner
    assert summary.sent == 8


def test_a_recipient_below_an_items_classification_gets_a_restricted_item_without_title(
    app, office, smtp_server
):
    secret = office.secret_agreement()
    office.duty("Stockpile report", 7)
    office.duty("Nightjar stockpile declaration", 7, agreement=secret)
    office.duty(
        "Nightjar inspection report", -20, agreement=secret, oversight_body_id=office.body.id
    )

    remind(smtp_server)

    owner = only(smtp_server.to("owner@example.org"))  # confidential clearance
    committee = only(smtp_server.to("committee@example.org"))  # an outside address: public
    for masked in (owner, committee):
        everything = masked.everything()
        assert "Nightjar" not in everything
        assert secret.reference not in everything
        assert office.link(secret) not in LINK.findall(everything)
        assert "1 restricted item" in masked.text
        assert "1 restricted item" in masked.html
    assert owner.subject == "Treaty registry: 3 deadlines, 1 overdue"
    assert owner.text.count("1 restricted item") == 2
    assert "Obligation due: Stockpile report" in owner.text
    assert LINK.findall(owner.text) == [office.link()]

    admin = only(smtp_server.to("admin@example.org")).text  # secret clearance
    assert "Nightjar inspection report" in admin
    assert office.link(secret) in admin
    assert "restricted item" not in admin


# --- SMTP failures ----------------------------------------------------------------------------


def test_a_refused_message_is_recorded_failed_and_sent_by_the_next_run(app, office, smtp_server):
    office.duty("Stockpile report", 7)
    office.duty("Inspection follow-up", -3)
    office.duty("Unowned notification", 1, owner=None)
    smtp_server.refuse()

    failed, _ = remind(smtp_server)

    assert failed.line() == "Reminders: 2 recipients, 3 items, 0 sent, 0 skipped, 3 failed."
    assert len(failed.errors) == 2
    assert all("554" in error for error in failed.errors)
    assert smtp_server.received == []
    rows = deliveries()
    assert {row.status for row in rows} == {DeliveryStatus.FAILED}
    assert all("554" in row.error and row.sent_at is None for row in rows)

    smtp_server.accept()
    retried, _ = remind(smtp_server)

    assert retried.line() == "Reminders: 2 recipients, 3 items, 3 sent, 0 skipped, 0 failed."
    assert sorted(m.to for m in smtp_server.received) == ["admin@example.org", "owner@example.org"]
    assert {(row.status, row.error) for row in deliveries()} == {(DeliveryStatus.SENT, None)}
    assert count_rows(ReminderDelivery) == 3


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_server_without_the_configured_tls_fails_cleanly(app, office, smtp_server, security):
    office.duty("Stockpile report", 7)
    db.session.commit()

    summary = run(
        TODAY,
        ReminderPolicy(),
        smtp_server.settings(security=security),
        base_url=BASE_URL,
        echo=lambda line: None,
    )

    assert (summary.sent, summary.failed) == (0, 1)
    assert [row.status for row in deliveries()] == [DeliveryStatus.FAILED]


# --- the registry remind command ------------------------------------------------------------


def test_the_command_sends_digests_for_a_frozen_day_and_nothing_the_second_time(
    app, database_url, office, registry_cli, smtp_server
):
    office.duty("Stockpile report", 30)
    office.duty("Inspection follow-up", -3)
    office.duty("Unowned notification", 7, owner=None)
    reviews.create(office.reviewer, {"agreement_id": office.agreement.id, "due_on": str(day(1))})
    db.session.commit()
    args = ["remind", "--today", "2026-11-27"]

    first = registry_cli(args, database_url=database_url, env=smtp_server.env)

    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert last_line(first.stdout) == (
        "Reminders: 3 recipients, 4 items, 4 sent, 0 skipped, 0 failed."
    )
    assert sorted(m.to for m in smtp_server.received) == [
        "admin@example.org",
        "owner@example.org",
        "reviewer@example.org",
    ]
    owner = only(smtp_server.to("owner@example.org"))
    assert owner.subject == "Treaty registry: 2 deadlines, 1 overdue"
    assert owner.message["From"] == SENDER
    assert LINK.findall(owner.text) == [office.link()] * 2
    assert f'<a href="{office.link()}">' in owner.html
    assert "as of 2026-11-27" in owner.text
    assert [row.status for row in deliveries()] == [DeliveryStatus.SENT] * 4

    second = registry_cli(args, database_url=database_url, env=smtp_server.env)

    assert second.returncode == 0, second.stderr
    assert last_line(second.stdout) == (
        "Reminders: 0 recipients, 4 items, 0 sent, 4 skipped, 0 failed."
    )
    assert len(smtp_server.received) == 3
    assert count_rows(ReminderDelivery) == 4


def test_two_runs_at_once_send_each_reminder_exactly_once(
    app, database_url, make_user, office, registry_cli, smtp_server
):
    clerks = [make_user(email=f"clerk{n}@example.org") for n in range(8)]
    for number, clerk in enumerate(clerks):
        for offset in (-3, 0, 7, 30):
            office.duty(f"Duty {number}/{offset}", offset, owner=clerk)
    db.session.commit()
    # Three days, each bringing new stages for every clerk (none escalated): 4, then 2 and 2.
    new_per_clerk = {0: 4, 5: 2, 8: 2}
    failures = []

    for offset, new in new_per_clerk.items():
        smtp_server.clear()
        args = ["remind", "--today", day(offset).isoformat()]
        runs = [
            registry_cli.start(args, database_url=database_url, env=smtp_server.env)
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120) for process in runs]

        for process, (stdout, stderr) in zip(runs, outputs, strict=True):
            if process.returncode == 0:
                assert SUMMARY.match(last_line(stdout)), stdout
            else:
                failures.append(f"{day(offset)}: {stderr.strip()}")
        received = smtp_server.received
        assert sorted(m.to for m in received) == sorted(c.email for c in clerks), offset
        items = [line for m in received for line in m.text.splitlines() if line.startswith("- ")]
        assert len(items) == len(set(items)) == 8 * new, offset
        sent = [re.search(r"(\d+) sent", stdout) for stdout, _ in outputs]
        assert sum(int(found.group(1)) for found in sent if found) == 8 * new, outputs

    rows = deliveries()
    assert len(rows) == 8 * sum(new_per_clerk.values())
    assert {row.status for row in rows} == {DeliveryStatus.SENT}
    assert failures == [], "a run that finds another at work must wait its turn, not fail"


def test_smtp_down_fails_in_one_line_sends_nothing_and_the_next_run_sends(
    app, database_url, office, registry_cli, smtp_server, dead_port
):
    office.duty("Stockpile report", 7)
    office.duty("Inspection follow-up", -3)
    office.duty("Unowned notification", 1, owner=None)
    db.session.commit()
    args = ["remind", "--today", "2026-11-27"]

    down = registry_cli(
        args,
        database_url=database_url,
        env={**smtp_server.env, "REGISTRY_MAIL_PORT": str(dead_port)},
    )

    message = registry_cli.one_line_error(down)
    assert "3 reminders could not be sent and will be retried on the next run" in message
    assert "Connection refused" in message or "ConnectionRefused" in message
    assert last_line(down.stdout) == (
        "Reminders: 2 recipients, 3 items, 0 sent, 0 skipped, 3 failed."
    )
    rows = deliveries()
    assert DeliveryStatus.SENT not in {row.status for row in rows}
    assert all(row.status == DeliveryStatus.FAILED and row.error for row in rows)
    assert smtp_server.received == []

    up = registry_cli(args, database_url=database_url, env=smtp_server.env)

    assert up.returncode == 0, up.stderr
    assert last_line(up.stdout) == "Reminders: 2 recipients, 3 items, 3 sent, 0 skipped, 0 failed."
    assert sorted(m.to for m in smtp_server.received) == ["admin@example.org", "owner@example.org"]
    rows = deliveries()
    assert len(rows) == 3
    assert {(row.status, row.error) for row in rows} == {(DeliveryStatus.SENT, None)}


def test_dry_run_prints_what_would_go_to_whom_and_sends_and_writes_nothing(
    app, database_url, office, registry_cli, smtp_server
):
    secret = office.secret_agreement()
    office.duty("Stockpile report", 7)
    office.duty("Nightjar stockpile declaration", 30, agreement=secret)
    office.duty("Unowned notification", -1, owner=None)
    db.session.commit()

    result = registry_cli(
        ["remind", "--today", "2026-11-27", "--dry-run"],
        database_url=database_url,
        env=smtp_server.env,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "Would send 2 items to owner@example.org:" in lines
    assert "Would send 1 item to admin@example.org:" in lines
    assert "  2026-12-04 lead:7: Stockpile report" in lines
    assert "  2026-12-27 lead:30: 1 restricted item" in lines
    assert "  2026-11-26 overdue:0: Unowned notification" in lines
    assert "Nightjar" not in result.stdout
    assert lines[-1] == "Dry run. Reminders: 2 recipients, 3 items, 0 sent, 0 skipped, 0 failed."
    assert smtp_server.received == []
    assert deliveries() == []


def test_the_command_takes_lead_overdue_and_escalation_days_from_the_environment(
    app, database_url, office, registry_cli, smtp_server
):
    office.duty("Forty days out", 40)
    office.duty("Thirty days out", 30)
    office.duty("Three days late", -3, oversight_body_id=office.body.id)
    db.session.commit()
    env = {
        **smtp_server.env,
        "REGISTRY_REMINDER_LEAD_DAYS": "2, 45",
        "REGISTRY_REMINDER_OVERDUE_EVERY_DAYS": "1",
        "REGISTRY_REMINDER_ESCALATE_AFTER_DAYS": "3",
    }

    result = registry_cli(
        ["remind", "--today", "2026-11-27", "--dry-run"], database_url=database_url, env=env
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "  2027-01-06 lead:45: Forty days out" in lines
    assert "  2026-12-27 lead:45: Thirty days out" in lines
    assert "  2026-11-24 overdue:2: Three days late" in lines
    assert "Would send 3 items to owner@example.org:" in lines
    assert "Would send 1 item to admin@example.org:" in lines
    assert "Would send 1 item to committee@example.org:" in lines


# --- bad input --------------------------------------------------------------------------------


@pytest.fixture
def empty_env(tmp_path) -> dict[str, str]:
    """A registry that needs no database to refuse bad input."""
    return {
        "REGISTRY_ENV": "testing",
        "REGISTRY_INSTANCE_PATH": str(tmp_path),
        "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday"])
def test_a_bad_today_is_a_one_line_error(registry_cli, empty_env, value):
    result = registry_cli(["remind", "--today", value], env=empty_env)
    message = registry_cli.one_line_error(result)
    assert "--today" in message
    assert value in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REGISTRY_REMINDER_LEAD_DAYS", "soon"),
        ("REGISTRY_REMINDER_LEAD_DAYS", "30,-1"),
        ("REGISTRY_REMINDER_OVERDUE_EVERY_DAYS", "0"),
        ("REGISTRY_REMINDER_ESCALATE_AFTER_DAYS", "two weeks"),
        ("REGISTRY_MAIL_SECURITY", "tls"),
        ("REGISTRY_MAIL_PORT", "smtp"),
        ("REGISTRY_MAIL_PORT", "70000"),
    ],
)
def test_a_bad_setting_is_a_one_line_error_naming_the_variable(
    registry_cli, empty_env, variable, value
):
    result = registry_cli(["remind", "--today", "2026-11-27"], env={**empty_env, variable: value})
    assert variable in registry_cli.one_line_error(result)
