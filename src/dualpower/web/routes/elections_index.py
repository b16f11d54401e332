"""The elections index pages (issue 25): `/elections` lists the open elections with their
closing times; `/councils/{id}/elections` and `/units/{id}/elections` list the elections of a
council's seats and offices and of a unit's seats, open first."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from dualpower.services import elections_views
from dualpower.web.deps import Visiting

pages = APIRouter(include_in_schema=False)


@pages.get("/elections")
def open_elections_page(page: Visiting) -> Response:
    found = elections_views.open_elections(page.system.reader())
    return page.render("elections/open.html", {"elections": found})


@pages.get("/councils/{council_id}/elections")
def council_elections_page(council_id: int, page: Visiting) -> Response:
    index = elections_views.council_elections(page.system.reader(), council_id)
    return page.render("elections/index.html", {"index": index})


@pages.get("/units/{unit_id}/elections")
def unit_elections_page(unit_id: int, page: Visiting) -> Response:
    index = elections_views.unit_elections(page.system.reader(), unit_id)
    return page.render("elections/index.html", {"index": index})
