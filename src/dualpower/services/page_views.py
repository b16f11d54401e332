"""What each page shows, read in one read transaction (one snapshot) and handed to the page as
one typed read model (issue 24, STYLE.md 17).

A page used to call three or four views, each in its own transaction: on PostgreSQL each saw
the federation at its own moment (a council's seats from before a recall, its deputies from
after). Here a page enters one read-only unit of work (REPEATABLE READ on PostgreSQL, one read
transaction on SQLite: one snapshot) and reads only what it shows: a council page reads that
council, its mandates, electorates, units and children, not every council of the federation.

The parts keep the shapes the API serves (services/views.py and the other *_views modules):
the read model types the page as a whole, and what each part holds is the same as the API's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dualpower.domain.model import Council
from dualpower.services import (
    alignment,
    cycle_views,
    elections_views,
    offices_views,
    paper,
    views,
)
from dualpower.store.uow import UnitOfWork

HOME_COUNCILS = 120  # the home page shows the tree's levels down to the last that fits


@dataclass(frozen=True)
class HomePage:
    """The council tree from the chief council down, level by level, as deep as fits in
    HOME_COUNCILS councils; a council whose children are not shown says how many there are
    (its own page lists them)."""

    tree: list[dict[str, Any]]
    shown: int  # councils shown


@dataclass(frozen=True)
class AlignmentPage:
    """The federation's seats and popular base, and the top levels of the tree (as the home
    page shows them) with each council's seats and popular base (its history and pictures:
    `AlignmentCouncilPage`)."""

    view: dict[str, Any]  # alignment.top_in: federation, councils, colours
    tree: list[dict[str, Any]]  # the same councils as a tree, for the picture
    shown: int


@dataclass(frozen=True)
class AlignmentCouncilPage:
    """One council's seats, popular base, history and changes of majority: what the alignment
    page drew for every council it showed, for any council (the alignment page links each)."""

    council: dict[str, Any]  # alignment.council_detail_in


@dataclass(frozen=True)
class CouncilPage:
    council: dict[str, Any]  # views.council: composition, deputies, units, children
    pay: dict[str, Any]  # offices_views.council_pay
    opening: cycle_views.Opening


@dataclass(frozen=True)
class ElectionPage:
    election: dict[str, Any]  # views.election, for this viewer
    result: dict[str, Any] | None  # after the close
    ballots: list[dict[str, Any]]  # published after the close
    may_enter_paper: bool = False  # the viewer may enter its paper ballots now (services/paper)


@dataclass(frozen=True)
class MePage:
    view: dict[str, Any]  # views.me
    now: elections_views.CanDoNow


@dataclass(frozen=True)
class RecallPage:
    petition: dict[str, Any]  # views.petition, for this viewer


def _top_levels(uow: UnitOfWork) -> tuple[list[Council], dict[int, int]]:
    """The councils of the tree's top levels, from the chief council down, as many levels as
    fit in HOME_COUNCILS; and how many councils sit below each of the last level's (counted,
    not read)."""
    levels: list[Council] = []
    table = uow.councils.table
    level = uow.councils.list(table.c.parent_id.is_(None))
    below: dict[int, int] = {}
    while level and len(levels) + len(level) <= HOME_COUNCILS:
        levels += level
        below = views.children_counts(uow, [c.id for c in level])
        if len(levels) + sum(below.values()) > HOME_COUNCILS:
            break  # the next level does not fit
        level = uow.councils.list(table.c.parent_id.in_([c.id for c in level]))
    return levels, below


def _tree(nodes: list[dict[str, Any]], below: dict[int, int]) -> list[dict[str, Any]]:
    by_id = {c["id"]: c | {"children": [], "below": below.get(c["id"], 0)} for c in nodes}
    roots: list[dict[str, Any]] = []
    for node in by_id.values():
        parent = by_id.get(node["parent_id"])
        (parent["children"] if parent else roots).append(node)
    return roots


def home(uow: UnitOfWork) -> HomePage:
    with uow:
        levels, below = _top_levels(uow)
        nodes = alignment.councils_in(uow, [c.id for c in levels])  # stored seats, no recount
    return HomePage(_tree(nodes, below), len(levels))


def alignment_page(uow: UnitOfWork) -> AlignmentPage:
    with uow:
        levels, below = _top_levels(uow)
        view = alignment.top_in(uow, [c.id for c in levels])
    return AlignmentPage(view, _tree(view["councils"], below), len(levels))


def alignment_council(uow: UnitOfWork, council_id: int) -> AlignmentCouncilPage:
    with uow:
        return AlignmentCouncilPage(alignment.council_detail_in(uow, council_id))


def council(uow: UnitOfWork, council_id: int, viewer_id: int | None) -> CouncilPage:
    with uow:
        return CouncilPage(
            views.council_in(uow, council_id),
            offices_views.council_pay_in(uow, council_id),
            cycle_views.opening_in(uow, council_id, viewer_id),
        )


def election(uow: UnitOfWork, election_id: int, viewer_id: int | None) -> ElectionPage:
    with uow:
        found = views.election_in(uow, election_id, viewer_id)
        if found["status"] == "open":
            return ElectionPage(
                found, None, [], paper.may_enter_ballots_in(uow, election_id, viewer_id)
            )
        result = views.election_result_in(uow, election_id)
        ballots = views.published_ballots_in(uow, election_id)
    return ElectionPage(found, result, ballots)


def me(uow: UnitOfWork, member_id: int) -> MePage:
    with uow:
        return MePage(views.me_in(uow, member_id), elections_views.can_do_now_in(uow, member_id))


def recall(uow: UnitOfWork, petition_id: int, viewer_id: int | None) -> RecallPage:
    with uow:
        return RecallPage(views.petition_in(uow, petition_id, viewer_id))
