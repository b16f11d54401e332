"""Offices and pay as a worker (DESIGN.md 2.4): who holds which office, every stipend and the
cap (public); stipends, wage reports, verification and office elections (each checked for its
capability in services/offices.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dualpower.services import offices, offices_views, recall, views
from dualpower.services.offices import Caller
from dualpower.web.deps import ApiMember, Session, SystemDep, render
from dualpower.web.schemas_offices import (
    CreatedPublic,
    OfficeElectionCreate,
    OfficePetitionPublic,
    OfficePublic,
    PayPublic,
    StipendSet,
    TermPublic,
    VerificationPublic,
    VerificationSet,
    WageReport,
    WageReportPublic,
)

api = APIRouter(tags=["offices"])
pages = APIRouter(include_in_schema=False)


def _refused(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        401: {"description": "Not logged in."},
        403: {"description": f"The caller holds no office with {what}."},
        404: {"description": "Not found."},
    }


@api.get(
    "/councils/{council_id}/offices",
    response_model=list[OfficePublic],
    responses={404: {"description": "No such council."}},
)
def api_council_offices(council_id: int, system: SystemDep) -> list[dict[str, Any]]:
    """The council's offices: holder now (null when vacant), stipend, capabilities."""
    return offices_views.council_offices(system.reader(), council_id)


@api.get("/pay", response_model=PayPublic)
def api_pay(system: SystemDep) -> dict[str, Any]:
    """Every office's stipend and the cap of ordinary pay (public)."""
    return offices_views.pay_listing(system.reader())


@api.post(
    "/offices/{office_id}/stipend",
    response_model=OfficePublic,
    responses={
        **_refused("'convene session' in the office's council"),
        422: {"description": "Above the cap (alone, or with its holder's other stipends)."},
    },
)
def api_set_stipend(
    office_id: int, body: StipendSet, member: ApiMember, system: SystemDep
) -> dict[str, Any]:
    """Record the stipend the council decided; never above the cap."""
    offices.set_stipend(system.uow(), office_id, body.amount, Caller(member.id))
    with system.reader() as uow:
        council_id = uow.offices.get(office_id).council_id  # type: ignore[union-attr]
    found = offices_views.council_offices(system.reader(), council_id)
    return next(o for o in found if o["id"] == office_id)


@api.post(
    "/units/{unit_id}/wages",
    response_model=WageReportPublic,
    responses={
        **_refused("'report wages' in the unit's council"),
        422: {"description": "A member not on the unit's roll, or a bad amount."},
    },
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
    responses=_refused("'verify members' in the member's unit's council"),
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
    responses={**_refused("'run election'"), 409: {"description": "One is open already."}},
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
    responses={
        403: {"description": "Not a deputy of the office's council."},
        404: {"description": "No such office election."},
        409: {"description": "Closed, or a candidate already."},
        422: {"description": "Would be paid above the cap together."},
    },
)
def api_stand(election_id: int, member: ApiMember, system: SystemDep) -> CreatedPublic:
    """Stand for the office (deputies of its council only)."""
    return CreatedPublic(id=offices.stand(system.uow(), election_id, member.id))


@api.post(
    "/office-elections/{election_id}/close",
    response_model=TermPublic,
    responses={
        **_refused("'run election'"),
        409: {"description": "Closed already, or nothing to count."},
    },
)
def api_close_office_election(election_id: int, member: ApiMember, system: SystemDep) -> Any:
    """Count the election; its winner takes office at once."""
    return offices.close_office_election(system.uow(), election_id, member.id)


@api.post(
    "/office-terms/{term_id}/recalls",
    response_model=OfficePetitionPublic,
    status_code=201,
    responses={
        403: {"description": "Not a deputy of the council that elected the official."},
        404: {"description": "No such office term."},
        409: {"description": "The term has ended, or a petition against it is undecided."},
    },
)
def api_open_office_recall(term_id: int, member: ApiMember, system: SystemDep) -> Any:
    """Open a recall petition against an official; sign it at `/recalls/{id}/signatures`."""
    return recall.open_office_recall(system.uow(), term_id, member.id)


@api.post(
    "/office-terms/{term_id}/resignation",
    status_code=204,
    responses={
        403: {"description": "Not the holder."},
        404: {"description": "No such office term."},
        409: {"description": "Ended already."},
    },
)
def api_resign(term_id: int, member: ApiMember, system: SystemDep) -> Response:
    offices.resign_office(system.uow(), term_id, member.id)
    return Response(status_code=204)


@pages.get("/pay")
def pay_page(request: Request, session: Session, system: SystemDep) -> Response:
    return render(request, "offices/pay.html", {"pay": offices_views.pay_listing(system.reader())})


@pages.get("/councils/{council_id}/offices")
def offices_page(
    request: Request, council_id: int, session: Session, system: SystemDep
) -> Response:
    council = views.council(system.reader(), council_id)
    context = {"council": council, "pay": offices_views.council_pay(system.reader(), council_id)}
    return render(request, "offices/page.html", context)
