"""Councils at work: motions and roll-calls, sessions with their minutes, instructions and their
breaches (with the one-step recall), initiatives and their path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import RedirectResponse, Response

from dualpower.services import (
    initiatives,
    instructions,
    motions,
    sessions,
    speakers_views,
    views_sessions,
)
from dualpower.web.deps import ApiMember, SystemDep, Visiting
from dualpower.web.forms import Posting
from dualpower.web.openapi_answers import (
    ACT_CLASHES,
    LOGIN,
    NO_SUCH_THING,
    NOT_ALLOWED,
    Answers,
    refusals,
)
from dualpower.web.routes import routers
from dualpower.web.schemas import PetitionPublic
from dualpower.web.schemas_sessions import (
    AgendaItemCreate,
    Created,
    DecisionPublic,
    InstructionCreate,
    MotionCreate,
    SessionCreate,
    TakeUp,
    VoteCast,
    VoteCreate,
)

api, pages = routers("sessions")
AUTH: Answers = refusals(LOGIN, NOT_ALLOWED, NO_SUCH_THING, ACT_CLASHES)


# -- API: motions and votes --------------------------------------------------------------------


@api.post("/motions", response_model=Created, status_code=201, responses=AUTH)
def api_draft(body: MotionCreate, member: ApiMember, system: SystemDep) -> Created:
    """Draft a motion: a member in their own unit, a deputy in their own council."""
    cmd = motions.DraftMotion(**body.model_dump())
    return Created(id=motions.draft_motion(system.uow(), member.id, cmd))


@api.get("/motions/{motion_id}", responses=AUTH)
def api_motion(motion_id: int, system: SystemDep) -> dict[str, Any]:
    """A motion with its amendments, roll-call, instructions and breaches."""
    return views_sessions.motion(system.reader(), motion_id)


@api.post("/motions/{motion_id}/vote/open", responses=AUTH)
def api_open_vote(motion_id: int, member: ApiMember, system: SystemDep) -> dict[str, Any]:
    """Open the vote: in a council, its chair in an open, quorate session; in a unit, any
    member (calling the assembly's vote)."""
    motions.open_vote(system.uow(), motion_id, member.id)
    return views_sessions.motion(system.reader(), motion_id)


@api.post("/motions/{motion_id}/votes", response_model=VoteCast, status_code=201, responses=AUTH)
def api_vote(motion_id: int, body: VoteCreate, member: ApiMember, system: SystemDep) -> VoteCast:
    """Cast your vote (once): yes, no or abstain."""
    receipt = motions.cast_vote(system.uow(), motion_id, member.id, body.position)
    return VoteCast(motion_id=motion_id, position=body.position, receipt=receipt)


@api.post("/motions/{motion_id}/vote/close", response_model=DecisionPublic, responses=AUTH)
def api_close_vote(motion_id: int, member: ApiMember, system: SystemDep) -> Any:
    return motions.close_vote(system.uow(), motion_id, member.id)


@api.post("/motions/{motion_id}/send-up", response_model=Created, status_code=201, responses=AUTH)
def api_send_up(motion_id: int, member: ApiMember, system: SystemDep) -> Created:
    """The unit sends up a motion its assembly adopted: it becomes an initiative."""
    return Created(id=initiatives.send_up(system.uow(), motion_id, member.id))


# -- API: sessions -----------------------------------------------------------------------------


@api.post(
    "/councils/{council_id}/sessions", response_model=Created, status_code=201, responses=AUTH
)
def api_convene(
    council_id: int, body: SessionCreate, member: ApiMember, system: SystemDep
) -> Created:
    sid = sessions.convene_session(system.uow(), member.id, council_id, body.title, body.agenda)
    return Created(id=sid)


@api.get("/councils/{council_id}/sessions", responses=AUTH)
def api_sessions(council_id: int, system: SystemDep) -> list[dict[str, Any]]:
    return views_sessions.sessions_of(system.reader(), council_id)


@api.get("/sessions/{session_id}", responses=AUTH)
def api_session(session_id: int, system: SystemDep) -> dict[str, Any]:
    """The session: agenda, attendance, quorum and its minutes (generated from the record)."""
    return views_sessions.session(system.reader(), session_id)


@api.post("/sessions/{session_id}/open", status_code=204, responses=AUTH)
def api_open_session(session_id: int, member: ApiMember, system: SystemDep) -> Response:
    sessions.open_session(system.uow(), member.id, session_id)
    return Response(status_code=204)


@api.post("/sessions/{session_id}/close", status_code=204, responses=AUTH)
def api_close_session(session_id: int, member: ApiMember, system: SystemDep) -> Response:
    sessions.close_session(system.uow(), member.id, session_id)
    return Response(status_code=204)


@api.post("/sessions/{session_id}/attendance", status_code=204, responses=AUTH)
def api_attend(session_id: int, member: ApiMember, system: SystemDep) -> Response:
    """Register your own attendance (deputies of the council; once)."""
    sessions.register_attendance(system.uow(), session_id, member.id)
    return Response(status_code=204)


@api.post("/sessions/{session_id}/agenda", status_code=204, responses=AUTH)
def api_agenda(
    session_id: int, body: AgendaItemCreate, member: ApiMember, system: SystemDep
) -> Response:
    sessions.add_to_agenda(system.uow(), member.id, session_id, body.motion_id)
    return Response(status_code=204)


# -- API: instructions, breaches, initiatives --------------------------------------------------


@api.post("/instructions", response_model=Created, status_code=201, responses=AUTH)
def api_instruct(body: InstructionCreate, member: ApiMember, system: SystemDep) -> Created:
    """Draft an instruction motion; `id` is that motion's: it takes force when adopted."""
    motion_id = instructions.propose_instruction(
        system.uow(), member.id, body.unit_id, body.council_id, body.motion_id, body.position
    )
    return Created(id=motion_id)


@api.get("/breaches/{breach_id}", responses=AUTH)
def api_breach(breach_id: int, system: SystemDep) -> dict[str, Any]:
    return views_sessions.breach(system.reader(), breach_id)


@api.post(
    "/breaches/{breach_id}/recall", response_model=PetitionPublic, status_code=201, responses=AUTH
)
def api_breach_recall(breach_id: int, member: ApiMember, system: SystemDep) -> Any:
    """Open a recall petition against the deputy who broke the instruction (or sign the one
    already open)."""
    return instructions.recall_for_breach(system.uow(), breach_id, member.id)


@api.get("/initiatives", responses=AUTH)
def api_initiatives(system: SystemDep) -> list[dict[str, Any]]:
    return views_sessions.initiatives(system.reader())


@api.get("/initiatives/{initiative_id}", responses=AUTH)
def api_initiative(initiative_id: int, system: SystemDep) -> dict[str, Any]:
    """The initiative with its path and support level by level."""
    return views_sessions.initiative(system.reader(), initiative_id)


@api.post(
    "/initiatives/{initiative_id}/take-up", response_model=Created, status_code=201, responses=AUTH
)
def api_take_up(initiative_id: int, body: TakeUp, member: ApiMember, system: SystemDep) -> Created:
    return Created(id=initiatives.take_up(system.uow(), initiative_id, body.unit_id, member.id))


# -- pages ---------------------------------------------------------------------------------------


def _back(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


@pages.get("/motions/{motion_id}")
def motion_page(motion_id: int, page: Visiting) -> Response:
    view = views_sessions.motion(page.system.reader(), motion_id, page.viewer)
    return page.render("sessions/motion.html", {"motion": view})


@pages.post("/motions/{motion_id}/vote")
def motion_vote(motion_id: int, form: Posting, position: Annotated[str, Form()] = "") -> Response:
    motions.cast_vote(form.system.uow(), motion_id, form.member_id, position)
    return _back(f"/motions/{motion_id}")


def _vote_forms(act: Callable[[Any, int, int], object], on_motion: str, on_session: str) -> None:
    """Open (call) or close a motion's vote: the form of the motion's page, back to it, and the
    form of its session's page, which names the agenda item (or an amendment of one), back to
    the session."""

    @pages.post(f"/motions/{{motion_id}}/{on_motion}")
    def on_motion_page(motion_id: int, form: Posting) -> Response:
        act(form.system.uow(), motion_id, form.member_id)
        return _back(f"/motions/{motion_id}")

    @pages.post(f"/sessions/{{session_id}}/vote/{on_session}")
    def on_session_page(
        session_id: int, form: Posting, motion_id: Annotated[int, Form()] = 0
    ) -> Response:
        act(form.system.uow(), motion_id, form.member_id)
        return _back(f"/sessions/{session_id}")


_vote_forms(motions.open_vote, on_motion="call", on_session="open")
_vote_forms(motions.close_vote, on_motion="close", on_session="close")


@pages.get("/sessions/{session_id}")
def session_page(session_id: int, page: Visiting) -> Response:
    system, viewer = page.system, page.viewer
    view = views_sessions.session(system.reader(), session_id)
    order = speakers_views.order(system.reader(), session_id, viewer)
    on_agenda = {item["id"] for item in view["agenda"]}
    context = {
        "session": view,
        "order": order,
        "can_attend": viewer in view["deputy_ids"]
        and viewer not in {p["id"] for p in view["present"]}
        and view["status"] != "closed",
        "drafts": [
            m
            for m in views_sessions.motions_of(system.reader(), council_id=view["council"]["id"])
            if m["status"] == "draft" and m["id"] not in on_agenda and not m.get("parent_id")
        ]
        if order.get("viewer", {}).get("is_chair")
        else [],
    }
    return page.render("sessions/session.html", context)


@pages.post("/sessions/{session_id}/attendance")
def session_attend(session_id: int, form: Posting) -> Response:
    sessions.register_attendance(form.system.uow(), session_id, form.member_id)
    return _back(f"/sessions/{session_id}")


@pages.get("/councils/{council_id}/sessions")
def council_sessions_page(council_id: int, page: Visiting) -> Response:
    system, viewer = page.system, page.viewer
    listed = views_sessions.sessions_of(system.reader(), council_id)
    found = views_sessions.motions_of(system.reader(), council_id=council_id)
    is_chair = speakers_views.is_chair(system.reader(), viewer, council_id)
    drafts = [m for m in found if m["status"] == "draft" and not m["parent_id"]]
    return page.render(
        "sessions/council.html",
        {
            "council_id": council_id,
            "council_name": views_sessions.council_name(system.reader(), council_id),
            "sessions": listed,
            "motions": found,
            "is_chair": is_chair,
            "drafts": drafts if is_chair else [],
            "draft": views_sessions.draft_form(system.reader(), viewer, council_id=council_id),
        },
    )


@pages.get("/initiatives/{initiative_id}")
def initiative_page(initiative_id: int, page: Visiting) -> Response:
    view = views_sessions.initiative(page.system.reader(), initiative_id)
    return page.render("sessions/initiative.html", {"initiative": view})


@pages.get("/breaches/{breach_id}")
def breach_page(breach_id: int, page: Visiting) -> Response:
    view = views_sessions.breach(page.system.reader(), breach_id, page.viewer)
    return page.render("sessions/breach.html", {"breach": view, "petition": None})


@pages.post("/breaches/{breach_id}/recall")
def breach_recall(breach_id: int, form: Posting) -> Response:
    """The one step from a breach to a recall petition (opened, or signed if open already)."""
    petition = instructions.recall_for_breach(form.system.uow(), breach_id, form.member_id)
    view = views_sessions.breach(form.system.reader(), breach_id, form.member_id)
    return form.render("sessions/breach.html", {"breach": view, "petition": petition})


# -- page forms of the chair's session acts (POST + CSRF token + redirect back) ----------------


@pages.post("/councils/{council_id}/sessions")
def council_convene(
    council_id: int,
    form: Posting,
    title: Annotated[str, Form()] = "",
    agenda: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """Convene a session (the chair), with the motions ticked as its agenda."""
    uow, chair = form.system.uow(), form.member_id
    sid = sessions.convene_session(uow, chair, council_id, title, agenda or [])
    return _back(f"/sessions/{sid}")


@pages.post("/sessions/{session_id}/open")
def session_open(session_id: int, form: Posting) -> Response:
    sessions.open_session(form.system.uow(), form.member_id, session_id)
    return _back(f"/sessions/{session_id}")


@pages.post("/sessions/{session_id}/close")
def session_close(session_id: int, form: Posting) -> Response:
    sessions.close_session(form.system.uow(), form.member_id, session_id)
    return _back(f"/sessions/{session_id}")


@pages.post("/sessions/{session_id}/agenda")
def session_agenda(
    session_id: int, form: Posting, motion_id: Annotated[int, Form()] = 0
) -> Response:
    sessions.add_to_agenda(form.system.uow(), form.member_id, session_id, motion_id)
    return _back(f"/sessions/{session_id}")
