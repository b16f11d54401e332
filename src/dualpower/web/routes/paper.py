"""Votes on paper (DESIGN.md 2.9): the electoral commission enters a meeting's paper ballots
and a recall petition's signature sheets (services/paper.py), by the API or by the forms of its
pages `/elections/{id}/paper` and `/recalls/{id}/paper` (no script needed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import Response

from dualpower.domain import paper as sheets
from dualpower.domain.errors import DomainError
from dualpower.services import paper, views
from dualpower.web.deps import ApiMember, MemberVisiting, SystemDep, Visit
from dualpower.web.forms import Posting, form_page, refusal
from dualpower.web.openapi_answers import (
    BAD_SHEET,
    LOGIN,
    NO_ELECTION,
    NO_PETITION,
    NOT_ITS_COMMISSION,
    NOT_RECALL_COMMISSION,
    SIGNED_ONLINE,
    VOTED_ONLINE,
    refusals,
)
from dualpower.web.routes import routers
from dualpower.web.schemas import PetitionPublic
from dualpower.web.schemas_paper import (
    PaperBallotsCreate,
    PaperBallotsEntered,
    PaperDeskPublic,
    PaperEnterer,
    PaperSignaturesCreate,
)

api, pages = routers("elections")
SHEET = 400_000  # characters of one text box


@api.post(
    "/elections/{election_id}/paper-ballots",
    response_model=PaperBallotsEntered,
    status_code=201,
    summary="Enter a meeting's paper ballots",
    responses=refusals(LOGIN, NOT_ITS_COMMISSION, NO_ELECTION, VOTED_ONLINE, BAD_SHEET),
)
def api_paper_ballots(
    election_id: int, body: PaperBallotsCreate, member: ApiMember, system: SystemDep
) -> PaperBallotsEntered:
    """The electoral commission of the council the election belongs to (`run_election`; while
    nobody holds it, any of its deputies) enters the ballots cast on paper at a meeting, with
    the members who voted on paper: all or none. In an open election the i-th ballot is the
    i-th voter's; in a secret one they are not linked. Each entry is logged with who entered
    it; a member who voted online cannot be entered (409), nor vote online after."""
    cmd = paper.PaperBallots(election_id, body.voters, [b.candidates for b in body.ballots])
    entered = paper.enter_ballots(system.uow(), cmd, paper.Enterer(member.id))
    return PaperBallotsEntered(
        election_id=entered.election_id, ballots=entered.ballots, receipts=entered.receipts
    )


@api.post(
    "/recalls/{petition_id}/paper-signatures",
    response_model=PetitionPublic,
    summary="Enter a recall petition's paper signature sheet",
    responses=refusals(LOGIN, NOT_RECALL_COMMISSION, NO_PETITION, SIGNED_ONLINE, BAD_SHEET),
)
def api_paper_signatures(
    petition_id: int, body: PaperSignaturesCreate, member: ApiMember, system: SystemDep
) -> PetitionPublic:
    """The electoral commission of the council whose recall rule decides the petition enters
    the signatures collected on paper: all or none, each counted as if given alone (the one
    that reaches the threshold decides). Each is logged with who entered it."""
    cmd = paper.PaperSignatures(petition_id, body.members)
    state = paper.enter_signatures(system.uow(), cmd, paper.Enterer(member.id))
    return PetitionPublic.model_validate(state, from_attributes=True)


def _desk(view: paper.PaperView) -> PaperDeskPublic:
    return PaperDeskPublic(
        council_id=view.council_id,
        council_name=view.council_name,
        enterers=[PaperEnterer(id=m, name=name) for m, name in view.enterers],
        on_paper=view.on_paper,
    )


@api.get(
    "/elections/{election_id}/paper-ballots",
    response_model=PaperDeskPublic,
    summary="Who enters an election's paper ballots",
    responses=refusals(NO_ELECTION),
)
def api_paper_ballots_desk(election_id: int, system: SystemDep) -> PaperDeskPublic:
    """The members who may enter this election's paper ballots now (the electoral commission
    of its council; while none holds `run_election`, its deputies), and how many ballots were
    entered on paper so far."""
    return _desk(paper.election_view(system.reader(), election_id, None))


@api.get(
    "/recalls/{petition_id}/paper-signatures",
    response_model=PaperDeskPublic,
    summary="Who enters a recall petition's paper signatures",
    responses=refusals(NO_PETITION),
)
def api_paper_signatures_desk(petition_id: int, system: SystemDep) -> PaperDeskPublic:
    """The members who may enter this petition's paper signature sheets now (the electoral
    commission of the council whose recall rule decides it; while none holds `run_election`,
    its deputies), and how many signatures were entered on paper so far."""
    return _desk(paper.petition_view(system.reader(), petition_id, None))


# Pages


def _election_page(page: Visit, election_id: int, **extra: Any) -> Response:
    reader, viewer = page.system.reader, page.viewer
    context = {
        "election": views.election(reader(), election_id, viewer),
        "paper": paper.election_view(reader(), election_id, viewer),
        "error": None,
        "entered": None,
        "voters": "",
        "ballots": "",
    } | extra
    return form_page(page.request, "elections/paper.html", context)


@pages.get("/elections/{election_id}/paper")
def paper_ballots_page(election_id: int, page: MemberVisiting) -> Response:
    """The commission's form for a meeting's paper ballots."""
    return _election_page(page, election_id)


@pages.post("/elections/{election_id}/paper")
def paper_ballots_form(
    election_id: int,
    form: Posting,
    voters: Annotated[str, Form(max_length=SHEET)] = "",
    ballots: Annotated[str, Form(max_length=SHEET)] = "",
) -> Response:
    """Voters one per line (usernames or ids); ballots one per line (candidate numbers, first
    choice first)."""
    try:
        lines = [line for line in ballots.splitlines() if line.strip()]
        given = [sheets.ballot_line(line, f"ballot {n}") for n, line in enumerate(lines, 1)]
        cmd = paper.PaperBallots(election_id, sheets.member_lines(voters), given)
        entered = paper.enter_ballots(form.system.uow(), cmd, paper.Enterer(form.member_id))
    except DomainError as error:
        sheet = {"voters": voters, "ballots": ballots}
        return _election_page(form, election_id, **refusal(error), **sheet)
    return _election_page(form, election_id, entered=entered)


def _petition_page(page: Visit, petition_id: int, **extra: Any) -> Response:
    reader, viewer = page.system.reader, page.viewer
    context = {
        "petition": views.petition(reader(), petition_id, viewer),
        "paper": paper.petition_view(reader(), petition_id, viewer),
        "error": None,
        "entered": None,
        "members": "",
    } | extra
    return form_page(page.request, "recalls/paper.html", context)


@pages.get("/recalls/{petition_id}/paper")
def paper_signatures_page(petition_id: int, page: MemberVisiting) -> Response:
    """The commission's form for a petition's paper signature sheet."""
    return _petition_page(page, petition_id)


@pages.post("/recalls/{petition_id}/paper")
def paper_signatures_form(
    petition_id: int, form: Posting, members: Annotated[str, Form(max_length=SHEET)] = ""
) -> Response:
    """Members who signed on paper, one per line (usernames or ids)."""
    try:
        cmd = paper.PaperSignatures(petition_id, sheets.member_lines(members))
        state = paper.enter_signatures(form.system.uow(), cmd, paper.Enterer(form.member_id))
    except DomainError as error:
        return _petition_page(form, petition_id, **refusal(error), members=members)
    return _petition_page(form, petition_id, entered=state)
