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
from dualpower.services import cycle_views, elections_views, offices_views, views
from dualpower.store.uow import UnitOfWork

HOME_COUNCILS = 120  # the home page shows the tree's levels down to the last that fits


@dataclass(frozen=True)
class HomePage:
    """The council tree from the chief council down, level by level, as deep as fits in
    HOME_COUNCILS councils; a council whose children are not shown says how many there are
    (its own page lists them)."""

    tree: list[dict[str, Any]]
    councils: int  # in the whole federation
    shown: int


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


@dataclass(frozen=True)
class MePage:
    view: dict[str, Any]  # views.me
    now: elections_views.CanDoNow


@dataclass(frozen=True)
class RecallPage:
    petition: dict[str, Any]  # views.petition, for this viewer


def home(uow: UnitOfWork) -> HomePage:
    with uow:
        levels: list[list[Council]] = []
        table = uow.councils.table
        level = uow.councils.list(table.c.parent_id.is_(None))
        shown = 0
        while level and shown + len(level) <= HOME_COUNCILS:
            levels.append(level)
            shown += len(level)
            level = uow.councils.list(table.c.parent_id.in_([c.id for c in level]))
        every = views.council_count(uow)
        nodes = views.councils_of(uow, [c for found in levels for c in found])
        below = views.children_counts(uow, [c.id for c in levels[-1]] if levels else [])
    by_id = {c["id"]: c | {"children": [], "below": 0} for c in nodes}
    roots: list[dict[str, Any]] = []
    for node in by_id.values():
        parent = by_id.get(node["parent_id"])
        (parent["children"] if parent else roots).append(node)
        node["below"] = below.get(node["id"], 0)
    return HomePage(roots, every, shown)


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
            return ElectionPage(found, None, [])
        result = views.election_result_in(uow, election_id)
        ballots = views.published_ballots_in(uow, election_id)
    return ElectionPage(found, result, ballots)


def me(uow: UnitOfWork, member_id: int) -> MePage:
    with uow:
        return MePage(views.me_in(uow, member_id), elections_views.can_do_now_in(uow, member_id))


def recall(uow: UnitOfWork, petition_id: int, viewer_id: int | None) -> RecallPage:
    with uow:
        return RecallPage(views.petition_in(uow, petition_id, viewer_id))
