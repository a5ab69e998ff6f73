from registry.agreements.models import Agreement
from registry.authorizations.models import Authorization
from registry.authorizations.schemas import AuthorizationSchema
from registry.core.access import inherit_classification
from registry.core.services import EntityService
from registry.extensions import db
from registry.users.models import User


class AuthorizationService(EntityService):
    model = Authorization
    schema = AuthorizationSchema
    noun = "authorisation step"
    immutable_fields = ("agreement_id",)

    def prepare(self, values, existing, actor):
        if existing is None and isinstance(actor, User):
            values["recorded_by_id"] = actor.id
        agreement = db.session.get(Agreement, values["agreement_id"])
        return inherit_classification(values, agreement, self.noun)


authorizations = AuthorizationService()
