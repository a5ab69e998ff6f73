"""Fill a migrated registry database with a deterministic synthetic registry at a named size.

    python bench/generate.py --size small|full [--database-url URL]

The URL defaults to REGISTRY_DATABASE_URL. The database is migrated first and must hold no
agreements yet. Rows go in with bulk inserts inside one transaction per table; the audit
events form a valid hash chain, so `registry audit verify` passes on the result. A bench
administrator (BENCH_EMAIL / BENCH_PASSWORD) and an API token (BENCH_TOKEN) are created for
bench/run.py.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCH_EMAIL = "bench-admin@example.org"
BENCH_PASSWORD = "benchmark password, not for production"  # noqa: S105 - a synthetic database
BENCH_TOKEN = "trk_benchmark-token-for-synthetic-data-only-0000"  # noqa: S105
CHUNK = 10_000
SEED = 1949


@dataclass(frozen=True)
class Size:
    agreements: int
    actions: int  # about: each party signs and ratifies, so it follows the party counts
    obligations: int
    reviews: int
    audit_events: int


SIZES = {
    "small": Size(10_000, 100_000, 20_000, 10_000, 40_000),
    "full": Size(250_000, 2_500_000, 500_000, 250_000, 1_000_000),
}
CLASSIFICATIONS = ["public"] * 14 + ["restricted"] * 3 + ["confidential"] * 2 + ["secret"]
INSTRUMENT_TYPES = [
    "alliance_defence_pact",
    "arms_control",
    "nonproliferation",
    "sanctions_regime",
    "security_forum",
    "intelligence_sharing",
    "defence_trade",
    "exercise_interoperability",
    "crisis_management",
    "counter_terrorism",
    "other",
]
REGIONS = [
    "global",
    "africa",
    "americas",
    "arctic",
    "asia_pacific",
    "europe",
    "euro_atlantic",
    "middle_east",
]
OBLIGATION_KINDS = ["reporting", "notification", "consultation", "verification", "other"]
OBLIGATION_STATUSES = ["active"] * 6 + ["met", "partially_met", "not_met", "ended"]
REVIEW_STATUSES = ["scheduled"] * 5 + ["in_progress", "submitted", "approved"]
SUBJECTS = ["Defence", "Security", "Arms", "Sanctions", "Intelligence", "Exercises", "Cyber"]
WORDS = ["Cooperation", "Assistance", "Consultation", "Verification", "Exchange", "Protocol"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database-url", default=os.environ.get("REGISTRY_DATABASE_URL"))
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set REGISTRY_DATABASE_URL")
    os.environ["REGISTRY_DATABASE_URL"] = args.database_url
    os.environ.setdefault("REGISTRY_ENV", "development")
    started = time.perf_counter()
    counts = generate(SIZES[args.size])
    took = time.perf_counter() - started
    total = sum(counts.values())
    for table, rows in counts.items():
        print(f"{table:>16}: {rows:>10,} rows")
    print(f"{'total':>16}: {total:>10,} rows in {took:.1f} s ({total / took:,.0f} rows/s)")
    print(f"sign in as {BENCH_EMAIL} / {BENCH_PASSWORD!r}; API token {BENCH_TOKEN}")
    return 0


def generate(size: Size) -> dict[str, int]:
    import flask_migrate
    from sqlalchemy import func, select

    from registry import create_app
    from registry.agreements.models import Agreement
    from registry.extensions import db

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        if db.session.scalar(select(func.count()).select_from(Agreement)):
            raise SystemExit("the database already holds agreements: give an empty one")
        db.session.remove()
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":  # outside a transaction, as SQLite asks
                connection.connection.driver_connection.execute("PRAGMA synchronous = OFF")
            with connection.begin():
                counts = Filler(connection, size).run()
            # Statistics, as a live database has them (PostgreSQL's autovacuum gathers them;
            # SQLite only on ANALYZE): without them SQLite may pick a poor index.
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
            return counts


class Filler:
    """Writes each table in turn from a seeded random generator."""

    def __init__(self, connection, size: Size):
        self.connection = connection
        self.size = size
        self.random = random.Random(SEED)
        self.now = datetime(2026, 11, 1, tzinfo=UTC)
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        from registry.core.db import Base

        tables = Base.metadata.tables
        self.insert(tables["users"], self.users())
        self.insert(tables["api_tokens"], self.tokens())
        self.insert(tables["parties"], self.parties())
        self.insert(tables["agreements"], self.agreements())
        self.insert(tables["treaty_actions"], self.actions())
        self.insert(tables["obligations"], self.obligations())
        self.insert(tables["reviews"], self.reviews())
        self.insert(tables["audit_events"], self.audit_events())
        return self.counts

    def insert(self, table, rows) -> None:
        chunk, count = [], 0
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                self.connection.execute(table.insert(), chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            self.connection.execute(table.insert(), chunk)
            count += len(chunk)
        self.counts[table.name] = count
        if self.connection.dialect.name == "postgresql":
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table.name}))"
            )

    def stamp(self, when: datetime) -> dict:
        return {"created_at": when, "updated_at": when, "version": 1, "archived_at": None}

    # --- tables -------------------------------------------------------------------------------

    def users(self):
        from registry.users.services import hash_password

        roles = [("admin", "secret"), ("viewer", "public"), ("editor", "secret")]
        password_hash = hash_password(BENCH_PASSWORD)
        for number, (role, clearance) in enumerate(roles, start=1):
            when = self.now - timedelta(days=400)
            yield {
                "id": number,
                "email": BENCH_EMAIL if role == "admin" else f"bench-{role}@example.org",
                "name": f"Bench {role}",
                "role": role,
                "clearance": clearance,
                "active": True,
                "password_hash": password_hash,
                "failed_login_count": 0,
                "created_at": when,
                "updated_at": when,
                "version": 1,
            }

    def tokens(self):
        yield {
            "id": 1,
            "user_id": 1,
            "name": "Benchmark",
            "prefix": BENCH_TOKEN[:10],
            "secret_hash": hashlib.sha256(BENCH_TOKEN.encode()).hexdigest(),
            "created_at": self.now,
        }

    def parties(self):
        self.party_count = 250
        for number in range(1, self.party_count + 1):
            state = number <= 200
            letters = f"{chr(65 + number // 676 % 26)}{chr(65 + number // 26 % 26)}"
            yield {
                "id": number,
                "name": f"{'State' if state else 'Organisation'} {number:03d}",
                "short_name": None,
                "kind": "state" if state else "international_organisation",
                "iso3": f"{letters}{chr(65 + number % 26)}" if state else None,
                "source": "synthetic",
                **self.stamp(self.now - timedelta(days=2000)),
            }

    def agreements(self):
        rng, size = self.random, self.size
        self.agreement_parties: list[int] = []
        self.agreement_dates: list[date] = []
        for number in range(1, size.agreements + 1):
            concluded = date(1950, 1, 1) + timedelta(days=rng.randrange(76 * 365))
            in_force = concluded + timedelta(days=rng.randrange(3 * 365))
            roll = rng.random()
            if number == 1:
                parties = 190  # the agreement with the most parties, for the detail page
            elif roll < 0.9:
                parties = 2
            elif roll < 0.99:
                parties = rng.randint(5, 33)
            else:
                parties = rng.randint(100, 190)
            expired = rng.random() < 0.05
            notice, periodic = rng.random() < 0.3, rng.random() < 0.3
            self.agreement_parties.append(parties)
            self.agreement_dates.append(concluded)
            status = "expired" if expired else ("signed" if rng.random() < 0.1 else "in_force")
            yield {
                "id": number,
                "reference": f"AGR-{concluded.year}-{number:06d}",
                "title": f"{rng.choice(SUBJECTS)} {rng.choice(WORDS)} Agreement No. {number}",
                "short_title": None,
                "instrument_type": rng.choice(INSTRUMENT_TYPES),
                "form": "bilateral" if parties == 2 else "multilateral",
                "legal_nature": "treaty" if rng.random() < 0.4 else "executive_agreement",
                "region": rng.choice(REGIONS),
                "status": status,
                "concluded_on": concluded,
                "entered_into_force_on": None if status == "signed" else in_force,
                "expires_on": in_force + timedelta(days=3650) if expired else None,
                "terminated_on": None,
                "term": "P10Y" if expired else None,
                "extension_term": None,
                "extension_options_left": 0,
                "notice_min_in_force": "P20Y" if notice and rng.random() < 0.3 else None,
                "notice_period": "P1Y" if notice else None,
                "notice_to": None,
                "review_cadence": "periodic" if periodic else "none",
                "review_interval": "P5Y" if periodic else None,
                "depositary": None,
                "classification": rng.choice(CLASSIFICATIONS),
                "summary": None,
                "text_url": None,
                "legal_authority": None,
                "unts_volume": None,
                "unts_page": None,
                "un_registration_number": None,
                "national_citation": None,
                "parent_id": None,
                "source": "synthetic",
                **self.stamp(datetime.combine(concluded, datetime.min.time(), UTC)),
            }

    def actions(self):
        rng = self.random
        action_id = 0
        for agreement_id, (parties, concluded) in enumerate(
            zip(self.agreement_parties, self.agreement_dates, strict=True), start=1
        ):
            members = rng.sample(range(1, self.party_count + 1), parties)
            for party_id in members:
                signed = concluded + timedelta(days=rng.randrange(365))
                consent = signed + timedelta(days=rng.randrange(2 * 365))
                for kind, on in (("signature", signed), ("ratification", consent)):
                    action_id += 1
                    yield {
                        "id": action_id,
                        "agreement_id": agreement_id,
                        "party_id": party_id,
                        "kind": kind,
                        "deposited_on": on,
                        "effective_on": on,
                        "depositary_notification": None,
                        "text": None,
                        "predecessor_id": None,
                        "source": None,
                        **self.stamp(datetime.combine(on, datetime.min.time(), UTC)),
                    }

    def obligations(self):
        rng, agreements = self.random, self.size.agreements
        for number in range(1, self.size.obligations + 1):
            recurring = rng.random() < 0.3
            yield {
                "id": number,
                "agreement_id": (number - 1) % agreements + 1,
                "article_reference": f"Art. {rng.randint(1, 20)}",
                "title": f"{rng.choice(OBLIGATION_KINDS).title()} duty {number}",
                "text": None,
                "kind": rng.choice(OBLIGATION_KINDS),
                "obligated_party_id": None,
                "responsible_office": None,
                "owner_id": rng.choice([None, 1, 3]),
                "oversight_body_id": None,
                "due_on": date(2025, 1, 1) + timedelta(days=rng.randrange(4 * 365)),
                "recurrence": "P1Y" if recurring else None,
                "status": rng.choice(OBLIGATION_STATUSES),
                "target_value": None,
                "target_unit": None,
                "classification": rng.choice(CLASSIFICATIONS[:16]),
                "source": None,
                **self.stamp(self.now - timedelta(days=rng.randrange(3000))),
            }

    def reviews(self):
        rng, agreements = self.random, self.size.agreements
        for number in range(1, self.size.reviews + 1):
            status = rng.choice(REVIEW_STATUSES)
            due = date(2024, 1, 1) + timedelta(days=rng.randrange(5 * 365))
            approved = status == "approved"
            yield {
                "id": number,
                "agreement_id": (number - 1) % agreements + 1,
                "obligation_id": None,
                "is_periodic": True,
                "due_on": due,
                "body_id": None,
                "status": status,
                "completed_on": due if approved else None,
                "compliance": "compliant" if approved else None,
                "outcome": "continue" if approved else None,
                "findings": None,
                "recommendations": None,
                "classification": "public",
                "recorded_by_id": 3 if status != "scheduled" else None,
                "approved_by_id": 1 if approved else None,
                **self.stamp(self.now - timedelta(days=rng.randrange(1000))),
            }

    def audit_events(self):
        from registry.core.audit.chain import event_hash
        from registry.core.audit.models import GENESIS_HASH

        rng, agreements = self.random, self.size.agreements
        prev_hash = GENESIS_HASH
        start = self.now - timedelta(days=5 * 365)
        step = timedelta(days=5 * 365) / self.size.audit_events
        for number in range(1, self.size.audit_events + 1):
            entity_id = (number - 1) % agreements + 1
            created = number <= agreements
            event = {
                "id": number,
                "occurred_at": start + step * number,
                "actor_id": 3,
                "actor_label": "bench-editor@example.org",
                "action": "create" if created else "update",
                "entity_type": "agreements",
                "entity_id": entity_id,
                "entity_label": f"AGR {entity_id}",
                "changes": (
                    {"title": [None, f"Agreement No. {entity_id}"]}
                    if created
                    else {"summary": [None, f"Revision {rng.randint(1, 99)}"]}
                ),
                "reason": None,
                "prev_hash": prev_hash,
            }
            event["hash"] = event_hash(**{k: v for k, v in event.items() if k != "id"})
            prev_hash = event["hash"]
            yield event


if __name__ == "__main__":
    raise SystemExit(main())
