"""Offices and pay as a worker (DESIGN.md 2.4): who holds which office, every stipend and the
cap (public); stipend motions, wage reports, verification and office elections (each checked in
services/offices.py and services/stipends.py), over the API and as page forms that work without
JavaScript (POST with the CSRF token, then a redirect to the offices page with a message)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import RedirectResponse, Response

from dualpower.domain.capabilities import GRANTABLE
from dualpower.domain.errors import DomainError, InvalidRequest
from dualpower.domain.offices import parse_wages
from dualpower.services import offices, offices_views, recall, stipends, views
from dualpower.services.offices import Caller
from dualpower.web.deps import ApiMember, SystemDep, Visit, Visiting
from dualpower.web.errors import status_of
from dualpower.web.forms import Post, Posting
from dualpower.web.openapi_answers import (
    ABOVE_CAP,
    ABOVE_CAP_TOGETHER,
    BAD_WAGES,
    COUNTED_ALREADY,
    ENDED_ALREADY,
    LOGIN,
    NO_COUNCIL,
    NO_OFFICE,
    NO_OFFICE_ELECTION,
    NO_OFFICE_TERM,
    NOT_ELECTION_RUNNER,
    NOT_FOUND,
    NOT_OFFICE_DEPUTY,
    NOT_THE_ELECTING_DEPUTY,
    NOT_THE_HOLDER,
    NOT_VERIFIER,
    NOT_WAGE_REPORTER,
    OFFICE_ELECTION_OPEN,
    STANDS_ALREADY,
    TERM_RECALLED,
    refusals,
)
from dualpower.web.routes import routers
from dualpower.web.schemas_offices import (
    CreatedPublic,
    OfficeElectionCreate,
    OfficePetitionPublic,
    OfficePublic,
    PayPublic,
    StipendMotionCreate,
    TermPublic,
    VerificationPublic,
    VerificationSet,
    WageReport,
    WageReportPublic,
)

api, pages = routers("offices")


@api.get(
    "/councils/{council_id}/offices",
    response_model=list[OfficePublic],
    responses=refusals(NO_COUNCIL),
)
def api_council_offices(council_id: int, system: SystemDep) -> list[offices_views.OfficeRow]:
    """The council's offices: holder now (null when vacant), stipend, capabilities."""
    return offices_views.council_offices(system.reader(), council_id)


@api.get("/pay", response_model=PayPublic)
def api_pay(system: SystemDep) -> dict[str, Any]:
    """Every office's stipend and the cap of ordinary pay (public)."""
    return offices_views.pay_listing(system.reader())


@api.post(
    "/offices/{office_id}/stipend-motions",
    response_model=CreatedPublic,
    status_code=201,
    responses=refusals(LOGIN, NOT_OFFICE_DEPUTY, NO_OFFICE, ABOVE_CAP),
)
def api_propose_stipend(
    office_id: int, body: StipendMotionCreate, member: ApiMember, system: SystemDep
) -> CreatedPublic:
    """Put a stipend motion to the office's council (deputies only): the council decides it by
    roll-call (`/motions/{id}`) and its adoption sets the stipend; never above the cap."""
    motion_id = stipends.propose_stipend(
        system.uow(), member.id, office_id, body.amount, body.majority
    )
    return CreatedPublic(id=motion_id)


@api.post(
    "/units/{unit_id}/wages",
    response_model=WageReportPublic,
    responses=refusals(LOGIN, NOT_WAGE_REPORTER, NOT_FOUND, BAD_WAGES),
)
def api_report_wages(
    unit_id: int, body: WageReport, member: ApiMember, system: SystemDep
) -> WageReportPublic:
    """The unit's wage report (it replaces the previous one); answers the federation's cap."""
    wages = {line.member_id: line.amount for line in body.wages}
    cap = offices.report_wages(system.uow(), unit_id, wages, Caller(member.id))
    return WageReportPublic(unit_id=unit_id, reported=len(wages), cap=cap)


@api.post(
    "/members/{member_id}/verification",
    response_model=VerificationPublic,
    responses=refusals(LOGIN, NOT_VERIFIER, NOT_FOUND),
)
def api_verify(
    member_id: int, body: VerificationSet, member: ApiMember, system: SystemDep
) -> VerificationPublic:
    """The credentials committee verifies a member (or withdraws it: `is_verified` false)."""
    offices.verify_member(system.uow(), member_id, Caller(member.id), is_verified=body.is_verified)
    return VerificationPublic(member_id=member_id, is_verified=body.is_verified)


