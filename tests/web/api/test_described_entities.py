"""An entity described in a test, and nowhere else, gets its API resource and documentation."""

from __future__ import annotations

import pytest
from marshmallow import Schema, fields, validate
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from registry import create_app
from registry.core.db import Archivable, Base, Versioned
from registry.core.entities import Entity, register, unregister
from registry.core.filters import ListFilters, search_text, sort_by
from registry.core.services import EntityService
from registry.extensions import db


class Gadget(Versioned, Archivable, Base):
    """A throwaway kind of record, known to no module of the registry."""

    __tablename__ = "test_gadgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    size: Mapped[int] = mapped_column()


# Defined, the table joins the models' metadata: take it out again at once, so that the
# suite's other tests (emptying every table, comparing models and migrations) never see it.
Base.metadata.remove(Gadget.__table__)


class GadgetSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    size = fields.Integer(required=True, validate=validate.Range(0, 1000))


class GadgetService(EntityService):
    model = Gadget
    schema = GadgetSchema
    noun = "gadget"
    unique_fields = ("name",)


class GadgetFilters(ListFilters):
    model = Gadget
    sorts = {"name": Gadget.name, "size": Gadget.size}
    text_columns = (Gadget.name,)
    equal_to = {"size": "size"}

    q = search_text()
    size = fields.Integer()
    sort = sort_by(sorts, "name")


GADGETS = Entity(
    name="test_gadgets",
    model=Gadget,
    service=GadgetService(),
    filters=GadgetFilters,
    api_path="gadgets",
)


@pytest.fixture
def gadget_app(app):
    """An app made after the gadgets were described, over the suite's database."""
    register(GADGETS)
    Gadget.__table__.create(db.engine)
    try:
        made = create_app({"TESTING": True, "LOGIN_FAILURE_DELAY": 0})
        with made.app_context():
            yield made
            db.session.rollback()
            db.session.remove()
    finally:
        unregister(GADGETS.name)
        db.session.rollback()
        Gadget.__table__.drop(db.engine)


def test_a_described_entity_is_listed_created_and_documented(gadget_app, api_as, new_client):
    caller = api_as("editor")
    client = new_client(gadget_app)
    client.environ_base.update(caller.environ_base)

    created = client.post("/api/v1/gadgets", json={"name": "Sprocket", "size": 3})
    assert created.status_code == 201, created.get_json()
    assert created.headers["ETag"] == '"v1"'
    client.post("/api/v1/gadgets", json={"name": "Flange", "size": 7})

    listed = client.get("/api/v1/gadgets").get_json()
    assert [item["name"] for item in listed["items"]] == ["Flange", "Sprocket"]
    assert listed["total"] == 2
    assert client.get("/api/v1/gadgets?q=sprock").get_json()["total"] == 1
    assert client.get("/api/v1/gadgets?size=7").get_json()["items"][0]["name"] == "Flange"
    refused = client.get("/api/v1/gadgets?colour=red")
    assert refused.status_code == 400 and "colour" in refused.get_json()["errors"]
    invalid = client.post("/api/v1/gadgets", json={"name": "", "size": 3})
    assert invalid.status_code == 422

    document = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(document["paths"]["/api/v1/gadgets"])
    parameters = {p["name"] for p in document["paths"]["/api/v1/gadgets"]["get"]["parameters"]}
    assert {"q", "size", "sort", "order", "page", "per_page"} <= parameters


def test_the_same_description_makes_it_exportable_and_importable(
    gadget_app, api_as, new_client, tmp_path
):
    caller = api_as("editor")
    client = new_client(gadget_app)
    client.environ_base.update(caller.environ_base)
    for name, size in (("Sprocket", 3), ("Flange", 7)):
        assert client.post("/api/v1/gadgets", json={"name": name, "size": size}).status_code == 201
    runner = gadget_app.test_cli_runner()
    exported = tmp_path / "gadgets.csv"

    result = runner.invoke(
        args=["export", "test_gadgets", "--clearance", "secret", "--output", str(exported)]
    )
    assert result.exit_code == 0, result.output
    header, *rows = exported.read_text(encoding="utf-8-sig").splitlines()
    columns = header.split(",")
    assert {"id", "name", "size"} <= set(columns)
    assert sorted(row.split(",")[columns.index("name")] for row in rows) == ["Flange", "Sprocket"]

    # Gadgets carry no creation time: a dated export is refused, and writes no file.
    dated = tmp_path / "dated.csv"
    result = runner.invoke(
        args=["export", "test_gadgets", "--since", "2020-01-01", "--output", str(dated)]
    )
    assert result.exit_code != 0 and "no creation time" in result.output
    assert not dated.exists()

    with gadget_app.app_context():
        db.session.execute(Gadget.__table__.delete())
        db.session.commit()
    assert client.get("/api/v1/gadgets").get_json()["total"] == 0

    result = runner.invoke(args=["import", "test_gadgets", str(exported)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    listed = client.get("/api/v1/gadgets").get_json()
    assert {(item["name"], item["size"]) for item in listed["items"]} == {
        ("Sprocket", 3),
        ("Flange", 7),
    }

    bad = tmp_path / "bad.csv"
    bad.write_text("name,size\nWidget,huge\n", encoding="utf-8")
    result = runner.invoke(args=["import", "test_gadgets", str(bad)])
    assert result.exit_code != 0
    assert "row 1, size: Not a valid integer." in result.output
    assert client.get("/api/v1/gadgets").get_json()["total"] == 2
