"""`registry reviews schedule`: every periodic agreement gets its next review, once."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from registry.extensions import db
from registry.reviews.models import Review

REGISTRY = str(Path(sys.executable).with_name("registry"))


def run(args, *, database_url):
    return subprocess.run(
        [REGISTRY, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "REGISTRY_DATABASE_URL": database_url},
        timeout=120,
        check=False,
    )


def test_schedule_gives_each_periodic_agreement_its_next_review_once(
    app, database_url, make_agreement
):
    npt = make_agreement(
        title="Treaty on the Non-Proliferation of Nuclear Weapons",
        entered_into_force_on="1970-03-05",
        review_cadence="periodic",
        review_interval="P5Y",
    )
    make_agreement(
        title="North Atlantic Treaty", review_cadence="on_request", review_interval="P10Y"
    )
    db.session.commit()

    first = run(["reviews", "schedule", "--today", "2026-11-27"], database_url=database_url)
    again = run(["reviews", "schedule", "--today", "2026-11-27"], database_url=database_url)

    assert first.returncode == 0, first.stderr
    assert f"{npt.reference}: next review due 2030-03-05" in first.stdout
    assert "1 review(s) scheduled" in first.stdout
    assert "0 review(s) scheduled" in again.stdout
    db.session.rollback()
    dues = db.session.scalars(select(Review.due_on).where(Review.agreement_id == npt.id)).all()
    assert dues == [date(2030, 3, 5)]


def test_schedule_refuses_a_bad_date_in_one_line(app, database_url):
    result = run(["reviews", "schedule", "--today", "2026-13-01"], database_url=database_url)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: --today: '2026-13-01': Not a valid date. "
        "Enter a date as YYYY-MM-DD, for example 1990-01-01."
    ]
