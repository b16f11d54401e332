"""The council page's form to open a general election of an electorate's seats (DESIGN.md 2.9;
the API is `POST /api/v1/councils/{id}/elections`, web/routes/elections.py): for the council's
electoral commission, or any of its deputies while nobody holds `run_election`. No script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from dualpower.domain.errors import InvalidRequest
from dualpower.services import cycle
from dualpower.web.forms import Posting

pages = APIRouter(include_in_schema=False)
SECRECY = {"": None, "secret": True, "open": False}


class GeneralElectionForm(BaseModel):
    """`electorate` is `unit:ID` or `council:ID`; `method` empty for the council's seat
    method; `secrecy` empty for the standing orders', or `secret` / `open`."""

    electorate: str = Field("", max_length=40)
    method: str = Field("", max_length=20)
    secrecy: str = Field("", max_length=10)


@pages.post("/councils/{council_id}/elections")
def open_general_form(
    council_id: int, form: Posting, asked: Annotated[GeneralElectionForm, Form()]
) -> Response:
    kind, _, source = asked.electorate.partition(":")
    if kind not in ("unit", "council") or not source.isdigit() or asked.secrecy not in SECRECY:
        raise InvalidRequest("choose whose seats the election fills")
    secrecy, method = SECRECY[asked.secrecy], asked.method or None
    cmd = cycle.GeneralElection(council_id, kind, int(source), method, secrecy)
    election_id = cycle.open_general(form.system.uow(), cmd, form.member_id)
    return RedirectResponse(f"/elections/{election_id}", status_code=303)
