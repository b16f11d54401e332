"""Structure changes by a council's motion (DESIGN.md 2.10): the proposal of a unit added, split,
merged or moved, or a council added. The council concerned (services/structure.py) then decides
it by its roll-call vote in a session, like any motion (`/motions/{id}`), and its adoption applies
the change. While founding the operator makes these changes (`dualpower structure ...`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dualpower.domain.motions import Majority
from dualpower.services import structure
from dualpower.web.deps import ApiMember, SystemDep
from dualpower.web.openapi_answers import (
    BAD_CHANGE,
    BLOCKED,
    NO_PART,
    NOT_CONCERNED,
    motion_refusals,
)
from dualpower.web.routes import api_router

api = api_router("sessions")


class StructureMotionCreate(BaseModel):
    """The change, as `dualpower structure` makes it: {"kind": "add_unit", "name", "unit_kind",
    "section", "council"}, {"kind": "split_unit", "unit", "name", "members": [usernames]},
    {"kind": "merge_units", "unit", "into"}, {"kind": "move_unit", "unit", "council"} or
    {"kind": "add_council", "name", "parent"}; units and councils by name or id."""

    model_config = ConfigDict(extra="forbid")
    change: dict[str, Any] = Field(min_length=1, max_length=6)
    majority: Majority = "simple"


class StructureMotionCreated(BaseModel):
    id: int


@api.post(
    "/structure-motions",
    response_model=StructureMotionCreated,
    status_code=201,
    summary="Propose a change of the federation's structure to the council concerned",
    responses=motion_refusals(NOT_CONCERNED, NO_PART, BLOCKED, BAD_CHANGE),
)
def api_propose_structure(
    body: StructureMotionCreate, member: ApiMember, system: SystemDep
) -> StructureMotionCreated:
    """A deputy of the council concerned (the new unit's council, the council of the unit split
    or merged, the lowest council over both for a move, the parent of a new council) puts the
    change to it; its adoption applies it. Seats are re-apportioned at each electorate's next
    election, and mandates stand until then."""
    motion_id = structure.propose_change(system.uow(), member.id, body.change, body.majority)
    return StructureMotionCreated(id=motion_id)
