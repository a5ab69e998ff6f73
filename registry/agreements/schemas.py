from marshmallow import ValidationError, validate, validates_schema

from registry.agreements.models import Agreement
from registry.core.enums import (
    AgreementForm,
    AgreementStatus,
    Classification,
    InstrumentType,
    LegalNature,
    Region,
    ReviewCadence,
    TreatyActionKind,
)
from registry.core.schemas import Choice, Day, EntitySchema, Period, Ref, Text, WholeNumber
from registry.parties.models import Party

REFERENCE_PATTERN = r"^AGR-\d{4}-\d{4,6}$"


class AgreementSchema(EntitySchema):
    reference = Text(
        max_length=20,
        validate=[validate.Regexp(REFERENCE_PATTERN, error="Must look like AGR-1949-0001.")],
    )
    title = Text(required=True, max_length=2000)
    short_title = Text(max_length=200)
    instrument_type = Choice(InstrumentType, required=True)
    form = Choice(AgreementForm, required=True)
    legal_nature = Choice(LegalNature, required=True)
    region = Choice(Region, required=True)
    status = Choice(AgreementStatus, load_default=AgreementStatus.DRAFT, allow_none=False)
    concluded_on = Day()
    entered_into_force_on = Day()
    expires_on = Day()
    terminated_on = Day()
    term = Period()
    extension_term = Period()
    extension_options_left = WholeNumber(maximum=100, load_default=0, allow_none=False)
    notice_min_in_force = Period()
    notice_period = Period()
    notice_to = Text(max_length=2000)
    review_cadence = Choice(ReviewCadence, load_default=ReviewCadence.NONE, allow_none=False)
    review_interval = Period()
    depositary = Text(max_length=2000)
    classification = Choice(Classification, load_default=Classification.PUBLIC, allow_none=False)
    summary = Text(max_length=20000)
    text_url = Text(max_length=2000, validate=[validate.URL(schemes={"http", "https"})])
    legal_authority = Text(max_length=5000)
    implementing_authority = Text(max_length=5000)
    published_on = Day()
    unts_volume = WholeNumber(minimum=1, maximum=100000)
    unts_page = WholeNumber(minimum=1, maximum=100000)
    un_registration_number = Text(max_length=32)
    national_citation = Text(max_length=2000)
    parent_id = Ref(Agreement, "agreement")
    source = Text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _dates_and_terms(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        concluded, in_force = data.get("concluded_on"), data.get("entered_into_force_on")
        for field, label in (("expires_on", "expiry"), ("terminated_on", "termination")):
            if data.get(field) and in_force and data[field] < in_force:
                errors.setdefault(field, []).append(
                    f"The {label} date cannot be before entry into force ({in_force})."
                )
        if in_force and concluded and in_force < concluded:
            errors.setdefault("entered_into_force_on", []).append(
                f"Entry into force cannot be before conclusion ({concluded})."
            )
        if data.get("review_cadence", ReviewCadence.NONE) != ReviewCadence.NONE and not data.get(
            "review_interval"
        ):
            errors.setdefault("review_interval", []).append(
                "Give the review interval (e.g. P5Y) for a periodic or on-request review."
            )
        if data.get("extension_options_left") and not data.get("extension_term"):
            errors.setdefault("extension_term", []).append(
                "Give the length of an extension (e.g. P5Y) when options are left."
            )
        if data.get("notice_min_in_force") and not data.get("notice_period"):
            errors.setdefault("notice_period", []).append(
                "Give the notice period when a minimum time in force before notice is set."
            )
        if data.get("published_on") and concluded and data["published_on"] < concluded:
            errors.setdefault("published_on", []).append(
                f"The text cannot be published before it was signed or concluded ({concluded})."
            )
        if data.get("unts_page") and not data.get("unts_volume"):
            errors.setdefault("unts_volume", []).append("Give the volume for a UNTS page.")
        if errors:
            raise ValidationError(errors)


class TreatyActionSchema(EntitySchema):
    agreement_id = Ref(Agreement, "agreement", required=True)
    party_id = Ref(Party, "party", required=True)
    kind = Choice(TreatyActionKind, required=True)
    deposited_on = Day()
    effective_on = Day(required=True)
    depositary_notification = Text(max_length=64)
    text = Text(max_length=50000)
    predecessor_id = Ref(Party, "party")
    source = Text(max_length=5000)

    @validates_schema(skip_on_field_errors=False)
    def _dates(self, data, **kwargs):
        kind, deposited, effective = (
            data.get("kind"),
            data.get("deposited_on"),
            data.get("effective_on"),
        )
        errors: dict[str, list[str]] = {}
        if (
            kind != TreatyActionKind.SUCCESSION
            and deposited
            and effective
            and effective < deposited
        ):
            errors["effective_on"] = [
                f"A {kind.label.lower() if kind else 'treaty action'} cannot take effect before it "
                f"is deposited ({deposited}); only a succession can."
            ]
        if kind == TreatyActionKind.WITHDRAWAL_NOTICE and not deposited:
            errors["deposited_on"] = ["Give the date the notice of withdrawal was deposited."]
        if data.get("predecessor_id"):
            if kind != TreatyActionKind.SUCCESSION:
                errors["predecessor_id"] = ["Only a succession names a predecessor."]
            elif data["predecessor_id"] == data.get("party_id"):
                errors["predecessor_id"] = ["A party cannot succeed itself."]
        if errors:
            raise ValidationError(errors)
