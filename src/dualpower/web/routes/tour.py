"""The guided tour: a newcomer's walk through the federation, with links to the real pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dualpower.services import tour
from dualpower.web.deps import Session, SystemDep, render

pages = APIRouter(include_in_schema=False)


@pages.get("/tour")
def tour_page(request: Request, session: Session, system: SystemDep) -> Response:
    return render(request, "tour/page.html", {"tour": tour.tour(system.reader)})
