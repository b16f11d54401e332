"""The roll's page forms (DESIGN.md 2.10) for the holder of `verify_members` of a unit's council
(its credentials committee): add a member, end a membership, move a member to another unit.
Each form carries the session's CSRF token; the service checks the capability in the act's own
transaction (services/roll_changes.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from dualpower.services import roll_changes
from dualpower.services.offices import Caller
from dualpower.web.deps import MemberVisiting
from dualpower.web.forms import Posting
from dualpower.web.texts_members import language, texts

pages = APIRouter(include_in_schema=False)


def _back(unit_id: int) -> RedirectResponse:
    return RedirectResponse(f"/units/{unit_id}/roll", status_code=303)


@pages.get("/units/{unit_id}/roll")
def roll_page(unit_id: int, page: MemberVisiting) -> Response:
    view = roll_changes.roll_view(page.system.uow(), unit_id, Caller(member_id=page.member_id))
    return page.render("roll/page.html", {"view": view, "t": texts(language(page.request))})


class RollAdd(BaseModel):
    """The fields of the form adding a member to the roll."""

    username: str = Field("", max_length=80)
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)


@pages.post("/units/{unit_id}/roll/add")
def roll_add(unit_id: int, form: Posting, added: Annotated[RollAdd, Form()]) -> Response:
    caller, uow = Caller(member_id=form.member_id), form.system.uow()
    email = added.email or None
    roll_changes.add_member(uow, added.username, added.name, unit_id, caller, email=email)
    return _back(unit_id)


@pages.post("/units/{unit_id}/roll/{member_id}/leave")
def roll_leave(unit_id: int, member_id: int, form: Posting) -> Response:
    roll_changes.end_membership(form.system.uow(), member_id, Caller(member_id=form.member_id))
    return _back(unit_id)


@pages.post("/units/{unit_id}/roll/{member_id}/move")
def roll_move(
    unit_id: int, member_id: int, form: Posting, to: Annotated[int, Form()] = 0
) -> Response:
    roll_changes.transfer(form.system.uow(), member_id, to, Caller(member_id=form.member_id))
    return _back(unit_id)
