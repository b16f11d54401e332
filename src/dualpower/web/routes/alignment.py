"""The alignment of forces: seats by faction and majorities, their history, the popular base,
the road to majority, and the pictures (hemicycle, tree coloured by majority, strength)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dualpower.domain.alignment import Step
from dualpower.domain.errors import NotFound
from dualpower.services import alignment, page_views, views
from dualpower.web import i18n, pictures
from dualpower.web.deps import Session, SystemDep, render
from dualpower.web.routes import api_router
from dualpower.web.schemas_register import AlignmentPublic, RoadPublic

api = api_router("alignment")
pages = APIRouter(include_in_schema=False)
SVG = "image/svg+xml"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such council."}}


def _step(step: Step) -> dict[str, Any]:
    return {"at": step.at, "composition": step.composition, "majority": step.majority}


@api.get("/alignment", response_model=AlignmentPublic)
def api_alignment(system: SystemDep) -> dict[str, Any]:
    """Every council's seats by faction, majority, popular base and the moments its majority
    changed; the federation's (its base-unit seats) likewise."""
    out = alignment.overview(system.reader)
    councils = [
        {k: v for k, v in council.items() if k not in ("history", "changes")}
        | {"majority_changes": [_step(s) for s in council["changes"]]}
        for council in out["councils"]
    ]
    return {**out, "councils": councils}


@api.get(
    "/alignment/road",
    response_model=RoadPublic,
    responses={404: {"description": "No such faction."}},
)
def api_road(system: SystemDep, faction: Annotated[str, Query(min_length=1)]) -> dict[str, Any]:
    """The fewest base-council seats that must change hands for `faction` (name, short name or
    id) to hold a majority of the chief council, and which seats."""
    return alignment.road(system.reader(), faction)


@api.get(
    "/councils/{council_id}/hemicycle.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}, **NOT_FOUND},
)
def api_hemicycle(council_id: int, system: SystemDep) -> Response:
    """The council's seats, one circle per seat, coloured by faction (vacant: outline)."""
    c = alignment.council(system.reader(), council_id)  # its stored seats: no recount
    svg = pictures.hemicycle(c["name"], c["seats"], c["composition"], c["colours"])
    return Response(svg, media_type=SVG)


@api.get(
    "/councils/{council_id}/strength.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}, **NOT_FOUND},
)
def api_strength(council_id: int, system: SystemDep) -> Response:
    """Each faction's seats in the council over time (from mandate history)."""
    name = alignment.council(system.reader(), council_id)["name"]  # its one stored row
    steps = alignment.history(system.reader(), council_id).get(council_id, [])
    colours = alignment.colours(system.reader())  # the factions', not every council's
    title = i18n.gettext("{name}: seats by faction over time").format(name=name)
    svg = pictures.strength(title, steps, colours, _label)
    return Response(svg, media_type=SVG)


@api.get("/alignment/tree.svg", response_class=Response, responses={200: {"content": {SVG: {}}}})
def api_tree(system: SystemDep) -> Response:
    """The federation's councils as a tree, each coloured by its majority."""
    colours = alignment.colours(system.reader())
    return Response(pictures.tree(views.council_tree(system.reader()), colours), media_type=SVG)


def _label(at: Any) -> str:
    return i18n.both_styles(at.date())


@pages.get("/alignment")
def alignment_page(
    request: Request,
    session: Session,
    system: SystemDep,
    faction: Annotated[str | None, Query()] = None,
) -> Response:
    page = page_views.alignment_page(system.reader())  # the top levels, one snapshot
    view = page.view
    colours = view["colours"]
    road = error = None
    if faction:
        try:
            road = alignment.road(system.reader(), faction)
        except NotFound as missing:
            error = missing.message
    tree_svg = pictures.tree(page.tree, colours)
    chief = next((c for c in view["councils"] if c["parent_id"] is None), None)
    context = {
        "view": view,
        "tree_svg": tree_svg,
        "chief": chief,
        "road": road,
        "faction": faction or "",
        "error": error,
        "factions": [n for n in colours if n != "no faction"],
        "label": _label,
    }
    return render(request, "alignment/page.html", context, status_code=404 if error else 200)


@pages.get("/councils/{council_id}/alignment")
def council_alignment_page(
    council_id: int, request: Request, session: Session, system: SystemDep
) -> Response:
    """One council's seats, popular base, hemicycle, strength over time and changes of
    majority (the alignment page lists the top levels' seats and links each council here)."""
    page = page_views.alignment_council(system.reader(), council_id)
    return render(request, "alignment/council.html", {"c": page.council})
