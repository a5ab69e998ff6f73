"""Measure the registry on a generated database and print a table of the results.

    python bench/run.py [--database-url URL] [--requests N] [--repeat N] [--no-datasette]
                        [--only pages|exports|reminders|import ...]

The app runs under gunicorn (2 workers) on 127.0.0.1. Measured: latency (p50/p95) of key pages
and API calls under 8 concurrent clients and the requests per second they get; the first and
the last page of the agreements list; export throughput and peak memory beside the floor (the
bare driver writing with Python's csv/json) and Datasette serving the same SQLite file; the
reminder job; imports into an empty registry beside the bare driver inserting the same rows
with their hashed audit events. Each figure is the median of --repeat runs; comparisons come
from the same run. Results go to bench/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
sys.path.insert(0, str(BENCH))

from generate import BENCH_EMAIL, BENCH_PASSWORD, BENCH_TOKEN  # noqa: E402

DEFAULT_DATABASE = BENCH / "data" / "small.sqlite3"
CLIENTS = 8
WORKERS = 2
PARTS = ("pages", "exports", "reminders", "import")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("REGISTRY_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}",
    )
    parser.add_argument("--requests", type=int, default=10, help="per page and client")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="measure just this part (repeatable); all of them by default",
    )
    args = parser.parse_args(argv)
    parts = set(args.only or PARTS)
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": args.database_url,
        "REGISTRY_ENV": "production",
        "REGISTRY_SECRET_KEY": secrets.token_hex(32),
        "REGISTRY_API_REQUESTS_PER_MINUTE": "100000",
        "REGISTRY_INSTANCE_PATH": tempfile.mkdtemp(prefix="registry-bench-"),
    }
    sqlite_path = _sqlite_path(args.database_url)
    results: dict = {
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": "sqlite" if sqlite_path else "postgresql",
        "counts": table_counts(env),
    }
    if "pages" in parts:
        with Server(env) as server:
            cookie = server.sign_in()
            pages = pages_to_measure(server, cookie)
            results["alone"] = measure_alone(server, pages, args.requests)
            results["latency"] = measure_latency(server, cookie, pages, args.requests, args.repeat)
            results["pagination"] = {
                name: results["latency"][name]
                for name in ("agreements list", "agreements last page")
            }
    if "exports" in parts:
        results["exports"] = measure_exports(env, sqlite_path, args.repeat, not args.no_datasette)
    if "reminders" in parts:
        results["reminders"] = measure_reminders(env, args.repeat)
    if "import" in parts:
        results["import"] = measure_import(env, args.repeat)
    report(results)
    out = BENCH / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


# --- the server --------------------------------------------------------------------------------


class Server:
    """gunicorn serving the app on a free loopback port."""

    def __init__(self, env: dict):
        self.env = env
        self.port = free_port()
        self.host = "127.0.0.1"

    def __enter__(self) -> Server:
        subprocess.run(
            [PYTHON, "-m", "flask", "--app", "wsgi:app", "db", "upgrade"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "--workers",
                str(WORKERS),
                "--bind",
                f"{self.host}:{self.port}",
                "--no-control-socket",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _, _ = self.request("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)

    def request(self, method, path, headers=None, body=None, connection=None):
        own = connection is None
        connection = connection or http.client.HTTPConnection(self.host, self.port, timeout=60)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        if own:
            connection.close()
        return response.status, response.headers, data

    def sign_in(self) -> str:
        status, headers, page = self.request("GET", "/login")
        cookie = session_cookie(headers)
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"csrf_token": token, "email": BENCH_EMAIL, "password": BENCH_PASSWORD}
        )
        status, headers, _ = self.request(
            "POST",
            "/login",
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            form,
        )
        if status != 302:
            raise SystemExit(f"sign-in failed ({status}): was the database made by generate.py?")
        return session_cookie(headers)


def session_cookie(headers) -> str:
    cookies = [value.split(";")[0] for value in headers.get_all("Set-Cookie") or ()]
    return next(cookie for cookie in cookies if cookie.startswith("session="))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- latency and throughput ---------------------------------------------------------------------


def pages_to_measure(server: Server, cookie: str) -> dict[str, tuple[str, dict]]:
    session = {"Cookie": cookie}
    token = {"Authorization": f"Bearer {BENCH_TOKEN}"}
    _, _, first = server.request("GET", "/agreements", session)
    last = max((int(n) for n in re.findall(rb"[?&]page=(\d+)", first)), default=1)
    return {
        "agreements list": ("/agreements", session),
        "agreements filtered": ("/agreements?status=in_force&region=europe", session),
        "agreements search": ("/agreements?q=Cyber+Protocol", session),
        "agreements last page": (f"/agreements?page={last}", session),
        "agreement, 190 parties": ("/agreements/1", session),
        "party page": ("/parties/1", session),
        "dashboard": ("/dashboard", session),
        "deadlines": ("/deadlines", session),
        "API agreements list": ("/api/v1/agreements", token),
        "API agreement": ("/api/v1/agreements/1", token),
        "API parties search": ("/api/v1/parties?q=State+01", token),
    }


def measure_alone(server, pages, requests_each: int) -> dict:
    """Each page requested on its own, one request at a time: the work a request costs."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=120)
    timings = {}
    for name, (path, headers) in pages.items():
        server.sign_in()  # a change (signing in is an audit event): nothing kept is served
        taken = []
        for _ in range(requests_each):
            started = time.perf_counter()
            status, _, _ = server.request("GET", path, headers, connection=connection)
            taken.append(time.perf_counter() - started)
            if status != 200:
                raise SystemExit(f"{name}: {status}")
        timings[name] = {
            # The first after a change is worked out afresh; later ones may find it kept
            # (registry.core.cache), each worker keeping its own.
            "first_ms": taken[0] * 1000,
            "p50_ms": percentile(taken, 50) * 1000,
            "p95_ms": percentile(taken, 95) * 1000,
        }
    connection.close()
    return timings


