"""The page form that puts a motion (the API's POST /motions): a member in their own unit's
assembly, a deputy in their council; a secret ballot where standing orders allow it (DESIGN.md
2.8, 2.11). The form is shown on the unit's page and on the council's sessions page
(templates/sessions/_draft_form.html)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from dualpower.services import motions
from dualpower.web.forms import Posting

pages = APIRouter(include_in_schema=False)


@pages.post("/motions")
def draft_motion_form(
    form: Posting,
    unit_id: Annotated[int | None, Form()] = None,
    council_id: Annotated[int | None, Form()] = None,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    majority: Annotated[str, Form()] = "simple",
    is_secret: Annotated[bool, Form()] = False,
) -> Response:
    cmd = motions.DraftMotion(unit_id, council_id, title, text, majority, is_secret=is_secret)
    motion_id = motions.draft_motion(form.system.uow(), form.member_id, cmd)
    return RedirectResponse(f"/motions/{motion_id}", status_code=303)
