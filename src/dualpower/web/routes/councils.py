"""Councils, their composition and majority, their deputies' mandates; the federation tree."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from dualpower.services import page_views, views
from dualpower.web.deps import SystemDep, Visiting
from dualpower.web.live import broadcaster, event_stream
from dualpower.web.openapi_answers import EVENT_STREAM, NO_COUNCIL, NO_MANDATE, refusals
from dualpower.web.pagination import Paged
from dualpower.web.routes import routers
from dualpower.web.schemas import (
    CouncilDetailPublic,
    CouncilPublic,
    MandateDetailPublic,
    MandatePublic,
)

api, pages = routers("councils")
NOT_FOUND = refusals(NO_COUNCIL)


@api.get("/councils", response_model=list[CouncilPublic])
def api_councils(system: SystemDep, page: Paged) -> list[views.CouncilSeats]:
    """Every council, parents before children."""
    return page.of(views.councils(system.reader()))


@api.get("/councils/{council_id}", response_model=CouncilDetailPublic, responses=NOT_FOUND)
def api_council(council_id: int, system: SystemDep) -> views.CouncilDetail:
    """A council with its composition (filled seats by faction) and majority."""
    return views.council(system.reader(), council_id)


@api.get("/councils/{council_id}/mandates", response_model=list[MandatePublic], responses=NOT_FOUND)
def api_council_mandates(council_id: int, system: SystemDep) -> list[views.MandateView]:
    """The council's active mandates."""
    return views.council_mandates(system.reader(), council_id)


@api.get(
    "/mandates/{mandate_id}",
    response_model=MandateDetailPublic,
    responses=refusals(NO_MANDATE),
)
def api_mandate(mandate_id: int, system: SystemDep) -> views.MandateDetail:
    """A mandate, active or ended (with when and why)."""
    return views.mandate(system.reader(), mandate_id)


@api.get(
    "/councils/{council_id}/events",
    response_class=Response,
    responses=EVENT_STREAM | NOT_FOUND,
)
def api_composition_events(council_id: int, request: Request, system: SystemDep) -> Response:
    """Server-sent events: `composition` with the council's seats by faction and majority now,
    then at each change (a deputy recalled, a mandate started or ended)."""

    def read() -> dict[str, Any]:
        c = views.council(system.reader(), council_id)
        keys = ("id", "seats", "filled", "composition", "majority")
        return {k: v for k, v in c.items() if k in keys}

    read()  # 404 before the stream starts
    return event_stream(
        broadcaster(request).frames(("council", council_id), "composition", read, lambda _: False)
    )


@pages.get("/")
def home(page: Visiting) -> Response:
    home = page_views.home(page.system.reader())  # the top levels of the tree, one snapshot
    return page.render("home/page.html", {"tree": home.tree, "home": home})


@pages.get("/councils/{council_id}")
def council_page(council_id: int, page: Visiting) -> Response:
    found = page_views.council(page.system.reader(), council_id, page.viewer)  # one snapshot
    context = {"council": found.council, "pay": found.pay, "opening": found.opening}
    return page.render("councils/page.html", context)


@pages.get("/councils/{council_id}/composition")
def council_composition(council_id: int, page: Visiting) -> Response:
    """The council page's seats (bar, table, hemicycle) alone: what its live script swaps in."""
    council = views.council(page.system.reader(), council_id)
    return page.render("councils/_seats.html", {"council": council})
