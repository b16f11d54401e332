"""The caller's notifications: petitions against their deputies, recall votes, by-elections.
Reading them changes nothing; marking them read is its own request (a POST, with CSRF on pages)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import RedirectResponse, Response

from dualpower.services import notify
from dualpower.web.deps import ApiMember, MemberVisiting, SystemDep
from dualpower.web.forms import Posting
from dualpower.web.openapi_answers import LOGIN, refusals
from dualpower.web.routes import routers
from dualpower.web.schemas import MarkedPublic, MarkRead, NotificationPublic
from dualpower.web.texts_notifications import subject

api, pages = routers("notifications")


@api.get(
    "/notifications",
    response_model=list[NotificationPublic],
    responses=refusals(LOGIN),
)
def api_notifications(member: ApiMember, system: SystemDep) -> list[dict[str, Any]]:
    """Your latest notifications, newest first. Reading them does not mark them read."""
    return notify.inbox(system.reader(), member.id)


@api.post(
    "/notifications/read",
    response_model=MarkedPublic,
    responses=refusals(LOGIN),
)
def api_mark_read(body: MarkRead, member: ApiMember, system: SystemDep) -> dict[str, int]:
    """Mark your notifications read, up to `up_to` (the newest you have seen) when given."""
    return {"marked": notify.mark_read(system.uow(), member.id, body.up_to)}


@pages.get("/notifications")
def notifications_page(page: MemberVisiting) -> Response:
    items = notify.inbox(page.system.reader(), page.member_id)
    said = {n["id"]: subject(str(n["subject"]), n["about"]) for n in items}  # page's language
    return page.render("notifications/page.html", {"items": items, "said": said})


@pages.post("/notifications/read")
def mark_read_form(form: Posting, up_to: Annotated[int | None, Form(ge=1)] = None) -> Response:
    notify.mark_read(form.system.uow(), form.member_id, up_to)
    return RedirectResponse("/notifications", status_code=303)
