"""The elections index pages (issue 25): `/elections` lists the open elections with their
closing times; `/councils/{id}/elections` and `/units/{id}/elections` list the elections of a
council's seats and offices and of a unit's seats, open first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dualpower.services import elections_views
from dualpower.web.deps import Session, SystemDep, render

pages = APIRouter(include_in_schema=False)


@pages.get("/elections")
def open_elections_page(request: Request, session: Session, system: SystemDep) -> Response:
    found = elections_views.open_elections(system.reader())
    return render(request, "elections/open.html", {"elections": found})


@pages.get("/councils/{council_id}/elections")
def council_elections_page(
    request: Request, council_id: int, session: Session, system: SystemDep
) -> Response:
    index = elections_views.council_elections(system.reader(), council_id)
    return render(request, "elections/index.html", {"index": index})


@pages.get("/units/{unit_id}/elections")
def unit_elections_page(
    request: Request, unit_id: int, session: Session, system: SystemDep
) -> Response:
    index = elections_views.unit_elections(system.reader(), unit_id)
    return render(request, "elections/index.html", {"index": index})
