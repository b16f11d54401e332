"""Recall at the first demand (DESIGN.md 2.2): open a petition, sign, withdraw, watch it live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from dualpower.domain.errors import DomainError
from dualpower.domain.recall import UNDECIDED
from dualpower.services import page_views, recall, views
from dualpower.web.deps import ApiMember, MemberVisiting, SystemDep, Visit, Visiting
from dualpower.web.forms import Post, Posting, form_page, refusal
from dualpower.web.live import broadcaster, event_stream
from dualpower.web.openapi_answers import (
    EVENT_STREAM,
    LOGIN,
    MANDATE_RECALLED,
    NO_MANDATE,
    NO_PETITION,
    NOT_THE_SEATS_ELECTOR,
    SIGNED_ALREADY,
    refusals,
)
from dualpower.web.pagination import Paged
from dualpower.web.routes import routers
from dualpower.web.schemas import PetitionListed, PetitionPublic, PetitionStatus, RecallCreate

api, pages = routers("recalls")
NOT_FOUND = refusals(NO_PETITION)
REFUSED = refusals(LOGIN, NOT_THE_SEATS_ELECTOR, NO_PETITION, SIGNED_ALREADY)


def _public(state: recall.PetitionState) -> PetitionPublic:
    return PetitionPublic.model_validate(state, from_attributes=True)


@api.post(
    "/recalls",
    response_model=PetitionPublic,
    status_code=201,
    responses=refusals(LOGIN, NOT_THE_SEATS_ELECTOR, NO_MANDATE, MANDATE_RECALLED),
)
def api_open(body: RecallCreate, member: ApiMember, system: SystemDep) -> PetitionPublic:
    """Open a recall petition against a mandate of your electorate; no reason is asked."""
    return _public(recall.open_recall(system.uow(), body.mandate_id, member.id))


@api.get("/recalls", response_model=list[PetitionListed])
def api_petitions(
    system: SystemDep, page: Paged, status: Annotated[PetitionStatus | None, Query()] = None
) -> list[dict[str, Any]]:
    """Recall petitions, newest first; `status=open` (or vote_open, recalled, rejected) for
    those only."""
    return page.of(views.petitions(system.reader(), status))


@api.get("/recalls/{petition_id}", response_model=PetitionPublic, responses=NOT_FOUND)
def api_petition(petition_id: int, system: SystemDep) -> PetitionPublic:
    return _public(recall.petition_state(system.reader(), petition_id))


@api.post("/recalls/{petition_id}/signatures", response_model=PetitionPublic, responses=REFUSED)
def api_sign(petition_id: int, member: ApiMember, system: SystemDep) -> PetitionPublic:
    """Sign; the signature that reaches the threshold decides the petition at once."""
    return _public(recall.sign_recall(system.uow(), petition_id, member.id))


@api.delete("/recalls/{petition_id}/signatures", response_model=PetitionPublic, responses=REFUSED)
def api_withdraw(petition_id: int, member: ApiMember, system: SystemDep) -> PetitionPublic:
    """Withdraw your signature while the petition is open."""
    return _public(recall.withdraw_signature(system.uow(), petition_id, member.id))


@api.get(
    "/recalls/{petition_id}/events",
    response_class=Response,
    responses=EVENT_STREAM | NOT_FOUND,
)
def api_events(petition_id: int, request: Request, system: SystemDep) -> Response:
    """Server-sent events: `petition` with the current count and status, then at each change,
    until the petition is decided."""

    def read() -> dict[str, Any]:
        return _public(recall.petition_state(system.reader(), petition_id)).model_dump()

    read()  # 404 before the stream starts
    live = broadcaster(request)
    return event_stream(
        live.frames(("recall", petition_id), "petition", read, _is_final),
    )


def _is_final(state: dict[str, Any]) -> bool:
    return state["status"] not in UNDECIDED


# Pages


def _page(page: Visit, petition_id: int, **extra: Any) -> Response:
    found = page_views.recall(page.system.reader(), petition_id, page.viewer)  # one snapshot
    context = {"petition": found.petition, "error": None} | extra
    return form_page(page.request, "recalls/page.html", context)


@pages.get("/recalls")
def petitions_page(page: Visiting) -> Response:
    return page.render("recalls/list.html", {"petitions": views.petitions(page.system.reader())})


@pages.get("/recalls/{petition_id}")
def petition_page(petition_id: int, page: Visiting) -> Response:
    return _page(page, petition_id)


@pages.get("/mandates/{mandate_id}/recall")
def petition_confirm(page: MemberVisiting, mandate_id: int) -> Response:
    """The "recall" link beside a deputy: what opening a petition means, and the button that
    opens it (a second step, so that no petition opens by a slip of the finger)."""
    mandate = views.mandate(page.system.reader(), mandate_id)
    return page.render("recalls/confirm.html", {"md": mandate})


@pages.post("/recalls")
def petition_open(form: Posting, mandate_id: Annotated[int, Form()]) -> Response:
    """The "recall" button beside a deputy: opens the petition and shows it."""
    state = recall.open_recall(form.system.uow(), mandate_id, form.member_id)
    return RedirectResponse(f"/recalls/{state.id}", status_code=303)


def _act(form: Post, petition_id: int, act: Callable[[Any, int, int], object]) -> Response:
    """Sign or withdraw, then back to the petition (or its page again with the refusal)."""
    try:
        act(form.system.uow(), petition_id, form.member_id)
    except DomainError as error:
        return _page(form, petition_id, **refusal(error))
    return RedirectResponse(f"/recalls/{petition_id}", status_code=303)


@pages.post("/recalls/{petition_id}/sign")
def petition_sign(petition_id: int, form: Posting) -> Response:
    return _act(form, petition_id, recall.sign_recall)


@pages.post("/recalls/{petition_id}/withdraw")
def petition_withdraw(petition_id: int, form: Posting) -> Response:
    return _act(form, petition_id, recall.withdraw_signature)
