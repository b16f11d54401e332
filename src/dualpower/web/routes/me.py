"""The caller: their unit, their deputies level by level, their own mandates."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi.responses import Response

from dualpower.services import elections_views, page_views, views
from dualpower.web.deps import ApiMember, MemberVisiting, SystemDep
from dualpower.web.openapi_answers import LOGIN, refusals
from dualpower.web.routes import routers
from dualpower.web.schemas_listings import MeDetailPublic

api, pages = routers("members")


@api.get("/me", response_model=MeDetailPublic, responses=refusals(LOGIN))
def api_me(member: ApiMember, system: SystemDep) -> dict[str, Any]:
    """The logged-in member, their unit and their active mandates, and what they can do now:
    open elections they may vote in (soonest closing first), votes on motions they may cast,
    recall petitions they may sign, sessions of their councils not yet closed."""
    now = elections_views.can_do_now(system.reader(), member.id)
    return views.me(system.reader(), member.id) | {"can_do_now": asdict(now)}


@pages.get("/me")
def me_page(page: MemberVisiting) -> Response:
    found = page_views.me(page.system.reader(), page.member_id)
    return page.render("me/page.html", {"view": found.view, "now": found.now})
