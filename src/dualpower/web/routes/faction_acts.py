"""A faction registers by its members' act (DESIGN.md 2.10): register one, join one, leave it
(API; the page forms are in discussion_pages.py beside the factions' pages)."""

from __future__ import annotations

from fastapi import Response

from dualpower.services import factions
from dualpower.web.deps import ApiMember, SystemDep
from dualpower.web.openapi_answers import (
    BAD_FACTION_FIELD,
    FACTION_NAME_TAKEN,
    LOGIN,
    NO_FACTION,
    NOT_A_FACTION_MEMBER,
    ON_NO_ROLL,
    Answers,
    refusals,
)
from dualpower.web.routes import api_router
from dualpower.web.schemas_factions import FactionCreate, FactionCreated, FactionJoined

api = api_router("councils")
REFUSED: Answers = refusals(LOGIN, ON_NO_ROLL, FACTION_NAME_TAKEN, BAD_FACTION_FIELD)


@api.post(
    "/factions",
    status_code=201,
    response_model=FactionCreated,
    responses=REFUSED,
    summary="Register a faction",
)
def api_register(body: FactionCreate, member: ApiMember, system: SystemDep) -> FactionCreated:
    """Register a new faction; the caller is its first member. A faction with no seat may
    publish its platform by any of its members."""
    faction_id = factions.register_faction(
        system.uow(), member.id, body.name, body.short, body.colour
    )
    return FactionCreated(id=faction_id)


@api.post(
    "/factions/{faction_id}/members",
    status_code=201,
    response_model=FactionJoined,
    responses=REFUSED | refusals(LOGIN, NO_FACTION),
    summary="Join a faction",
)
def api_join(faction_id: int, member: ApiMember, system: SystemDep) -> FactionJoined:
    """Join a faction (once)."""
    factions.join_faction(system.uow(), member.id, faction_id)
    return FactionJoined(faction_id=faction_id, member_id=member.id)


@api.delete(
    "/factions/{faction_id}/members",
    status_code=204,
    responses=refusals(LOGIN, NO_FACTION, NOT_A_FACTION_MEMBER),
    summary="Leave a faction",
)
def api_leave(faction_id: int, member: ApiMember, system: SystemDep) -> Response:
    """Leave a faction; a deputy's mandate keeps the faction it was won for."""
    factions.leave_faction(system.uow(), member.id, faction_id)
    return Response(status_code=204)
