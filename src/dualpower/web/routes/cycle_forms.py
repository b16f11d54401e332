"""The council page's form to open a general election of an electorate's seats (DESIGN.md 2.9;
the API is `POST /api/v1/councils/{id}/elections`, web/routes/elections.py): for the council's
electoral commission, or any of its deputies while nobody holds `run_election`. No script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from dualpower.domain.errors import InvalidRequest
from dualpower.services import cycle
from dualpower.web.forms import Posting

pages = APIRouter(include_in_schema=False)
SECRECY = {"": None, "secret": True, "open": False}


@pages.post("/councils/{council_id}/elections")
def open_general_form(
    council_id: int,
    form: Posting,
    electorate: Annotated[str, Form(max_length=40)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
    secrecy: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """`electorate` is `unit:ID` or `council:ID`; `method` empty for the council's seat
    method; `secrecy` empty for the standing orders', or `secret` / `open`."""
    kind, _, source = electorate.partition(":")
    if kind not in ("unit", "council") or not source.isdigit() or secrecy not in SECRECY:
        raise InvalidRequest("choose whose seats the election fills")
    cmd = cycle.GeneralElection(council_id, kind, int(source), method or None, SECRECY[secrecy])
    election_id = cycle.open_general(form.system.uow(), cmd, form.member_id)
    return RedirectResponse(f"/elections/{election_id}", status_code=303)