@api.post(
    "/offices/{office_id}/elections",
    response_model=CreatedPublic,
    status_code=201,
    responses=refusals(LOGIN, NOT_ELECTION_RUNNER, NOT_FOUND, OFFICE_ELECTION_OPEN),
)
def api_open_office_election(
    office_id: int, body: OfficeElectionCreate, member: ApiMember, system: SystemDep
) -> CreatedPublic:
    """Open the election of an office's holder; the council's deputies vote
    (`POST /elections/{id}/ballots`)."""
    election_id = offices.open_office_election(
        system.uow(),
        office_id,
        member.id,
        body.method,
        is_secret=body.is_secret,
        closes_at=body.closes_at,
    )
    return CreatedPublic(id=election_id)


@api.post(
    "/office-elections/{election_id}/candidacy",
    response_model=CreatedPublic,
    status_code=201,
    responses=refusals(NOT_OFFICE_DEPUTY, NO_OFFICE_ELECTION, STANDS_ALREADY, ABOVE_CAP_TOGETHER),
)
def api_stand(election_id: int, member: ApiMember, system: SystemDep) -> CreatedPublic:
    """Stand for the office (deputies of its council only)."""
    return CreatedPublic(id=offices.stand(system.uow(), election_id, member.id))


@api.post(
    "/office-elections/{election_id}/close",
    response_model=TermPublic,
    responses=refusals(LOGIN, NOT_ELECTION_RUNNER, NOT_FOUND, COUNTED_ALREADY),
)
def api_close_office_election(election_id: int, member: ApiMember, system: SystemDep) -> Any:
    """Count the election; its winner takes office at once."""
    return offices.close_office_election(system.uow(), election_id, member.id)


@api.post(
    "/office-terms/{term_id}/recalls",
    response_model=OfficePetitionPublic,
    status_code=201,
    responses=refusals(NOT_THE_ELECTING_DEPUTY, NO_OFFICE_TERM, TERM_RECALLED),
)
def api_open_office_recall(term_id: int, member: ApiMember, system: SystemDep) -> Any:
    """Open a recall petition against an official; sign it at `/recalls/{id}/signatures`."""
    return recall.open_office_recall(system.uow(), term_id, member.id)


@api.post(
    "/office-terms/{term_id}/resignation",
    status_code=204,
    responses=refusals(NOT_THE_HOLDER, NO_OFFICE_TERM, ENDED_ALREADY),
)
def api_resign(term_id: int, member: ApiMember, system: SystemDep) -> Response:
    offices.resign_office(system.uow(), term_id, member.id)
    return Response(status_code=204)


@pages.get("/pay")
def pay_page(page: Visiting) -> Response:
    return page.render("offices/pay.html", {"pay": offices_views.pay_listing(page.system.reader())})


# -- pages ------------------------------------------------------------------------------------

DONE = {
    "stipend": "Your stipend motion is drafted. Once on a session's agenda, the council decides "
    "it by roll-call; adopted, it sets the stipend.",
    "election": "The office election is open: the council's deputies stand and vote.",
    "candidacy": "You stand in the office election.",
    "closed": "The office election is counted: its winner holds the office now.",
    "wages": "The wage report is saved; the cap follows the new median.",
    "verified": "The member is verified.",
    "unverified": "The member's verification is withdrawn.",
    "resigned": "You have resigned the office.",
}


