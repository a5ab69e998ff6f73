"""Create, edit, archive and restore pages for any entity, built from its field list.

Views stay thin: load (404) → check access (403) → one service call → redirect, or re-render
the form with the user's input and the messages next to each field. The request commits
(registry/core/transaction.py); a failed change is already rolled back when the form shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import current_user

from registry.core.db import write_transaction
from registry.core.errors import Conflict, RuleViolation, ValidationFailed
from registry.core.permissions import Permission
from registry.core.services import EntityService
from registry.web.access import load_visible, requires
from registry.web.forms import Field, as_text, field_errors, submitted, values_of


@dataclass(frozen=True)
class Parent:
    """The record a new one is created under: its field, model, URL path and page."""

    field: str
    model: type
    path: str
    url_of: Callable[[object], str]


@dataclass
class Crud:
    blueprint: Blueprint
    noun: str
    model: type
    service: EntityService
    fields: Callable[[], list[Field]]
    url_of: Callable[[object], str]  # where a saved record is shown
    path: str  # e.g. "/treaty-actions"
    index_url: Callable[[], str] | None = None  # where "cancel" leads from a new record
    parent: Parent | None = None
    archivable: bool = True
    creatable: bool = True  # False when the entity needs its own create view (users)
    permission: Permission = Permission.EDIT
    archive_permission: Permission = Permission.ARCHIVE

    def register(self) -> None:
        """Add the routes; endpoints are named `<noun>_create`, `<noun>_edit`, and so on."""
        bp, key = self.blueprint, self.noun.replace(" ", "_")
        new_path = (
            f"{self.parent.path}/<int:parent_id>{self.path}/new"
            if self.parent
            else (f"{self.path}/new")
        )
        if self.creatable:
            bp.add_url_rule(new_path, f"{key}_create", self._create, methods=["GET", "POST"])
        bp.add_url_rule(
            f"{self.path}/<int:record_id>/edit", f"{key}_edit", self._edit, methods=["GET", "POST"]
        )
        if self.archivable:
            bp.add_url_rule(
                f"{self.path}/<int:record_id>/archive",
                f"{key}_archive",
                self._archive,
                methods=["GET", "POST"],
            )
            bp.add_url_rule(
                f"{self.path}/<int:record_id>/restore",
                f"{key}_restore",
                self._restore,
                methods=["POST"],
            )

    # --- views ---------------------------------------------------------------------------------

    @property
    def _create(self):
        @requires(self.permission)
        def create(parent_id: int | None = None):
            fields = self.fields()
            fixed = {}
            parent = None
            if self.parent:
                parent = load_visible(self.parent.model, parent_id)
                fixed[self.parent.field] = parent.id
            if request.method == "GET":
                values = {name: as_text(value) for name, value in request.args.items()}
                return self._form(fields, values, {}, parent=parent)
            data = {**submitted(fields), **fixed}
            try:
                with write_transaction():
                    created = self.service.create(current_user, data)
            except ValidationFailed as error:
                return self._form(
                    fields, data, field_errors(error.messages), parent=parent, status=422
                )
            except (RuleViolation, Conflict) as error:
                flash(str(error), "error")
                return self._form(fields, data, {}, parent=parent, status=409)
            flash(f"The {self.noun} was saved.", "success")
            return redirect(self.url_of(created))

        create.__name__ = f"create_{self.noun}"
        return create

    @property
    def _edit(self):
        @requires(self.permission)
        def edit(record_id: int):
            fields = self.fields()
            found = load_visible(self.model, record_id)
            if request.method == "GET":
                return self._form(fields, values_of(found, fields), {}, record=found)
            data = submitted(fields)
            version = request.form.get("version", type=int)
            try:
                with write_transaction():
                    self.service.update(current_user, found, data, expected_version=version)
            except ValidationFailed as error:
                return self._form(
                    fields, data, field_errors(error.messages), record=found, status=422
                )
            except Conflict:
                current = load_visible(self.model, record_id)
                stored = values_of(current, fields)
                changed = [
                    (field.label, stored.get(field.name, ""), as_text(data.get(field.name)))
                    for field in fields
                    if field.name in data
                    and stored.get(field.name, "") != as_text(data[field.name])
                ]
                return self._form(fields, data, {}, record=current, status=409, conflict=changed)
            except RuleViolation as error:
                flash(str(error), "error")
                return self._form(fields, data, {}, record=found, status=409)
            flash(f"The {self.noun} was saved.", "success")
            return redirect(self.url_of(found))

        edit.__name__ = f"edit_{self.noun}"
        return edit

    @property
    def _archive(self):
        @requires(self.archive_permission)
        def archive(record_id: int):
            found = load_visible(self.model, record_id)
            errors: dict[str, list[str]] = {}
            if request.method == "POST":
                try:
                    with write_transaction():
                        self.service.archive(
                            current_user, found, reason=request.form.get("reason", "")
                        )
                except ValidationFailed as error:
                    errors = field_errors(error.messages)
                except RuleViolation as error:
                    flash(str(error), "error")
                    return redirect(self.url_of(found))
                else:
                    flash(
                        f"The {self.noun} was archived. It stays on record and can be restored.",
                        "success",
                    )
                    return redirect(self.url_of(found))
            return render_template(
                "shared/archive.html",
                record=found,
                noun=self.noun,
                errors=errors,
                back=self.url_of(found),
                page_title=f"Archive {self.noun}",
            ), (422 if errors else 200)

        archive.__name__ = f"archive_{self.noun}"
        return archive

    @property
    def _restore(self):
        @requires(self.archive_permission)
        def restore(record_id: int):
            found = load_visible(self.model, record_id)
            try:
                with write_transaction():
                    self.service.restore(current_user, found)
                flash(f"The {self.noun} was restored.", "success")
            except RuleViolation as error:
                flash(str(error), "error")
            return redirect(self.url_of(found))

        restore.__name__ = f"restore_{self.noun}"
        return restore

    def _form(self, fields, values, errors, *, record=None, parent=None, status=200, conflict=None):
        title = f"Edit {self.noun}" if record is not None else f"New {self.noun}"
        if record is not None:
            cancel = self.url_of(record)
        elif parent is not None:
            cancel = self.parent.url_of(parent)
        else:
            cancel = self.index_url() if self.index_url else "/"
        values = {name: as_text(value) for name, value in values.items()}
        return render_template(
            "shared/form.html",
            fields=fields,
            values=values,
            errors=errors,
            record=record,
            parent=parent,
            noun=self.noun,
            conflict=conflict,
            page_title=title,
            cancel=cancel,
        ), status
