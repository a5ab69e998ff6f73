"""List downloads, the bundle download and the import page, by role and clearance."""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile

import pytest
from sqlalchemy import event, select

from registry.core.audit.models import AuditEvent
from registry.core.enums import AuditAction
from registry.exports import formats, tables
from registry.exports import views as export_views
from registry.extensions import db
from registry.parties.models import Party

from support import count_rows


def rows_of(response, fmt):
    text = response.get_data(as_text=True)
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if fmt == "json":
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def treaties(make_agreement):
    make_agreement(reference="AGR-1949-0001", title="North Atlantic Treaty")
    make_agreement(reference="AGR-1951-0001", title="ANZUS Treaty", classification="restricted")
    make_agreement(reference="AGR-1968-0001", title="Non-Proliferation Treaty")
    db.session.commit()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_download_follows_the_filters_and_is_an_audit_event(app, treaties, sign_in, fmt):
    auditor = sign_in("auditor", "secret")
    response = auditor.get(f"/agreements/export.{fmt}?q=North&per_page=25&page=2")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert [row["reference"] for row in rows_of(response, fmt)] == ["AGR-1949-0001"]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.entity_type) == (
        AuditAction.EXPORT,
        auditor.user.id,
        "agreements",
    )
    assert event.changes == {"format": [None, fmt], "rows": [None, 1], "q": [None, "North"]}


def test_downloads_stay_within_the_readers_clearance(app, treaties, sign_in):
    public_auditor = sign_in("auditor", "public")
    rows = rows_of(public_auditor.get("/agreements/export.csv"), "csv")
    assert [row["reference"] for row in rows] == ["AGR-1949-0001", "AGR-1968-0001"]
    bundle = public_auditor.get("/exports/bundle.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        assert b"ANZUS" not in archive.read("agreements.csv")


@pytest.mark.parametrize("role", ["viewer", "editor", "reviewer"])
def test_only_auditors_and_admins_download(app, treaties, sign_in, client, role):
    assert client.get("/agreements/export.csv").status_code == 302  # to the sign-in page
    browser = sign_in(role, "secret")
    assert browser.get("/agreements/export.csv").status_code == 403
    assert browser.get("/exports/bundle.zip").status_code == 403
    page = browser.get("/agreements").page
    assert "Download every agreement" not in page.text


def test_lists_offer_downloads_with_their_filters(app, treaties, sign_in):
    admin = sign_in("admin", "secret")
    page = admin.get("/parties?q=fra").page
    links = [a.attrs["href"] for a in page.main.find_all("a") if "/export." in a.attrs["href"]]
    assert links == [
        "/parties/export.csv?q=fra",
        "/parties/export.json?q=fra",
        "/parties/export.jsonl?q=fra",
    ]
    for url in ("/oversight-bodies/export.json", "/audit/export.jsonl", "/deadlines/export.csv"):
        assert admin.get(url).status_code == 200, url


def test_rows_stream_before_the_last_batch_is_read(app, make_party, sign_in, monkeypatch):
    monkeypatch.setattr(tables, "BATCH", 5)
    for number in range(23):
        make_party(name=f"State {number:02d}")
    db.session.commit()
    admin = sign_in("admin", "secret")
    executed = []

    def counting(conn, cursor, statement, *args):
        executed.append(statement)

    # One chunk per batch of rows, so that what arrives first can be told apart.
    monkeypatch.setattr(export_views, "chunks", functools.partial(formats.chunks, size=1))
    event.listen(db.engine, "before_cursor_execute", counting)
    try:
        response = admin.get("/parties/export.jsonl", buffered=False)
        assert response.headers["Content-Type"] == "application/jsonl"
        body = iter(response.response)
        first = next(body)
        batches_before = sum("FROM parties" in s and "LIMIT" in s for s in executed)
        rest = b"".join(body)
        response.close()
    finally:
        event.remove(db.engine, "before_cursor_execute", counting)
    assert [json.loads(line)["name"] for line in first.splitlines()] == [
        f"State {number:02d}" for number in range(5)
    ]
    assert batches_before == 1  # 23 rows take 5 batches: the first row left after the first
    assert len((first + rest).splitlines()) == 23


def csv_upload(text: str, name="parties.csv"):
    return (io.BytesIO(text.encode("utf-8")), name)


def test_preview_then_import(app, sign_in):
    editor = sign_in("editor", "secret")
    form = {
        "csrf_token": editor.csrf_token(),
        "entity": "parties",
        "action": "preview",
        "file": csv_upload("name,kind,iso3\nFrance,state,FRA\nAtlantis,other,\n"),
    }
    preview = editor.post("/imports", data=form, content_type="multipart/form-data")
    assert preview.status_code == 200
    assert "2 to create, 0 to update, 0 unchanged" in preview.page.text
    assert count_rows(Party) == 0
    confirm = preview.page.main.find("form", **{"class": "confirm"})
    values = preview.page.form_values(confirm)
    done = editor.post("/imports", data=values)
    assert done.status_code == 200
    assert "2 created" in done.page.by_id("import-summary").text
    assert sorted(db.session.scalars(select(Party.name))) == ["Atlantis", "France"]


def test_a_bad_row_is_shown_in_a_table_and_nothing_is_written(app, sign_in):
    editor = sign_in("editor", "secret")
    rows = "".join(f"State {n},state\n" for n in range(1, 10)) + "State 10,empire\n"
    response = editor.post(
        "/imports",
        data={
            "csrf_token": editor.csrf_token(),
            "entity": "parties",
            "action": "import",
            "file": csv_upload("name,kind\n" + rows),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    table = response.page.by_id("problems")
    assert table.rows()[0][:2] == ["10", "kind"]
    assert "Must be one of" in table.rows()[0][2]
    assert count_rows(Party) == 0


def test_imports_need_the_edit_permission_csrf_and_a_small_file(app, sign_in, monkeypatch):
    auditor = sign_in("auditor", "secret")
    assert auditor.get("/imports").status_code == 403
    editor = sign_in("editor", "secret")
    without_token = editor.post(
        "/imports",
        data={"entity": "parties", "file": csv_upload("name,kind\nA,state\n")},
        content_type="multipart/form-data",
    )
    assert without_token.status_code == 400
    monkeypatch.setattr(export_views, "WEB_IMPORT_MAX_BYTES", 100)
    big = editor.post(
        "/imports",
        data={
            "csrf_token": editor.csrf_token(),
            "entity": "parties",
            "file": csv_upload("name,kind\n" + "A,state\n" * 50),
        },
        content_type="multipart/form-data",
    )
    assert big.status_code == 413
    assert "larger than the 100 bytes an upload may be" in big.page.text
    latin = editor.post(
        "/imports",
        data={
            "csrf_token": editor.csrf_token(),
            "entity": "parties",
            "file": (io.BytesIO("name,kind\nÅland,state\n".encode("latin-1")), "p.csv"),
        },
        content_type="multipart/form-data",
    )
    assert latin.status_code == 422
    assert "not UTF-8 text" in latin.page.text
    assert count_rows(Party) == 0


def test_an_import_cannot_write_above_the_importers_clearance(app, sign_in):
    editor = sign_in("editor", "restricted")
    response = editor.post(
        "/imports",
        data={
            "csrf_token": editor.csrf_token(),
            "entity": "agreements",
            "action": "import",
            "file": csv_upload(
                "title,instrument_type,form,legal_nature,region,classification\n"
                "Secret pact,other,bilateral,treaty,global,secret\n",
                "agreements.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.page.by_id("problems").rows()[0][1] == "classification"
