"""The structure page of a council (DESIGN.md 2.10): forms, working without JavaScript, by which
a deputy of the council concerned proposes a unit added, split, merged or moved, or a council
added — the API's POST /structure-motions, through the same service (services/structure.py),
which decides the council concerned and refuses anyone not its deputy. Each form carries the
session's CSRF token; a refusal is the error page with its status and sentence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from dualpower.services import structure
from dualpower.web.deps import MemberVisiting
from dualpower.web.forms import Posting

pages = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=4000)]


@pages.get("/councils/{council_id}/structure")
def structure_page(council_id: int, page: MemberVisiting) -> Response:
    view = structure.form_view(page.system.uow(), council_id, page.member_id)
    return page.render("councils/structure.html", {"view": view})


@pages.post("/councils/{council_id}/structure")
def structure_propose(
    council_id: int,
    form: Posting,
    kind: Annotated[str, Form(max_length=40)] = "",
    name: Field = "",
    unit_kind: Field = "",
    section: Field = "",
    unit: Field = "",
    into: Field = "",
    council: Field = "",
    parent: Field = "",
    members: Field = "",
    majority: Annotated[str, Form(max_length=40)] = "simple",
) -> Response:
    """The change goes to the council concerned, which may be another than this page's (a move
    between two councils is decided by the lowest council over both)."""
    fields = {
        "name": name,
        "unit_kind": unit_kind,
        "section": section,
        "unit": unit,
        "into": into,
        "council": council,
        "parent": parent,
        "members": members,
    }
    change = structure.change_from_form(kind, fields)
    motion_id = structure.propose_change(form.system.uow(), form.member_id, change, majority)
    return RedirectResponse(f"/motions/{motion_id}", status_code=303)
