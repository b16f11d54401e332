"""What the council page's form to open a general election needs (DESIGN.md 2.9;
services/cycle.py opens it): whether the reader may open the council's elections now, and the
electorates whose seats are in it, each with whether an election of them is open."""

from __future__ import annotations

from dataclasses import dataclass

from dualpower.domain import errors, vote_methods
from dualpower.services.cycle import may_run_elections
from dualpower.store.uow import UnitOfWork


@dataclass(frozen=True)
class Seats:
    kind: str  # "unit" | "council": who elects them
    source_id: int
    name: str
    seats: int
    has_open: bool  # an election of these seats is open already


@dataclass(frozen=True)
class Opening:
    may_open: bool
    seat_method: str  # the council's, the form's default
    secret_by_default: bool  # the standing orders' secret_elections
    electorates: tuple[Seats, ...]
    methods: tuple[vote_methods.VoteMethod, ...]


def opening(uow: UnitOfWork, council_id: int, viewer_id: int | None) -> Opening:
    with uow:
        return opening_in(uow, council_id, viewer_id)


def opening_in(uow: UnitOfWork, council_id: int, viewer_id: int | None) -> Opening:
    council = uow.councils.get(council_id)
    if council is None:
        raise errors.NotFound(f"no council {council_id}")
    may = False
    if viewer_id is not None:
        try:
            may_run_elections(uow, viewer_id, council.id)
            may = True
        except errors.NotAllowed:
            may = False
    electorates = uow.electorates.of_council(council.id)  # its seats, not the federation's
    unit_ids = [e.source_id for e in electorates if e.kind == "unit"]
    council_ids = [e.source_id for e in electorates if e.kind != "unit"]
    units = {u.id: u.name for u in uow.units.list(uow.units.table.c.id.in_(unit_ids))}
    councils = {c.id: c.name for c in uow.councils.list(uow.councils.table.c.id.in_(council_ids))}
    open_ = uow.elections.electorates_voting(e.id for e in electorates)
    seats = []
    for e in electorates:
        name = units.get(e.source_id) if e.kind == "unit" else councils.get(e.source_id)
        seats.append(Seats(e.kind, e.source_id, name or "", e.seats, e.id in open_))
    orders = uow.standing_orders.of(council_id=council.id)
    return Opening(
        may,
        council.seat_method,
        bool(orders["secret_elections"]),
        tuple(sorted(seats, key=lambda s: (s.kind != "unit", s.name))),
        vote_methods.all_methods(),
    )
