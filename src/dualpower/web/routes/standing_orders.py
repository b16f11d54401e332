"""Standing orders changed by a council's motion (DESIGN.md 2.9): the proposal; the council
then decides it by its roll-call vote in a session, like any motion (`/motions/{id}`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dualpower.domain.motions import Majority
from dualpower.services import standing_orders
from dualpower.web.deps import ApiMember, SystemDep
from dualpower.web.openapi_answers import (
    BAD_STANDING_ORDER,
    NO_COUNCIL,
    NOT_A_DEPUTY,
    motion_refusals,
)
from dualpower.web.routes import api_router

api = api_router("sessions")


class StandingOrdersMotionCreate(BaseModel):
    """The rules to change and their new values: recall_rule, recall_trigger_bp,
    nominations_seconds, voting_seconds, session_vote_seconds, secret_elections,
    allows_secret_votes, initiative_threshold_bp, assembly_quorum_bp, pay_cap_scope,
    verified_only."""

    model_config = ConfigDict(extra="forbid")
    changes: dict[str, Any] = Field(min_length=1, max_length=20)
    majority: Majority = "simple"


class MotionCreated(BaseModel):
    id: int


@api.post(
    "/councils/{council_id}/standing-orders-motions",
    response_model=MotionCreated,
    status_code=201,
    summary="Propose a change of the council's standing orders",
    responses=motion_refusals(NOT_A_DEPUTY, NO_COUNCIL, BAD_STANDING_ORDER),
)
def api_propose_standing_orders(
    council_id: int, body: StandingOrdersMotionCreate, member: ApiMember, system: SystemDep
) -> MotionCreated:
    """A deputy puts a change of the council's standing orders to it (a motion); the council
    decides it by roll-call in a session, and its adoption applies the change at once."""
    motion_id = standing_orders.propose_standing_orders(
        system.uow(), member.id, council_id, body.changes, body.majority
    )
    return MotionCreated(id=motion_id)
