from registry.core.services import EntityService
from registry.parties.models import Party
from registry.parties.schemas import PartySchema


class PartyService(EntityService):
    model = Party
    schema = PartySchema
    noun = "party"
    unique_fields = ("name", "iso3")


parties = PartyService()