def measure_latency(server, cookie, pages, requests_each: int, repeat: int) -> dict:
    """Each of CLIENTS threads requests every page in turn; latencies are kept per page."""
    runs: list[dict] = []
    for _ in range(repeat):
        timings: dict[str, list[float]] = {name: [] for name in pages}
        errors: list[str] = []
        lock = threading.Lock()

        def client(offset: int, timings=timings, errors=errors, lock=lock):
            connection = http.client.HTTPConnection(server.host, server.port, timeout=120)
            names = list(pages)
            for round_ in range(requests_each):
                for index in range(len(names)):
                    name = names[(index + offset + round_) % len(names)]
                    path, headers = pages[name]
                    started = time.perf_counter()
                    status, _, _ = server.request("GET", path, headers, connection=connection)
                    took = time.perf_counter() - started
                    with lock:
                        timings[name].append(took)
                        if status != 200:
                            errors.append(f"{name}: {status}")
            connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise SystemExit(f"requests failed: {sorted(set(errors))[:5]}")
        total = sum(len(values) for values in timings.values())
        runs.append(
            {
                name: {
                    "p50_ms": percentile(values, 50) * 1000,
                    "p95_ms": percentile(values, 95) * 1000,
                }
                for name, values in timings.items()
            }
            | {"_throughput_rps": total / elapsed}
        )
    merged = {
        name: {
            key: statistics.median(run[name][key] for run in runs) for key in ("p50_ms", "p95_ms")
        }
        for name in pages
    }
    merged["all pages, requests/s"] = statistics.median(run["_throughput_rps"] for run in runs)
    return merged


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# --- exports ------------------------------------------------------------------------------------

# The app is built before the clock starts: start-up (about a second, the same for any size)
# is not export throughput.
REGISTRY_EXPORT = """
import resource, sys, time
from registry import create_app
app = create_app()
app.app_context().push()
runner = app.test_cli_runner()
started = time.perf_counter()
result = runner.invoke(args=["export", sys.argv[1], "--format", sys.argv[2], "--clearance",
                             "secret", "--output", sys.argv[3]])
assert result.exit_code == 0, result.output
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

FLOOR_SQLITE = """
import csv, json, resource, sqlite3, sys, time
started = time.perf_counter()
connection = sqlite3.connect(sys.argv[4])
cursor = connection.execute(f"SELECT * FROM {sys.argv[1]} ORDER BY id")
names = [column[0] for column in cursor.description]
with open(sys.argv[3], "w", newline="", encoding="utf-8") as out:
    if sys.argv[2] == "csv":
        writer = csv.writer(out)
        writer.writerow(names)
        while rows := cursor.fetchmany(2000):
            writer.writerows(rows)
    else:
        while rows := cursor.fetchmany(2000):
            out.writelines(json.dumps(dict(zip(names, row)), default=str) + "\\n" for row in rows)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

