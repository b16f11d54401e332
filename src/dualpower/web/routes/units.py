"""Base units and their rolls (the roll only to its members and the deputies of its councils:
the councils on the path from the unit's base council up to the chief)."""

from __future__ import annotations

from fastapi.responses import Response

from dualpower.services import views, views_sessions
from dualpower.web.deps import ApiMember, SystemDep, Visiting
from dualpower.web.openapi_answers import LOGIN, NO_UNIT, NOT_OF_THE_UNIT, refusals
from dualpower.web.routes import routers
from dualpower.web.schemas import MemberPublic

api, pages = routers("units")


@api.get(
    "/units/{unit_id}/members",
    response_model=list[MemberPublic],
    responses=refusals(LOGIN, NOT_OF_THE_UNIT, NO_UNIT),
)
def api_unit_members(unit_id: int, member: ApiMember, system: SystemDep) -> list[views.MemberRef]:
    """The unit's roll, to its members and to the deputies of the councils on the path from its
    base council up to the chief council."""
    return views.unit_members(system.reader(), unit_id, member.id)


@pages.get("/units/{unit_id}")
def unit_page(unit_id: int, page: Visiting) -> Response:
    unit = views.unit(page.system.reader(), unit_id, page.viewer)
    draft = views_sessions.draft_form(page.system.reader(), page.viewer, unit_id=unit_id)
    return page.render("units/page.html", {"unit": unit, "draft": draft})
