"""The federation's directory in the API (issue 25): its base units and its factions."""

from __future__ import annotations

from dualpower.services import listings
from dualpower.web.deps import SystemDep
from dualpower.web.pagination import Paged
from dualpower.web.routes import api_router
from dualpower.web.schemas_listings import FactionListedPublic, UnitListedPublic

api = api_router("councils")


@api.get("/units", response_model=list[UnitListedPublic], summary="List the base units")
def api_units(system: SystemDep, page: Paged) -> list[listings.UnitListed]:
    """Every base unit, by id: its kind and section, the council it elects deputies to, and
    the number of members on its roll now."""
    return page.of(listings.units(system.reader()))


@api.get("/factions", response_model=list[FactionListedPublic], summary="List the factions")
def api_factions(system: SystemDep, page: Paged) -> list[listings.FactionListed]:
    """Every faction, by id, with the seats its deputies hold now in all councils."""
    return page.of(listings.factions(system.reader()))
