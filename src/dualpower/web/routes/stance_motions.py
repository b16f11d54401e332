"""A council's stance on a directive put to its vote (DESIGN.md 2.6, 2.9;
services/stance_motions.py): the proposal; the council decides it by roll-call in a session like
any motion (`/motions/{id}`), and its adoption takes the stance."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dualpower.domain.motions import Majority
from dualpower.services import register as reg
from dualpower.services import stance_motions
from dualpower.web.deps import ApiMember, SystemDep
from dualpower.web.openapi_answers import (
    NO_CONDITIONS,
    NO_COUNCIL_OR_DIRECTIVE,
    NOT_A_DEPUTY,
    motion_refusals,
)
from dualpower.web.routes import api_router

api = api_router("register")


class StanceMotionCreate(BaseModel):
    """The stance to put to the council: endorse, support_conditionally (with its
    `conditions`) or countermand (with its `counter_order`, if any)."""

    model_config = ConfigDict(extra="forbid")
    directive_id: int
    kind: Literal["endorse", "support_conditionally", "countermand"]
    conditions: str = Field(default="", max_length=5000)
    counter_order: str = Field(default="", max_length=5000)
    majority: Majority = "simple"


class StanceMotionCreated(BaseModel):
    id: int


@api.post(
    "/councils/{council_id}/stance-motions",
    response_model=StanceMotionCreated,
    status_code=201,
    summary="Put a stance on a directive to the council's vote",
    responses=motion_refusals(NOT_A_DEPUTY, NO_COUNCIL_OR_DIRECTIVE, NO_CONDITIONS),
)
def api_propose_stance(
    council_id: int, body: StanceMotionCreate, member: ApiMember, system: SystemDep
) -> StanceMotionCreated:
    """A deputy puts the council's stance on a directive to it (a motion); the council decides
    it by roll-call in a session, and its adoption takes the stance at once, superseding the
    council's current one. Returns the motion."""
    cmd = reg.TakeStance(
        body.directive_id, council_id, body.kind, body.conditions, body.counter_order
    )
    motion = stance_motions.propose_stance(system.uow(), member.id, cmd, body.majority)
    return StanceMotionCreated(id=motion)
