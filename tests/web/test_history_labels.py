"""History and the audit trail name each changed field by its form's label, not its column."""

from __future__ import annotations

import pytest

from registry.core.entities import entity
from registry.extensions import db


def history(browser, url: str) -> str:
    return browser.get(url).page.by_id("history-heading").parent.text


def test_an_agreement_edited_on_its_page_shows_the_labels_of_its_fields(
    app, sign_in, make_agreement, make_party, make_action
):
    agreement = make_agreement(title="Treaty of Labels", concluded_on="1949-04-04")
    make_action(agreement, make_party(name="Norway", iso3="NOR"), "signature", "1949-04-04")
    db.session.commit()
    editor = sign_in("editor")
    response = editor.submit(
        f"/agreements/{agreement.id}/edit",
        {"concluded_on": "1949-04-05", "notice_to": "The depositary"},
    )
    assert response.status_code == 302, response.page.errors()

    text = history(editor, f"/agreements/{agreement.id}")
    assert "Signed or concluded on: 1949-04-04 → 1949-04-05" in text
    assert "Notice goes to: — → The depositary" in text
    # The treaty action under it: its own fields' labels, and its agreement by name.
    assert "Action: — → signature" in text
    assert "Takes effect on: — → 1949-04-04" in text
    assert f"Agreement: — → {agreement.id}" in text
    for column in ("concluded_on", "notice_to", "agreement_id", "effective_on", "kind:"):
        assert column not in text


def test_the_audit_trail_names_an_edited_agreements_fields_by_label_and_keeps_the_column(
    app, sign_in, make_agreement
):
    agreement = make_agreement(title="Treaty of Audited Labels", concluded_on="1949-04-04")
    db.session.commit()
    editor = sign_in("editor")
    response = editor.submit(f"/agreements/{agreement.id}/edit", {"concluded_on": "1949-04-05"})
    assert response.status_code == 302, response.page.errors()

    page = sign_in("auditor").get("/audit?action=update&entity_type=agreements").page
    (changes,) = [row[5] for row in page.main.rows() if f"agreements #{agreement.id}" in row[4]]
    assert "Signed or concluded on: 1949-04-04 → 1949-04-05" in changes
    assert "concluded_on" not in changes
    # The auditor still finds the column the change was stored under.
    names = {strong.text: strong.attrs.get("title") for strong in page.main.iter("strong")}
    assert names["Signed or concluded on"] == "concluded_on"


def form_fields():
    from registry.agreements.views import agreement_fields, treaty_action_fields
    from registry.authorizations.views import authorization_fields, rule_fields
    from registry.obligations.views import measurement_fields, obligation_fields
    from registry.oversight.views import body_fields, sitting_day_fields
    from registry.parties.views import party_fields
    from registry.reviews.views import review_fields
    from registry.users.views import user_fields

    return {
        "agreements": agreement_fields,
        "treaty_actions": treaty_action_fields,
        "authorizations": authorization_fields,
        "authorization_rules": rule_fields,
        "obligations": obligation_fields,
        "measurements": measurement_fields,
        "oversight_bodies": body_fields,
        "sitting_days": sitting_day_fields,
        "parties": party_fields,
        "reviews": review_fields,
        "users": user_fields,
    }


@pytest.mark.parametrize("name", list(form_fields()))
def test_history_and_the_forms_give_a_field_the_same_label(app, name):
    with app.test_request_context():
        fields = form_fields()[name]()
    described = entity(name)
    assert {field.name: described.label(field.name) for field in fields} == {
        field.name: field.label for field in fields
    }