def _offices_page(
    page: Visit,
    council_id: int,
    *,
    done: str = "",
    ref: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    system = page.system
    council = views.council(system.reader(), council_id)
    acts = None
    if page.viewer is not None:
        acts = offices_views.council_acts(system.reader(), council_id, page.viewer)
    context = {
        "council": council,
        "pay": offices_views.council_pay(system.reader(), council_id),
        "motions": offices_views.stipend_motions(system.reader(), council_id),
        "acts": acts,
        "grantable": GRANTABLE,  # what a capability motion may give or take (2.9)
        "done": DONE.get(done),
        "done_key": done if done in DONE else None,
        "ref": ref,
        "error": error,
    }
    return page.render("offices/page.html", context, status_code=status)


def _back(council_id: int, done: str, ref: int | None = None) -> RedirectResponse:
    query = f"?done={done}" + (f"&ref={ref}" if ref is not None else "")
    return RedirectResponse(f"/councils/{council_id}/offices{query}#acts", status_code=303)


def _page_refusal(page: Visit, council_id: int, error: DomainError) -> Response:
    return _offices_page(page, council_id, error=error.message, status=status_of(error))


def _number(value: str, what: str) -> int:
    if not value.strip().isdigit():
        raise InvalidRequest(f"{what} is a whole number")
    return int(value.strip())


def _office_in(system: SystemDep, council_id: int, office_id: int) -> int:
    """The office a form names, if it is one of the page's council (422 otherwise)."""
    if offices_views.council_of(system.reader(), office_id=office_id) != council_id:
        raise InvalidRequest("choose an office of this council")
    return office_id


@pages.get("/councils/{council_id}/offices")
def offices_page(
    council_id: int, page: Visiting, done: str = "", ref: int | None = None
) -> Response:
    return _offices_page(page, council_id, done=done, ref=ref)


@pages.post("/councils/{council_id}/stipend-motions")
def stipend_motion_form(
    council_id: int,
    form: Posting,
    office_id: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> Response:
    try:
        office = _office_in(form.system, council_id, _number(office_id, "the office"))
        stipend = _number(amount, "the stipend")
        motion = stipends.propose_stipend(form.system.uow(), form.member_id, office, stipend)
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return _back(council_id, "stipend", motion)


@pages.post("/councils/{council_id}/office-elections")
def open_election_form(
    council_id: int,
    form: Posting,
    office_id: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "plurality",
    is_secret: Annotated[str, Form()] = "",
) -> Response:
    try:
        office = _office_in(form.system, council_id, _number(office_id, "the office"))
        election = offices.open_office_election(
            form.system.uow(), office, form.member_id, method, is_secret=is_secret == "1"
        )
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return _back(council_id, "election", election)


def _election_act(form: Post, election_id: int, act: str) -> Response:
    council_id = offices_views.council_of(form.system.reader(), election_id=election_id)
    try:
        if act == "candidacy":
            offices.stand(form.system.uow(), election_id, form.member_id)
        else:
            offices.close_office_election(form.system.uow(), election_id, form.member_id)
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return _back(council_id, act, election_id)


@pages.post("/office-elections/{election_id}/candidacy")
def candidacy_form(election_id: int, form: Posting) -> Response:
    return _election_act(form, election_id, "candidacy")


@pages.post("/office-elections/{election_id}/close")
def close_election_form(election_id: int, form: Posting) -> Response:
    return _election_act(form, election_id, "closed")


@pages.post("/councils/{council_id}/wages")
def wages_form(
    council_id: int,
    form: Posting,
    unit_id: Annotated[str, Form()] = "",
    wages: Annotated[str, Form()] = "",
) -> Response:
    try:
        unit = _number(unit_id, "the unit")
        named = parse_wages(wages)
        offices.report_named_wages(form.system.uow(), unit, named, Caller(form.member_id))
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return _back(council_id, "wages")


@pages.post("/councils/{council_id}/verifications")
def verification_form(
    council_id: int,
    form: Posting,
    username: Annotated[str, Form()] = "",
    verified: Annotated[str, Form()] = "yes",
) -> Response:
    try:
        member = offices_views.member_id_by_username(form.system.reader(), username)
        is_verified = verified != "no"
        offices.verify_member(
            form.system.uow(), member, Caller(form.member_id), is_verified=is_verified
        )
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return _back(council_id, "verified" if is_verified else "unverified")


@pages.post("/office-terms/{term_id}/recall")
def office_recall_form(term_id: int, form: Posting) -> Response:
    council_id = offices_views.council_of(form.system.reader(), term_id=term_id)
    try:
        petition = recall.open_office_recall(form.system.uow(), term_id, form.member_id)
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return RedirectResponse(f"/recalls/{petition.id}", status_code=303)


@pages.post("/office-terms/{term_id}/resign")
def resign_form(term_id: int, form: Posting) -> Response:
    council_id = offices_views.council_of(form.system.reader(), term_id=term_id)
    try:
        offices.resign_office(form.system.uow(), term_id, form.member_id)
    except DomainError as error:
        return _page_refusal(form, council_id, error)
    return _back(council_id, "resigned")
