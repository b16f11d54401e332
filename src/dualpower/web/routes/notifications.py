"""The caller's notifications: petitions against their deputies, recall votes, by-elections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dualpower.services import notify
from dualpower.web.deps import ApiMember, LoggedIn, SystemDep, render
from dualpower.web.schemas import NotificationPublic

api = APIRouter(tags=["notifications"])
pages = APIRouter(include_in_schema=False)


@api.get(
    "/notifications",
    response_model=list[NotificationPublic],
    responses={401: {"description": "Not logged in."}},
)
def api_notifications(member: ApiMember, system: SystemDep) -> list[dict[str, Any]]:
    """Your latest notifications, newest first (`is_read` as it was before this request);
    reading them marks them read."""
    return notify.inbox(system.uow(), member.id)


@pages.get("/notifications")
def notifications_page(request: Request, session: LoggedIn, system: SystemDep) -> Response:
    items = notify.inbox(system.uow(), session.member.id)
    return render(request, "notifications/page.html", {"items": items})
