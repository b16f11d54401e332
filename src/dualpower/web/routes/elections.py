"""Elections: the list, one election with its candidates, casting a ballot, the result."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from dualpower.domain.errors import BadCredentials, DomainError, InvalidRequest, NotFound
from dualpower.services import ballot_batch, cycle, elections, page_views, views
from dualpower.web.deps import (
    CSRF_FIELD,
    ApiMember,
    ApiToken,
    MemberVisiting,
    SystemDep,
    Visit,
    Visiting,
    check_csrf,
    unauthenticated,
)
from dualpower.web.forms import Posting, form_page, refusal
from dualpower.web.guards import MAX_ID, TOO_LARGE_AN_ID
from dualpower.web.live import broadcaster, event_stream
from dualpower.web.openapi_answers import (
    CANDIDATE_ALREADY,
    ELECTION_OPEN,
    ELECTION_STILL_OPEN,
    EVENT_STREAM,
    LOGIN,
    NO_ELECTION,
    NO_ELECTORATE,
    NOT_AN_ELECTOR,
    NOT_THE_COMMISSION,
    UNKNOWN_METHOD,
    VOTED_ALREADY,
    WRITES_LIMITED,
    refusals,
)
from dualpower.web.pagination import Paged
from dualpower.web.routes import routers
from dualpower.web.schemas import (
    BallotCreate,
    CandidateCreate,
    CandidateCreated,
    ElectionCreated,
    ElectionDetailPublic,
    ElectionPublic,
    GeneralElectionCreate,
    PublishedBallot,
    ReceiptPublic,
    ResultPublic,
)

api, pages = routers("elections")
NOT_FOUND = refusals(NO_ELECTION)
STILL_OPEN = NOT_FOUND | refusals(ELECTION_STILL_OPEN)


@api.get("/elections", response_model=list[ElectionPublic])
def api_elections(
    system: SystemDep,
    page: Paged,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
) -> list[views.ElectionView]:
    """Elections, newest first; `status=closed` includes published ones. Each names the
    council and the unit it is for, when it opened and when it closes (or closed)."""
    return page.of(views.elections(system.reader(), status))


@api.post(
    "/councils/{council_id}/elections",
    response_model=ElectionCreated,
    status_code=201,
    summary="Open a general election of a council's seats",
    responses=refusals(LOGIN, NOT_THE_COMMISSION, NO_ELECTORATE, ELECTION_OPEN, UNKNOWN_METHOD),
)
def api_open_election(
    council_id: int, body: GeneralElectionCreate, member: ApiMember, system: SystemDep
) -> ElectionCreated:
    """Open a general election of the seats an electorate (a base unit, or a lower council)
    holds in this council: for its electoral commission (`run_election`; while nobody holds
    it, any of its deputies). Nominations and voting windows follow the standing orders."""
    cmd = cycle.GeneralElection(
        council_id, body.electorate.kind, body.electorate.id, body.method, body.is_secret
    )
    return ElectionCreated(id=cycle.open_general(system.uow(), cmd, member.id))


@api.get("/elections/{election_id}", response_model=ElectionDetailPublic, responses=NOT_FOUND)
def api_election(election_id: int, system: SystemDep) -> views.ElectionDetail:
    return views.election(system.reader(), election_id)


@api.post(
    "/elections/{election_id}/ballots",
    response_model=ReceiptPublic,
    status_code=201,
    responses=refusals(LOGIN, NOT_AN_ELECTOR, NO_ELECTION, VOTED_ALREADY, WRITES_LIMITED),
)
async def api_cast(
    election_id: int, ballot: BallotCreate, token: ApiToken, request: Request
) -> Response:
    """Cast a ballot: `{"ranking": [...]}` for irv and stv-*, `{"choices": [...]}` for
    plurality, block and approval. Keep the receipt to check the published ballots.

    The token, the rate limits and the ballot are checked and the ballot written together with
    the ballots of other requests arriving meanwhile, in one transaction; the answer comes after
    its commit (services/ballot_batch.py). A write like any other: 429 past
    DUALPOWER_LIMIT_API_WRITES or DUALPOWER_LIMIT_BALLOTS."""
    if election_id > MAX_ID:  # refused here: in the writer's batch it would fail every ballot
        raise NotFound(TOO_LARGE_AN_ID)
    cast = ballot_batch.BallotRequest(token, election_id, ballot.choices, ballot.ranking)
    try:
        receipt = await ballot_batch.writer_for(request.app.state).cast(cast)
    except BadCredentials as refused:
        raise unauthenticated(refused.message) from None
    # Built here rather than validated against ReceiptPublic (which documents it in OpenAPI):
    # its one field is the receipt string, and this is the busiest route of an election.
    return JSONResponse({"receipt": receipt}, status_code=201)


@api.get(
    "/elections/{election_id}/ballots",
    response_model=list[PublishedBallot],
    responses=STILL_OPEN,
)
def api_ballots(election_id: int, system: SystemDep) -> list[views.PublishedBallotView]:
    """Every ballot, published at the close: find yours by its receipt to check it was counted
    as cast. A secret ballot names no voter; an open ballot names its voter."""
    return views.published_ballots(system.reader(), election_id, while_open="refuse")


@api.get(
    "/elections/{election_id}/result",
    response_model=ResultPublic,
    responses=STILL_OPEN,
)
def api_result(election_id: int, system: SystemDep) -> views.ElectionResultView:
    """The count round by round; rounds name candidates by their id (as text)."""
    return views.election_result(system.reader(), election_id)


def _stand(system: SystemDep, election_id: int, member_id: int, faction_id: int | None) -> int:
    if faction_id is not None and not views.faction_exists(system.reader(), faction_id):
        raise InvalidRequest(f"there is no faction {faction_id}")
    actor = str(member_id)
    return elections.nominate(system.uow(), election_id, member_id, faction_id, actor)


@api.post(
    "/elections/{election_id}/candidates",
    response_model=CandidateCreated,
    status_code=201,
    responses=refusals(LOGIN, NOT_AN_ELECTOR, NO_ELECTION, CANDIDATE_ALREADY),
)
def api_stand(
    election_id: int, body: CandidateCreate, member: ApiMember, system: SystemDep
) -> CandidateCreated:
    """Stand yourself as a candidate in an open election of your electorate (a by-election,
    say), for a faction or none."""
    return CandidateCreated(id=_stand(system, election_id, member.id, body.faction_id))


@api.get(
    "/elections/{election_id}/events",
    response_class=Response,
    responses=EVENT_STREAM | NOT_FOUND,
)
def api_events(election_id: int, request: Request, system: SystemDep) -> Response:
    """Server-sent events: `turnout` with how many have voted of how many electors, then at
    each ballot (coalesced), until the election closes. Never who voted or how."""

    def read() -> dict[str, Any]:
        return views.turnout(system.reader(), election_id)

    read()  # 404 before the stream starts
    stream = broadcaster(request).frames(
        ("election", election_id),
        "turnout",
        read,
        lambda s: s["status"] != "open",
        shared=True,  # counts only: the same for every viewer
    )
    return event_stream(stream)


def _page(page: Visit, election_id: int, **extra: Any) -> Response:
    found = page_views.election(page.system.reader(), election_id, page.viewer)  # one snapshot
    context = {
        "election": found.election,
        "result": found.result,
        "ballots": found.ballots,
        "may_enter_paper": found.may_enter_paper,
        "receipt": None,
        "checked": None,
        "error": None,
    } | extra
    return form_page(page.request, "elections/page.html", context)


@pages.get("/elections/{election_id}")
def election_page(election_id: int, page: Visiting) -> Response:
    return _page(page, election_id)


RANK_FIELD = "rank_"  # rank_<candidate id> = 1, 2, ... (blank: not ranked)


def ranking_from_form(form: dict[str, str]) -> list[int]:
    """A ranked ballot from one select per candidate: candidates by the rank given, first
    first. Two candidates given the same rank is refused; gaps are closed up."""
    ranks: dict[int, int] = {}
    for name, value in form.items():
        if not name.startswith(RANK_FIELD) or not value.strip():
            continue
        try:
            candidate, rank = int(name.removeprefix(RANK_FIELD)), int(value)
        except ValueError:
            raise InvalidRequest("a rank is a whole number, 1 for your first choice") from None
        if rank < 1:
            raise InvalidRequest("a rank is a whole number, 1 for your first choice")
        if rank in ranks.values():
            raise InvalidRequest(f"two candidates share choice {rank}: give each its own rank")
        ranks[candidate] = rank
    return sorted(ranks, key=lambda c: ranks[c])


@pages.post("/elections/{election_id}/ballot")
async def election_vote(election_id: int, page: MemberVisiting) -> Response:
    """The ballot form. Ranked methods send one `rank_<candidate>` select per candidate (or,
    without them, `choice` once per rank, first preference first); the others, and recall
    votes (1 recall, 0 keep), send one `choice` per ticked box or the chosen radio."""
    form = await page.request.form()
    check_csrf(page.session.csrf_token, str(form.get(CSRF_FIELD, "")))
    try:
        fields = {k: str(v) for k, v in form.items()}
        picked = ranking_from_form(fields)
        if not picked:
            picked = [int(str(c)) for c in form.getlist("choice") if str(c).strip()]
        receipt = await run_in_threadpool(
            elections.cast_ballot, page.system.uow(), election_id, page.member_id, picked
        )
    except ValueError:
        error = InvalidRequest("a choice is not a candidate in this election")
        return await run_in_threadpool(_page, page, election_id, error=error.message, status=422)
    except DomainError as error:
        return await run_in_threadpool(_page, page, election_id, **refusal(error))
    # The receipt is shown in this answer, never put in a URL (access logs would link it to the
    # voter's address).
    return await run_in_threadpool(_page, page, election_id, receipt=receipt)


@pages.post("/elections/{election_id}/candidates")
def election_stand(
    election_id: int, form: Posting, faction_id: Annotated[str, Form()] = ""
) -> Response:
    """Stand in this election (the by-election for a recalled deputy's seat, say)."""
    try:
        faction = int(faction_id) if faction_id.strip() else None
        _stand(form.system, election_id, form.member_id, faction)
    except ValueError:
        return _page(form, election_id, error="choose a faction or none", status=422)
    except DomainError as error:
        return _page(form, election_id, **refusal(error))
    return RedirectResponse(f"/elections/{election_id}#candidates", status_code=303)


@pages.post("/elections/{election_id}/receipt")
def election_receipt(
    election_id: int, page: Visiting, receipt: Annotated[str, Form(max_length=80)] = ""
) -> Response:
    """Find a ballot in the published list by its receipt code. A form post, not a link: the
    code stays out of URLs and access logs."""
    code = receipt.strip().lower()
    ballots = views.published_ballots(page.system.reader(), election_id)
    found = next((b for b in ballots if b["receipt"] == code), None)
    return _page(page, election_id, checked={"receipt": code, "ballot": found})
