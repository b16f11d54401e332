"""The guided tour: a newcomer's walk through the federation, with links to the real pages."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from dualpower.services import tour
from dualpower.web.deps import Visiting

pages = APIRouter(include_in_schema=False)


@pages.get("/tour")
def tour_page(page: Visiting) -> Response:
    return page.render("tour/page.html", {"tour": tour.tour(page.system.reader)})
