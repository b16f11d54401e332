"""Elections: the list, one election with its candidates, casting a ballot, the result."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from dualpower.domain.errors import DomainError, InvalidRequest, NotFound
from dualpower.services import elections, views
from dualpower.web.deps import (
    CSRF_FIELD,
    ApiMember,
    LoggedIn,
    Session,
    SystemDep,
    check_csrf,
    render,
)
from dualpower.web.errors import status_of
from dualpower.web.schemas import (
    BallotCreate,
    ElectionDetailPublic,
    ElectionPublic,
    ReceiptPublic,
    ResultPublic,
)

api = APIRouter(tags=["elections"])
pages = APIRouter(include_in_schema=False)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such election."}}


@api.get("/elections", response_model=list[ElectionPublic])
def api_elections(
    system: SystemDep, status: Annotated[Literal["open", "closed"] | None, Query()] = None
) -> list[dict[str, Any]]:
    """Elections, newest first; `status=closed` includes published ones."""
    return views.elections(system.reader(), status)


@api.get("/elections/{election_id}", response_model=ElectionDetailPublic, responses=NOT_FOUND)
def api_election(election_id: int, system: SystemDep) -> dict[str, Any]:
    return views.election(system.reader(), election_id)


def _choices(method: str, ballot: BallotCreate) -> list[int]:
    ranked = method in elections.RANKED
    wanted, given = ("ranking", ballot.ranking) if ranked else ("choices", ballot.choices)
    other = ballot.choices if ranked else ballot.ranking
    if given is None or other is not None:
        raise InvalidRequest(f'a {method} ballot is {{"{wanted}": [candidate ids]}}')
    return given


@api.post(
    "/elections/{election_id}/ballots",
    response_model=ReceiptPublic,
    status_code=201,
    responses={
        401: {"description": "Not logged in."},
        403: {"description": "Not an elector of this election."},
        409: {"description": "Already voted, or the election is closed."},
        **NOT_FOUND,
    },
)
def api_cast(
    election_id: int, ballot: BallotCreate, member: ApiMember, system: SystemDep
) -> ReceiptPublic:
    """Cast a ballot: `{"ranking": [...]}` for irv and stv-*, `{"choices": [...]}` for
    plurality, block and approval. Keep the receipt to check the published ballots."""
    method = views.election(system.reader(), election_id)["method"]
    choices = _choices(method, ballot)
    return ReceiptPublic(
        receipt=elections.cast_ballot(system.uow(), election_id, member.id, choices)
    )


@api.get(
    "/elections/{election_id}/result",
    response_model=ResultPublic,
    responses={409: {"description": "The election is still open."}, **NOT_FOUND},
)
def api_result(election_id: int, system: SystemDep) -> dict[str, Any]:
    """The count round by round; rounds name candidates by their id (as text)."""
    return views.election_result(system.reader(), election_id)


def _page(request: Request, system: SystemDep, election_id: int, **extra: Any) -> Response:
    session = getattr(request.state, "session", None)
    viewer = session.member.id if session else None
    view = views.election(system.reader(), election_id, viewer)
    result = (
        None if view["status"] == "open" else views.election_result(system.reader(), election_id)
    )
    status = extra.pop("status", 200)
    context = {"election": view, "result": result, "receipt": None, "error": None} | extra
    return render(request, "elections/page.html", context, status_code=status)


@pages.get("/elections/{election_id}")
def election_page(
    request: Request, election_id: int, session: Session, system: SystemDep
) -> Response:
    return _page(request, system, election_id)


@pages.post("/elections/{election_id}/ballot")
def election_vote(
    request: Request,
    election_id: int,
    session: LoggedIn,
    system: SystemDep,
    choice: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    """The ballot form: ranked methods send `choice` once per rank (first preference first,
    blanks ignored); the others send one `choice` per ticked candidate."""
    check_csrf(session.csrf_token, csrf_token)
    try:
        picked = [int(c) for c in choice if c.strip()]
        receipt = elections.cast_ballot(system.uow(), election_id, session.member.id, picked)
    except ValueError:
        error = InvalidRequest("a choice is not a candidate in this election")
        return _page(request, system, election_id, error=error.message, status=422)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        return _page(request, system, election_id, error=error.message, status=status_of(error))
    # The receipt is shown in this answer, never put in a URL (access logs would link it to the
    # voter's address).
    return _page(request, system, election_id, receipt=receipt)