FLOOR_POSTGRES = """
import csv, json, resource, sys, time
import psycopg
started = time.perf_counter()
with psycopg.connect(sys.argv[4]) as connection, connection.cursor(name="floor") as cursor:
    cursor.itersize = 2000
    cursor.execute(f"SELECT * FROM {sys.argv[1]} ORDER BY id")
    rows = iter(cursor)
    first = next(rows, None)
    names = [column.name for column in cursor.description]
    with open(sys.argv[3], "w", newline="", encoding="utf-8") as out:
        if sys.argv[2] == "csv":
            writer = csv.writer(out)
            writer.writerow(names)
            if first is not None:
                writer.writerow(first)
            writer.writerows(rows)
        else:
            for row in ([first] if first else []):
                out.write(json.dumps(dict(zip(names, row)), default=str) + "\\n")
            for row in rows:
                out.write(json.dumps(dict(zip(names, row)), default=str) + "\\n")
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def timed_child(code: str, args: list[str], env: dict) -> tuple[float, float]:
    """Run `code` in a fresh interpreter; return its seconds and peak memory in MB."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [PYTHON, "-c", code, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    seconds, peak_kb = result.stdout.split()[-2:]
    return float(seconds), int(peak_kb) / 1024


def measure_exports(env: dict, sqlite_path: str | None, repeat: int, datasette: bool) -> dict:
    floor_code = FLOOR_SQLITE if sqlite_path else FLOOR_POSTGRES
    floor_target = sqlite_path or env["REGISTRY_DATABASE_URL"].replace("+psycopg", "")
    datasette_server = Datasette(sqlite_path) if datasette and sqlite_path else None
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        out = str(Path(scratch) / "export")
        if datasette_server:
            datasette_server.start()
        try:
            for table in ("treaty_actions", "audit_events"):
                rows = env_count(env, table)
                for fmt in ("csv", "jsonl"):
                    runs = {"registry": [], "floor": [], "datasette": []}
                    memory = []
                    for _ in range(repeat):
                        # Interleaved, so that drift in the machine's speed hits all alike.
                        seconds, peak = timed_child(REGISTRY_EXPORT, [table, fmt, out], env)
                        runs["registry"].append(rows / seconds)
                        memory.append(peak)
                        seconds, _ = timed_child(floor_code, [table, fmt, out, floor_target], env)
                        runs["floor"].append(rows / seconds)
                        if datasette_server and fmt == "csv":
                            runs["datasette"].append(datasette_server.rows_per_second(table))
                    entry = {
                        "rows": rows,
                        "registry_rows_per_s": statistics.median(runs["registry"]),
                        "floor_rows_per_s": statistics.median(runs["floor"]),
                        "registry_peak_mb": max(memory),
                    }
                    entry["ratio_to_floor"] = (
                        entry["registry_rows_per_s"] / entry["floor_rows_per_s"]
                    )
                    if runs["datasette"]:
                        entry["datasette_rows_per_s"] = statistics.median(runs["datasette"])
                        entry["ratio_to_datasette"] = (
                            entry["registry_rows_per_s"] / entry["datasette_rows_per_s"]
                        )
                    results[f"{table} {fmt}"] = entry
        finally:
            if datasette_server:
                datasette_server.stop()
    return results


