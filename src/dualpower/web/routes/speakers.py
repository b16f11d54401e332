"""A session's order (DESIGN.md 2.4a): its speakers' list and its stewards, as API and as page
forms on the session's page (POST + CSRF token + redirect back; no JavaScript needed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import RedirectResponse, Response

from dualpower.services import speakers, speakers_views, stewards
from dualpower.web.deps import ApiMember, SystemDep
from dualpower.web.forms import Posting
from dualpower.web.openapi_answers import INVALID_INPUT, LOGIN, refusals
from dualpower.web.routes import routers
from dualpower.web.routes.sessions import AUTH as SESSION_ACTS
from dualpower.web.schemas_speakers import (
    FloorGive,
    FloorRequest,
    Speech,
    SpeechLimit,
    StewardElections,
    StewardPostsCreate,
    StewardTerm,
)

api, pages = routers("sessions")
AUTH = SESSION_ACTS | refusals(LOGIN, INVALID_INPUT)


# -- API ---------------------------------------------------------------------------------------


@api.get("/sessions/{session_id}/speakers", responses=AUTH)
def api_speakers(session_id: int, system: SystemDep) -> dict[str, Any]:
    """The speakers' list: who speaks (time used and left), who waits in order, who spoke; the
    time limit per speech; the stewards and who keeps order (`stewards` or `chair`)."""
    return speakers_views.order(system.reader(), session_id)


@api.post("/sessions/{session_id}/speakers", response_model=Speech, status_code=201, responses=AUTH)
def api_request_floor(
    session_id: int, body: FloorRequest, member: ApiMember, system: SystemDep
) -> Speech:
    """Ask for the floor (a deputy present at the open session; once per item at a time)."""
    return Speech(id=speakers.request_floor(system.uow(), session_id, member.id, body.motion_id))


@api.delete("/sessions/{session_id}/speakers", status_code=204, responses=AUTH)
def api_withdraw(
    session_id: int, member: ApiMember, system: SystemDep, motion_id: int | None = None
) -> Response:
    """Withdraw your own request for the floor (while waiting)."""
    speakers.withdraw(system.uow(), session_id, member.id, motion_id)
    return Response(status_code=204)


@api.post("/sessions/{session_id}/speakers/next", responses=AUTH)
def api_next(
    session_id: int, member: ApiMember, system: SystemDep, body: FloorGive | None = None
) -> dict[str, Any]:
    """The keeper of order ends the current speech and gives the floor to the next speaker."""
    speakers.give_floor(system.uow(), session_id, member.id, body.motion_id if body else None)
    return speakers_views.order(system.reader(), session_id)


@api.post("/sessions/{session_id}/speakers/end", responses=AUTH)
def api_end(session_id: int, member: ApiMember, system: SystemDep) -> dict[str, Any]:
    """The keeper of order ends the speech in progress (an overrun is marked)."""
    speakers.end_speech(system.uow(), session_id, member.id)
    return speakers_views.order(system.reader(), session_id)


@api.post("/sessions/{session_id}/speakers/limit", responses=AUTH)
def api_limit(
    session_id: int, body: SpeechLimit, member: ApiMember, system: SystemDep
) -> dict[str, Any]:
    """The keeper of order sets the time limit per speech for the session."""
    speakers.set_limit(system.uow(), session_id, member.id, body.seconds)
    return speakers_views.order(system.reader(), session_id)


@api.get("/sessions/{session_id}/stewards", responses=AUTH)
def api_stewards(session_id: int, system: SystemDep) -> list[dict[str, Any]]:
    """The session's steward posts: holder, term and latest election of each."""
    return list(speakers_views.order(system.reader(), session_id)["stewards"])


@api.post(
    "/sessions/{session_id}/stewards",
    response_model=StewardElections,
    status_code=201,
    responses=AUTH,
)
def api_open_stewards(
    session_id: int, body: StewardPostsCreate, member: ApiMember, system: SystemDep
) -> StewardElections:
    """The chair opens the election of the session's stewards (deputies stand and vote through
    `/office-elections/{id}/candidacy` and `/elections/{id}/ballots`)."""
    opened = stewards.open_steward_elections(system.uow(), member.id, session_id, body.posts)
    return StewardElections(elections=opened)


@api.post(
    "/sessions/{session_id}/stewards/elections/{election_id}/close",
    response_model=StewardTerm,
    responses=AUTH,
)
def api_close_steward_election(
    session_id: int, election_id: int, member: ApiMember, system: SystemDep
) -> StewardTerm:
    """The chair counts a steward election of the session; the winner takes the post."""
    term = stewards.close_steward_election(system.uow(), member.id, session_id, election_id)
    return StewardTerm(term_id=term)


# -- page forms --------------------------------------------------------------------------------


def _back(session_id: int) -> Response:
    return RedirectResponse(f"/sessions/{session_id}#order", status_code=303)


def _item(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _floor_form(
    act: Callable[[Any, int, int, int | None], object],
) -> Callable[..., Response]:
    """A form of the speakers' list that names the session and, maybe, the agenda item: ask for
    the floor, withdraw, give the floor to the next."""

    def floor_form(
        session_id: int, form: Posting, motion_id: Annotated[str, Form()] = ""
    ) -> Response:
        act(form.system.uow(), session_id, form.member_id, _item(motion_id))
        return _back(session_id)

    return floor_form


pages.post("/sessions/{session_id}/speakers")(_floor_form(speakers.request_floor))
pages.post("/sessions/{session_id}/speakers/withdraw")(_floor_form(speakers.withdraw))
pages.post("/sessions/{session_id}/speakers/next")(_floor_form(speakers.give_floor))


@pages.post("/sessions/{session_id}/speakers/end")
def page_end(session_id: int, form: Posting) -> Response:
    speakers.end_speech(form.system.uow(), session_id, form.member_id)
    return _back(session_id)


@pages.post("/sessions/{session_id}/speakers/limit")
def page_limit(session_id: int, form: Posting, seconds: Annotated[int, Form(ge=0)] = 0) -> Response:
    speakers.set_limit(form.system.uow(), session_id, form.member_id, seconds)
    return _back(session_id)


@pages.post("/sessions/{session_id}/stewards")
def page_open_stewards(
    session_id: int, form: Posting, posts: Annotated[int, Form(ge=1)] = 1
) -> Response:
    stewards.open_steward_elections(form.system.uow(), form.member_id, session_id, posts)
    return _back(session_id)


@pages.post("/sessions/{session_id}/stewards/close")
def page_close_steward_election(
    session_id: int, form: Posting, election_id: Annotated[int, Form()] = 0
) -> Response:
    stewards.close_steward_election(form.system.uow(), form.member_id, session_id, election_id)
    return _back(session_id)
