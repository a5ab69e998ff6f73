"""`registry export-bundle` and `registry audit verify --bundle`: a checked, self-describing ZIP."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from registry.extensions import db

FRICTIONLESS = str(Path(sys.executable).with_name("frictionless"))


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def bundle(app, loaded_fixtures, tmp_path) -> Path:
    path = tmp_path / "bundle.zip"
    result = run(app, "export-bundle", "--output", str(path), "--clearance", "secret")
    assert result.exit_code == 0, result.output
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, files: dict[str, bytes], *, resum: bool) -> None:
    """Write the bundle again with `files`; with `resum`, as a careful forger would."""
    if resum:
        sums = "".join(
            f"{hashlib.sha256(data).hexdigest()}  {name}\n"
            for name, data in files.items()
            if name != "SHA256SUMS"
        )
        files = {**files, "SHA256SUMS": sums.encode()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def edit_events(files, change) -> dict[str, bytes]:
    text = files["audit_events.csv"].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return {**files, "audit_events.csv": ("\ufeff" + out.getvalue()).encode()}


def verify(app, path):
    return run(app, "audit", "verify", "--bundle", str(path))


def test_bundle_holds_every_entity_checksums_and_the_audit_head(app, bundle):
    from registry.core.audit.models import AuditEvent

    files = members(bundle)
    assert {f"{e}.csv" for e in ("parties", "agreements", "audit_events", "deadlines")} <= set(
        files
    )
    package = json.loads(files["datapackage.json"])
    newest = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert package["registry"]["audit_head"] == {"id": newest.id, "hash": newest.hash}
    assert newest.entity_type == "bundle"  # the export itself is the last event
    schema = {r["name"]: r["schema"] for r in package["resources"]}
    assert schema["treaty_actions"]["primaryKey"] == ["id"]
    assert {"fields": "party_id", "reference": {"resource": "parties", "fields": "id"}} in schema[
        "treaty_actions"
    ]["foreignKeys"]
    types = {f["name"]: f["type"] for f in schema["agreements"]["fields"]}
    assert (types["id"], types["concluded_on"], types["created_at"]) == (
        "integer",
        "date",
        "datetime",
    )
    sums = dict(line.split("  ")[::-1] for line in files["SHA256SUMS"].decode().splitlines())
    assert sums["parties.csv"] == hashlib.sha256(files["parties.csv"]).hexdigest()
    # The same CSV as the single export.
    single = run(app, "export", "parties", "--clearance", "secret").stdout_bytes
    assert files["parties.csv"] == single


def test_frictionless_validates_the_bundle(app, bundle, tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path / "unpacked")
    result = subprocess.run(
        [FRICTIONLESS, "validate", "--json", "datapackage.json"],
        cwd=tmp_path / "unpacked",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert json.loads(result.stdout)["valid"] is True


def test_an_intact_bundle_verifies(app, bundle):
    result = verify(app, bundle)
    assert result.exit_code == 0, result.output
    assert "Bundle intact" in result.stdout
    assert "(complete chain)" in result.stdout


def test_an_edited_file_fails_its_checksum(app, bundle):
    files = members(bundle)
    files["parties.csv"] = files["parties.csv"].replace(b"France", b"Frankreich")
    rewrite(bundle, files, resum=False)
    result = verify(app, bundle)
    assert result.exit_code == 1
    assert "parties.csv does not match its checksum in SHA256SUMS" in result.stderr


def test_a_changed_checksum_is_detected(app, bundle):
    files = members(bundle)
    files["SHA256SUMS"] = files["SHA256SUMS"].replace(b"0", b"1", 1)
    rewrite(bundle, files, resum=False)
    assert "does not match its checksum" in verify(app, bundle).stderr


def test_an_edited_event_is_named_even_with_recomputed_checksums(app, bundle):
    def change(rows):
        header = rows[0]
        rows[5][header.index("reason")] = "Nothing to see here"
        return rows

    files = edit_events(members(bundle), change)
    rewrite(bundle, files, resum=True)
    result = verify(app, bundle)
    assert result.exit_code == 1
    event_id = int(
        list(csv.reader(io.StringIO(files["audit_events.csv"].decode("utf-8-sig"))))[5][0]
    )
    assert f"Audit chain broken at event {event_id}: its content was changed" in result.stderr


def test_a_deleted_event_breaks_the_chain(app, bundle):
    files = edit_events(members(bundle), lambda rows: rows[:10] + rows[11:])
    rewrite(bundle, files, resum=True)
    result = verify(app, bundle)
    assert result.exit_code == 1
    assert "does not follow the event before it" in result.stderr


def test_deleting_the_newest_event_is_detected_by_the_head(app, bundle):
    files = edit_events(members(bundle), lambda rows: rows[:-1])
    rewrite(bundle, files, resum=True)
    result = verify(app, bundle)
    assert result.exit_code == 1
    assert "named in the bundle's head is missing" in result.stderr


def test_not_a_bundle_and_an_existing_output_are_one_line(app, tmp_path, bundle):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = verify(app, junk)
    assert result.exit_code == 1 and "Not a readable ZIP file" in result.stderr
    again = run(app, "export-bundle", "--output", str(bundle))
    assert again.exit_code == 1 and "exists already" in again.stderr


def test_a_public_bundle_leaves_classified_records_out(app, make_agreement, tmp_path):
    make_agreement(reference="AGR-2001-0001", title="Open treaty")
    make_agreement(reference="AGR-2001-0002", title="Hidden treaty", classification="secret")
    db.session.commit()
    path = tmp_path / "public.zip"
    assert run(app, "export-bundle", "--output", str(path)).exit_code == 0
    files = members(path)
    assert b"Open treaty" in files["agreements.csv"]
    assert b"Hidden treaty" not in files["agreements.csv"]
    assert b"Hidden treaty" not in files["audit_events.csv"]
    result = verify(app, path)
    assert result.exit_code == 0, result.output
    assert "events within the bundle's clearance" in result.stdout
