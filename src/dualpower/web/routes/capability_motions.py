"""A council gives one of its offices a capability, or takes it back, by a motion it adopts
(DESIGN.md 2.9; services/capability_motions.py): the proposal, by the API or by the form of the
council's offices page; the council then decides it by roll-call in a session like any motion
(`/motions/{id}`), and its adoption changes the office's capabilities."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from dualpower.domain.errors import DomainError, InvalidRequest
from dualpower.domain.motions import Majority
from dualpower.services import capability_motions
from dualpower.web.deps import ApiMember, SystemDep
from dualpower.web.forms import Posting
from dualpower.web.openapi_answers import (
    BAD_CAPABILITY,
    HAS_CAPABILITY,
    NO_OFFICE,
    NOT_OFFICE_DEPUTY,
    motion_refusals,
)
from dualpower.web.routes import routers
from dualpower.web.routes.offices import _office_in, _page_refusal

api, pages = routers("offices")


class CapabilityMotionCreate(BaseModel):
    """Give the office `capability` (`gives` true, the default) or take it from the office
    (`gives` false). Any capability but keep_order (a session's stewards hold it), for example
    record_stance: its holder takes the council's stances on directives for it."""

    model_config = ConfigDict(extra="forbid")
    capability: str = Field(min_length=1, max_length=40)
    gives: bool = True
    majority: Majority = "simple"


class CapabilityMotionCreated(BaseModel):
    id: int


@api.post(
    "/offices/{office_id}/capability-motions",
    response_model=CapabilityMotionCreated,
    status_code=201,
    summary="Propose giving an office a capability, or taking it back",
    responses=motion_refusals(NOT_OFFICE_DEPUTY, NO_OFFICE, HAS_CAPABILITY, BAD_CAPABILITY),
)
def api_propose_capability(
    office_id: int, body: CapabilityMotionCreate, member: ApiMember, system: SystemDep
) -> CapabilityMotionCreated:
    """A deputy of the office's council puts the change to it (a motion); the council decides it
    by roll-call in a session, and its adoption changes the office's capabilities at once."""
    motion = capability_motions.propose_capability(
        system.uow(), member.id, office_id, body.capability, body.gives, body.majority
    )
    return CapabilityMotionCreated(id=motion)


class CapabilityMotionForm(BaseModel):
    """The page's form: `gives` is "0" to propose taking the capability away."""

    office_id: str = Field("", max_length=20)
    capability: str = Field("", max_length=40)
    gives: str = Field("1", max_length=5)


@pages.post("/councils/{council_id}/capability-motions")
def capability_motion_form(
    council_id: int, form: Posting, asked: Annotated[CapabilityMotionForm, Form()]
) -> Response:
    try:
        if not asked.office_id.strip().isdigit():
            raise InvalidRequest("choose an office of this council")
        office = _office_in(form.system, council_id, int(asked.office_id.strip()))
        gives = asked.gives != "0"
        motion = capability_motions.propose_capability(
            form.system.uow(), form.member_id, office, asked.capability.strip(), gives
        )
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return RedirectResponse(f"/motions/{motion}", status_code=303)
