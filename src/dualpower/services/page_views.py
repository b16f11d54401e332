"""What each page shows, read in one read transaction (one snapshot) and handed to the page as
one typed read model (issue 24, STYLE.md 17).

A page used to call three or four views, each in its own transaction: on PostgreSQL each saw
the federation at its own moment (a council's seats from before a recall, its deputies from
after). Here a page enters one read-only unit of work (REPEATABLE READ on PostgreSQL, one read
transaction on SQLite: one snapshot) and reads only what it shows: a council page reads that
council, its mandates, electorates, units and children, not every council of the federation.

Each page's read model is a frozen dataclass below; its parts are the shapes the API serves
as JSON, typed by TypedDicts defined beside the view that builds each (services/views.py
`CouncilDetail`, `ElectionDetail`, `ElectionResultView`, `PublishedBallotView`, `MeView`,
`PetitionView`; services/alignment.py `CouncilColours`, `TopView`, `CouncilAlignment`;
services/offices_views.py `CouncilPay`), and dataclasses where only pages read them
(cycle_views.Opening, elections_views.CanDoNow). mypy checks what the pages read; a test
(tests/unit/services/test_read_models.py) checks every key and value of each page's model
against its types at run time, so the types cannot drift from what the code builds.

A new page: a dataclass here, a function that enters one unit of work and calls the `*_in`
views it needs (each typed where it is built), and a route that renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NotRequired

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


class TreeNode(alignment.CouncilColours):
    """A council of the tree the home and alignment pages draw, with the councils shown below
    it, and how many councils sit below it when none is shown (its own page lists them)."""

    children: list[TreeNode]
    below: int
    popular_base: NotRequired[dict[str, int]]  # the alignment page's (alignment.CouncilBase)


@dataclass(frozen=True)
class HomePage:
    """The council tree from the chief council down, level by level, as deep as fits in
    HOME_COUNCILS councils; a council whose children are not shown says how many there are
    (its own page lists them)."""

    tree: list[TreeNode]
    shown: int  # councils shown


@dataclass(frozen=True)
class AlignmentPage:
    """The federation's seats and popular base, and the top levels of the tree (as the home
    page shows them) with each council's seats and popular base (its history and pictures:
    `AlignmentCouncilPage`)."""

    view: alignment.TopView  # the federation, the councils, the colours
    tree: list[TreeNode]  # the same councils as a tree, for the picture
    shown: int


@dataclass(frozen=True)
class AlignmentCouncilPage:
    """One council's seats, popular base, history and changes of majority: what the alignment
    page drew for every council it showed, for any council (the alignment page links each)."""

    council: alignment.CouncilAlignment


@dataclass(frozen=True)
class CouncilPage:
    council: views.CouncilDetail  # composition, deputies, units, children
    pay: offices_views.CouncilPay
    opening: cycle_views.Opening


@dataclass(frozen=True)
class ElectionPage:
    election: views.ElectionDetail  # for this viewer
    result: views.ElectionResultView | None  # after the close
    ballots: list[views.PublishedBallotView]  # published after the close
    may_enter_paper: bool = False  # the viewer may enter its paper ballots now (services/paper)


@dataclass(frozen=True)
class MePage:
    view: views.MeView
    now: elections_views.CanDoNow


@dataclass(frozen=True)
class RecallPage:
    petition: views.PetitionView  # for this viewer


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


def _tree(
    nodes: Sequence[alignment.CouncilBase | alignment.CouncilColours], below: dict[int, int]
) -> list[TreeNode]:
    by_id: dict[int, TreeNode] = {
        c["id"]: {**c, "children": [], "below": below.get(c["id"], 0)} for c in nodes
    }
    roots: list[TreeNode] = []
    for node in by_id.values():
        parent_id = node["parent_id"]
        parent = by_id.get(parent_id) if parent_id is not None else None
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