class Datasette:
    """Datasette, from its own virtual environment, serving the same SQLite file."""

    VENV = BENCH / ".venv-datasette"

    def __init__(self, path: str):
        self.path = path
        self.name = Path(path).stem
        self.port = free_port()

    def start(self) -> None:
        binary = self.VENV / "bin" / "datasette"
        if not binary.exists():
            subprocess.run([sys.executable, "-m", "venv", str(self.VENV)], check=True)
            subprocess.run(
                [str(self.VENV / "bin" / "pip"), "install", "--quiet", "datasette>=0.65,<1"],
                check=True,
            )
        self.process = subprocess.Popen(  # noqa: S603 - a fixed local binary
            [str(binary), "serve", self.path, "--port", str(self.port), "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=2).request("GET", "/")
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("datasette did not start")

    def rows_per_second(self, table: str) -> float:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        started = time.perf_counter()
        connection.request("GET", f"/{self.name}/{table}.csv?_stream=on&_size=max")
        response = connection.getresponse()
        lines = 0
        while chunk := response.read(1 << 16):
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        return (lines - 1) / seconds

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


# --- the reminder job and counts ----------------------------------------------------------------


def measure_reminders(env: dict, repeat: int) -> dict:
    code = """
import resource, sys, time
from registry.cli import cli
started = time.perf_counter()
cli.main(["remind", "--dry-run"], standalone_mode=False)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    runs = [timed_child(code, [], env) for _ in range(repeat)]
    return {
        "seconds": statistics.median(seconds for seconds, _ in runs),
        "peak_mb": max(peak for _, peak in runs),
    }


# Timed like the exports: from after the app is built.
IMPORT = """
import resource, sys, time
from registry import create_app
app = create_app()
app.app_context().push()
runner = app.test_cli_runner()
started, cpu = time.perf_counter(), time.process_time()
result = runner.invoke(args=["import", sys.argv[1], sys.argv[2]])
assert result.exit_code == 0, result.output
print(time.perf_counter() - started, time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
IMPORTS_TIMED = ("agreements", "treaty_actions")

# The floor of an import: the same file's rows inserted with the bare driver, 500 a statement,
# into the same tables, indexes and triggers, each with its audit event hashed into the chain
# as the registry hashes it; the same connection settings as the app's. Nothing is checked.
FLOOR_IMPORT = """
import csv, hashlib, json, resource, sqlite3, sys, time
from datetime import UTC, datetime
entity, path, database = sys.argv[1:4]
started, cpu = time.perf_counter(), time.process_time()
connection = sqlite3.connect(database, isolation_level=None)
for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL",
               "cache_size = -16000"):
    connection.execute(f"PRAGMA {pragma}")
table_columns = {row[1] for row in connection.execute(f"PRAGMA table_info({entity})")}
with open(path, newline="", encoding="utf-8-sig") as source:
    reader = csv.reader(source)
    header = next(reader)
    kept = [index for index, name in enumerate(header) if name in table_columns]
    names = [header[index] for index in kept]
    rows = [tuple(cells[index] or None for index in kept) for cells in reader]
canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), check_circular=False)
EVENT = ("occurred_at", "actor_label", "action", "entity_type", "entity_id", "entity_label",
         "changes", "reason", "prev_hash", "hash")

def insert(table, columns, values):
    one = "(" + ", ".join("?" * len(columns)) + ")"
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        connection.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))}",
            [value for row in chunk for value in row],
        )

connection.execute("BEGIN IMMEDIATE")
insert(entity, names, rows)
head = connection.execute("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
prev_hash = head[0] if head else "0" * 64
moment = datetime.now(UTC)
stored_moment, hashed_moment = moment.strftime("%Y-%m-%d %H:%M:%S.%f"), moment.isoformat()
id_at = names.index("id")
events = []
for row in rows:
    changes = {name: [None, value] for name, value in zip(names, row) if value is not None}
    payload = {"prev_hash": prev_hash, "occurred_at": hashed_moment, "actor_id": None,
               "actor_label": "system:floor", "action": "create", "entity_type": entity,
               "entity_id": int(row[id_at]), "entity_label": None, "changes": changes,
               "reason": "Imported"}
    digest = hashlib.sha256(canonical.encode(payload).encode("ascii")).hexdigest()
    events.append((stored_moment, "system:floor", "create", entity, int(row[id_at]), None,
                   json.dumps(changes), "Imported", prev_hash, digest))
    prev_hash = digest
insert("audit_events", EVENT, events)
connection.execute("COMMIT")
print(time.perf_counter() - started, time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def timed_import(code: str, args: list[str], env: dict) -> tuple[float, float, float]:
    """Run an import child; its seconds, CPU seconds and peak memory in MB.

    CPU seconds count the work alone when other processes share the cores.
    """
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [PYTHON, "-c", code, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    seconds, cpu, peak_kb = result.stdout.split()[-3:]
    return float(seconds), float(cpu), int(peak_kb) / 1024


def measure_import(env: dict, repeat: int) -> dict:
    """Export agreements and treaty actions from the bench database; time importing them anew.

    Each run imports into a fresh empty registry, then the floor into another: interleaved,
    so that drift in the machine's speed hits both alike.
    """
    with tempfile.TemporaryDirectory() as scratch:
        files = {}
        for entity in ("parties", *IMPORTS_TIMED):
            files[entity] = str(Path(scratch) / f"{entity}.csv")
            subprocess.run(  # noqa: S603
                [
                    PYTHON,
                    "-m",
                    "flask",
                    "--app",
                    "wsgi:app",
                    "export",
                    entity,
                    "--clearance",
                    "secret",
                    "--output",
                    files[entity],
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        template = Path(scratch) / "template.sqlite3"
        subprocess.run(  # noqa: S603
            [PYTHON, "-m", "flask", "--app", "wsgi:app", "db", "upgrade"],
            cwd=ROOT,
            env={**env, "REGISTRY_DATABASE_URL": f"sqlite:///{template}"},
            check=True,
            capture_output=True,
        )
        runs: dict = {
            entity: {"registry": [], "floor": [], "registry_cpu": [], "floor_cpu": [], "mb": []}
            for entity in IMPORTS_TIMED
        }
        rows = {}
        for run in range(repeat):
            registry_db = Path(scratch) / f"registry-{run}.sqlite3"
            floor_db = Path(scratch) / f"floor-{run}.sqlite3"
            shutil.copyfile(template, registry_db)
            shutil.copyfile(template, floor_db)
            empty = {**env, "REGISTRY_DATABASE_URL": f"sqlite:///{registry_db}"}
            timed_import(IMPORT, ["parties", files["parties"]], empty)
            timed_import(FLOOR_IMPORT, ["parties", files["parties"], str(floor_db)], env)
            for entity in IMPORTS_TIMED:
                rows[entity] = rows.get(entity) or env_count(env, entity)
                measured = runs[entity]
                seconds, cpu, peak = timed_import(IMPORT, [entity, files[entity]], empty)
                measured["registry"].append(rows[entity] / seconds)
                measured["registry_cpu"].append(rows[entity] / cpu)
                measured["mb"].append(peak)
                floor_args = [entity, files[entity], str(floor_db)]
                seconds, cpu, _ = timed_import(FLOOR_IMPORT, floor_args, env)
                measured["floor"].append(rows[entity] / seconds)
                measured["floor_cpu"].append(rows[entity] / cpu)
            for stored in (registry_db, floor_db):
                stored.unlink()
    results = {}
    for entity, measured in runs.items():
        rate, floor = statistics.median(measured["registry"]), statistics.median(measured["floor"])
        cpu_rate = statistics.median(measured["registry_cpu"])
        cpu_floor = statistics.median(measured["floor_cpu"])
        results[entity] = {
            "rows": rows[entity],
            "rows_per_s": rate,
            "floor_rows_per_s": floor,
            "ratio_to_floor": rate / floor,
            "rows_per_cpu_s": cpu_rate,
            "floor_rows_per_cpu_s": cpu_floor,
            "cpu_ratio_to_floor": cpu_rate / cpu_floor,
            "runs": measured,
            "peak_mb": max(measured["mb"]),
        }
    return results


def table_counts(env: dict) -> dict:
    return {
        table: env_count(env, table)
        for table in ("agreements", "treaty_actions", "obligations", "reviews", "audit_events")
    }


def env_count(env: dict, table: str) -> int:
    code = f"""
from sqlalchemy import text
from registry import create_app
from registry.extensions import db
with create_app().app_context():
    print(db.session.scalar(text("SELECT count(*) FROM {table}")))
"""
    result = subprocess.run(  # noqa: S603
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return int(result.stdout.split()[-1])


def _sqlite_path(url: str) -> str | None:
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None


def machine() -> dict:
    cpu = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        found = re.search(r"model name\s*:\s*(.+)", info.read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = (
        Path("/proc/meminfo").read_text().split("\n")[0] if Path("/proc/meminfo").exists() else ""
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory.split(":")[-1].strip(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": __import__("sqlite3").sqlite_version,
    }


# --- report -------------------------------------------------------------------------------------


def report(results: dict) -> None:
    print(f"\n{results['machine']['cpu']} × {results['machine']['cores']}, {results['database']}")
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in results["counts"].items()))
    if "latency" in results:
        report_latency(results)
    if "exports" in results:
        report_exports(results)
    if "reminders" in results:
        reminders = results["reminders"]
        print(
            f"\nReminder job (dry run): {reminders['seconds']:.1f} s, "
            f"{reminders['peak_mb']:.0f} MB (target < 10 s)"
        )
    if "import" in results:
        report_import(results["import"])


def report_latency(results: dict) -> None:
    print(
        f"\nLatency: one request at a time, and under {CLIENTS} concurrent clients with "
        f"{WORKERS} gunicorn workers (target p95 ≤ 50 ms under load)"
    )
    print(f"{'page':<28}{'first':>8}{'alone p50':>10}{'alone p95':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for name, value in results["latency"].items():
        if isinstance(value, dict):
            alone = results["alone"][name]
            print(
                f"{name:<28}{alone['first_ms']:>8.1f}"
                f"{alone['p50_ms']:>10.1f}{alone['p95_ms']:>10.1f}"
                f"{value['p50_ms']:>10.1f}{value['p95_ms']:>10.1f}"
            )
    print(f"{'all pages, requests/s':<28}{results['latency']['all pages, requests/s']:>48.1f}")
    print("first: the first request after a change, worked out afresh; later ones may be kept")
    first = results["pagination"]["agreements list"]["p95_ms"]
    last = results["pagination"]["agreements last page"]["p95_ms"]
    print(f"last page / first page (p95 under load): {last / first:.2f} (target ≤ 1.5)")


def report_exports(results: dict) -> None:
    print(
        "\nExports (targets: CSV ≥ 0.5× floor and ≥ 3× Datasette; "
        "JSON Lines ≥ 0.5× floor; ≤ 100 MB)"
    )
    print(
        f"{'export':<24}{'rows/s':>12}{'floor':>12}{'×floor':>8}{'datasette':>12}{'×ds':>7}{'MB':>7}"
    )
    for name, entry in results["exports"].items():
        datasette = entry.get("datasette_rows_per_s")
        print(
            f"{name:<24}{entry['registry_rows_per_s']:>12,.0f}{entry['floor_rows_per_s']:>12,.0f}"
            f"{entry['ratio_to_floor']:>8.2f}"
            + (
                f"{datasette:>12,.0f}{entry['ratio_to_datasette']:>7.1f}"
                if datasette
                else f"{'':>19}"
            )
            + f"{entry['registry_peak_mb']:>7.0f}"
        )


def report_import(imported: dict) -> None:
    print(
        "\nImport into an empty registry (target ≥ 10,000 rows/s); floor: the bare driver "
        "inserting the same rows and their hashed events"
    )
    print(
        f"{'import':<18}{'rows':>9}{'rows/s':>9}{'floor':>9}{'×floor':>8}"
        f"{'per CPU s':>11}{'floor':>9}{'×floor':>8}{'MB':>6}"
    )
    for entity, entry in imported.items():
        print(
            f"{entity:<18}{entry['rows']:>9,}{entry['rows_per_s']:>9,.0f}"
            f"{entry['floor_rows_per_s']:>9,.0f}{entry['ratio_to_floor']:>8.2f}"
            f"{entry['rows_per_cpu_s']:>11,.0f}{entry['floor_rows_per_cpu_s']:>9,.0f}"
            f"{entry['cpu_ratio_to_floor']:>8.2f}{entry['peak_mb']:>6.0f}"
        )
    print("per CPU s: rows per second of the process's own CPU time (the cores are shared)")


if __name__ == "__main__":
    raise SystemExit(main())
