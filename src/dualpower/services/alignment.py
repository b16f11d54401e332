"""The alignment of forces and the road to majority (DESIGN.md 2.7), read-only.

The rules are in domain/alignment.py and domain/road.py; this module reads what they need in as
few queries as it can, all of them the store's (store/tables_alignment.py). The current seats
come from the alignment that triggers keep in the same transaction as every mandate change: the
snapshot of every council reads one short row per council, not the mandates
(bench/alignment.py). The popular base is counted in SQL, by council, faction and electorate's
seats (a few hundred rows, not a row a seat); the alignment page reads it kept
(`popular_bases`, refreshed by the clock's early runs when something it depends on changed,
`refresh_bases`) and says the time it is as of. History and the road to majority read the
mandates, on demand.

What it reads is typed (the TypedDicts below): the pages' read models (services/page_views.py)
and what the API serves as JSON.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, TypedDict

from dualpower.domain import alignment as al
from dualpower.domain import errors
from dualpower.domain import road as rd
from dualpower.store.tables_alignment import Represented, parse_composition
from dualpower.store.uow import UnitOfWork

NEUTRAL = "#6b7280"
REFRESH_EVERY = timedelta(seconds=10)  # the popular bases, counted again at most this often


class StoredSeats(TypedDict):
    """A council's seats as the triggers keep them (one short row): filled, by faction (largest
    first), and the majority."""

    id: int
    name: str
    parent_id: int | None
    seats: int
    filled: int
    composition: dict[str, int]
    majority: str | None


class CouncilColours(StoredSeats):
    """What a council's hemicycle draws: its stored seats and its factions' colours."""

    colours: dict[str, str]


class CouncilBase(CouncilColours):
    """A council as the alignment page lists it, with its popular base: {faction: members its
    seats represent}, largest first."""

    popular_base: dict[str, int]


class CouncilAlignment(CouncilBase):
    """A council's own alignment page: its history (its composition after every change) and
    the changes of majority."""

    history: list[al.Step]
    changes: list[al.Step]
    popular_base_as_of: datetime | None  # None: counted for this view


class FederationSeats(TypedDict):
    """The federation's base-unit seats by faction and its majority."""

    filled: int
    base_seats_filled: int
    composition: dict[str, int]
    majority: str | None


class FederationBase(FederationSeats):
    popular_base: dict[str, int]


class SeatsSnapshot(TypedDict):
    councils: list[StoredSeats]
    federation: FederationSeats
    colours: dict[str, str]  # every faction's, and grey for "no faction"


class TopView(TypedDict):
    """The alignment page's: the federation, and the councils of the tree's top levels."""

    councils: list[CouncilBase]
    federation: FederationBase
    popular_base_as_of: datetime | None  # None: counted for this view
    colours: dict[str, str]


class OverviewCouncil(StoredSeats):
    popular_base: dict[str, int]
    history: list[al.Step]
    changes: list[al.Step]


class Overview(TypedDict):
    """`GET /alignment`: every council's seats, popular base and history."""

    councils: list[OverviewCouncil]
    federation: FederationBase
    colours: dict[str, str]


def _faction_names(uow: UnitOfWork) -> tuple[dict[int, str], dict[str, str]]:
    factions = uow.factions.list()
    return {f.id: f.name for f in factions}, {f.name: f.colour for f in factions}


def snapshot(uow: UnitOfWork) -> SeatsSnapshot:
    """Seats by faction and the majority of every council and of the federation, now."""
    with _collector_paused():
        with uow:
            names, colours = _faction_names(uow)
            councils = uow.alignment.councils()
        return _snapshot(councils, names, colours)


def colours(uow: UnitOfWork) -> dict[str, str]:
    """{faction name: its colour}, and grey for "no faction" (a picture's colours), from the
    factions alone."""
    with uow:
        return _colours(*_faction_names(uow))


def _colours(names: dict[int, str], colours: dict[str, str]) -> dict[str, str]:
    return {n: colours.get(n, NEUTRAL) for n in [*names.values(), al.NO_FACTION]}


def council(uow: UnitOfWork, council_id: int) -> CouncilColours:
    """One council's name, seats, composition, majority and colours from the row the triggers
    keep (one short row): what its hemicycle draws, without counting its mandates again."""
    with uow:
        found = councils_in(uow, [council_id])
    if not found:
        raise errors.NotFound(f"there is no council {council_id}")
    return found[0]


def councils_in(uow: UnitOfWork, council_ids: list[int]) -> list[CouncilColours]:
    """These councils' seats, composition, majority and colours from their stored rows (in an
    entered unit of work), by id: a page showing a hundred councils reads a hundred short rows,
    not their ten thousand mandates."""
    return _councils(uow, council_ids, *_faction_names(uow))


def _councils(
    uow: UnitOfWork, council_ids: list[int], names: dict[int, str], colours: dict[str, str]
) -> list[CouncilColours]:
    snap = _snapshot(uow.alignment.councils_in(council_ids), names, colours)
    every = snap["colours"]
    return [
        {**found, "colours": {f: every.get(f, NEUTRAL) for f in found["composition"]}}
        for found in snap["councils"]
    ]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a snapshot's rows and dicts are built: they
    hold no cycles, but 100,000 of them would have it traverse the growing heap again and again
    (it tripled the time of building the snapshot of 100,000 councils). Reference counting
    still frees everything; the collector resumes after, unless it was off already."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Summary = tuple[int, dict[str, int], str | None]  # filled, composition, majority


def _snapshot(
    councils: Sequence[tuple[int, str, int | None, int, str]],
    names: dict[int, str],
    colours: dict[str, str],
) -> SeatsSnapshot:
    """Councils of one composition share its summary: a federation of 100,000 councils has a
    few hundred compositions, so the rule runs a few hundred times, not 100,000 (and the
    federation is summed over the compositions, each times the councils that have it)."""

    def summary(stored: str) -> Summary:
        counts: dict[str, int] = defaultdict(int)
        for faction_id, _, n in parse_composition(stored):
            counts[names.get(faction_id, al.NO_FACTION)] += n
        snap = al.snapshot(counts)
        return snap.filled, snap.composition, snap.majority

    times = Counter(map(itemgetter(4), councils))  # councils by stored counts
    known = {stored: summary(stored) for stored in times}
    out: list[StoredSeats] = [
        {
            "id": council_id,
            "name": council,
            "parent_id": parent_id,
            "seats": seats,
            "filled": filled,
            "composition": dict(composition),
            "majority": majority,
        }
        for council_id, council, parent_id, seats, stored in councils
        for filled, composition, majority in [known[stored]]
    ]
    whole = al.federation(
        (names.get(faction_id, al.NO_FACTION), n * k)
        for stored, k in times.items()
        for faction_id, is_unit, n in parse_composition(stored)
        if is_unit
    )
    return {
        "councils": out,
        "federation": {
            "filled": whole.filled,
            "base_seats_filled": whole.filled,
            "composition": whole.composition,
            "majority": whole.majority,
        },
        "colours": _colours(names, colours),
    }


def history(uow: UnitOfWork, council_id: int | None = None) -> dict[int, list[al.Step]]:
    """Every council's steps of composition (or one council's), from mandate history."""
    with uow:
        return history_in(uow, None if council_id is None else [council_id])


def history_in(uow: UnitOfWork, council_ids: list[int] | None) -> dict[int, list[al.Step]]:
    """These councils' steps (every council's when None), in an entered unit of work."""
    return _history(uow, council_ids, _faction_names(uow)[0])


def _history(
    uow: UnitOfWork, council_ids: list[int] | None, names: dict[int, str]
) -> dict[int, list[al.Step]]:
    return al.history(
        al.Tenure(c, names.get(f or 0, al.NO_FACTION), s, e, n)
        for c, f, s, e, n in uow.alignment.spans(council_ids)
    )


def top_in(uow: UnitOfWork, council_ids: list[int]) -> TopView:
    """What the alignment page shows of a large federation, in an entered unit of work: the
    federation's base seats by faction (summed from the stored counts) and its popular base,
    and only these councils (the top levels of the tree) with their seats and popular base;
    each council's history and pictures are on its own page (`council_detail_in`). `overview` is
    every council's (the API). The popular bases are the kept ones (`refresh_bases`), as of
    `popular_base_as_of`; counted for the view only before the clock's first refresh."""
    names, colours = _faction_names(uow)
    totals = uow.alignment.unit_seats()
    whole = al.federation((names.get(f, al.NO_FACTION), n) for f, n in totals.items())
    bases, base, as_of = _bases(uow, council_ids, names)
    councils: list[CouncilBase] = [
        {**council, "popular_base": _rounded(bases.get(council["id"], {}))}
        for council in _councils(uow, council_ids, names, colours)
    ]
    return {
        "councils": councils,
        "federation": {
            "filled": whole.filled,
            "base_seats_filled": whole.filled,
            "composition": whole.composition,
            "majority": whole.majority,
            "popular_base": _rounded(base),
        },
        "popular_base_as_of": as_of,  # None: counted for this view
        "colours": _colours(names, colours),
    }


def council_detail_in(uow: UnitOfWork, council_id: int) -> CouncilAlignment:
    """One council as its own alignment page shows it, in an entered unit of work: its seats,
    composition, majority and colours (the stored row), its popular base (kept, as of
    `popular_base_as_of`), its history and changes of majority (its mandates' spans)."""
    names, colours = _faction_names(uow)
    found = _councils(uow, [council_id], names, colours)
    if not found:
        raise errors.NotFound(f"there is no council {council_id}")
    bases, _, as_of = _bases(uow, [council_id], names)
    history = _history(uow, [council_id], names).get(council_id, [])
    return {
        **found[0],
        "popular_base": _rounded(bases.get(council_id, {})),
        "history": history,
        "changes": al.majority_changes(history),
        "popular_base_as_of": as_of,
    }


def _bases(
    uow: UnitOfWork, council_ids: list[int], names: dict[int, str]
) -> tuple[dict[int, dict[str, float]], dict[str, float], datetime | None]:
    """These councils' popular bases, the federation's, and the time they are as of: the kept
    ones, or (never refreshed: None) counted now."""
    as_of = uow.alignment.bases_as_of()
    kept = (
        uow.alignment.represented(council_ids, federation=True)
        if as_of is None
        else uow.alignment.bases_kept(council_ids)
    )
    rows = _named(kept, names)
    return (
        al.popular_base(rows),
        al.federation_base(row for row in rows if row.council_id is None),
        as_of,
    )


def refresh_bases(
    uow: UnitOfWork, *, always: bool = False, every: timedelta = REFRESH_EVERY
) -> bool | None:
    """Count the popular bases the alignment page reads again, when a roll, a mandate, an
    electorate or the tree changed since the last count (the clock's early runs, issue 24: at
    1,000,000 members the count takes 1-1.7 s of the database, too long for every view); else
    only say they are still current now. At most once `every` (several serving processes run
    the clock). True: counted; False: unchanged; None: another clock counts, or counted
    within `every`."""
    with uow:
        now = uow.now()
        counted = uow.alignment.refresh_bases(now, always=always, not_before=now - every)
        uow.commit()
    return counted


def popular_base(uow: UnitOfWork) -> tuple[dict[int, dict[str, float]], dict[str, float]]:
    with uow:
        return popular_base_in(uow)


def popular_base_in(uow: UnitOfWork) -> tuple[dict[int, dict[str, float]], dict[str, float]]:
    """(per council {faction: members represented}, the federation's), in an entered unit of
    work: the store counts the seats by council, faction and electorate's seats and sums the
    members their electorates represent (the kept rolls, `unit_rolls`); the domain divides."""
    names, _ = _faction_names(uow)
    rows = _named(uow.alignment.represented(), names)
    return al.popular_base(rows), al.federation_base(rows)


def _named(rows: list[Represented], names: dict[int, str]) -> list[al.Represented]:
    return [
        al.Represented(c, names.get(f or 0, al.NO_FACTION), is_unit, seats, members)
        for c, f, is_unit, seats, members in rows
    ]


def overview(uow_factory: Any) -> Overview:
    """Everything the alignment page shows: the snapshot, popular bases, every council's history
    and its majority changes. `uow_factory()` gives a fresh read-only unit of work."""
    snap = snapshot(uow_factory())
    bases, whole = popular_base(uow_factory())
    steps = history(uow_factory())
    councils: list[OverviewCouncil] = []
    for council in snap["councils"]:
        found = steps.get(council["id"], [])
        councils.append(
            {
                **council,
                "popular_base": _rounded(bases.get(council["id"], {})),
                "history": found,
                "changes": al.majority_changes(found),
            }
        )
    return {
        "councils": councils,
        "federation": {**snap["federation"], "popular_base": _rounded(whole)},
        "colours": snap["colours"],
    }


def _rounded(values: dict[str, float]) -> dict[str, int]:
    return dict(sorted(((k, round(v)) for k, v in values.items()), key=lambda kv: -kv[1]))


def road(uow: UnitOfWork, faction: str) -> dict[str, Any]:
    """The road to a majority of the chief council for a faction (by name or short name)."""
    with uow:
        found = next(
            (f for f in uow.factions.list() if faction in (f.name, f.short, str(f.id))), None
        )
        if found is None:
            raise errors.NotFound(f"there is no faction {faction!r}")
        councils = {c.id: c for c in uow.councils.list()}
        electorates = uow.electorates.list()
        active = uow.mandates.active()
        units = {u.id: u.name for u in uow.units.list()}
        wanted = list({md.holder_id for md in active})
        holders = uow.alignment.display_names(wanted)
        names, _ = _faction_names(uow)
    plan = [_road_council(c, electorates, active, found.id, councils) for c in councils.values()]
    result = rd.road(plan)
    return {
        "faction": found.name,
        "exists": result.exists,
        "cost": int(result.cost) if result.exists else None,
        "target": result.target,
        "seats": result.seats,
        "holds": {councils[c].name: k for c, k in result.holds.items()},
        "wins": [
            _seats_to_win(councils[c], n, electorates, active, found.id, units, holders, names)
            for c, n in sorted(result.changes.items())
        ],
    }


def _road_council(
    c: Any, electorates: list[Any], active: list[Any], faction_id: int, councils: dict[int, Any]
) -> rd.RoadCouncil:
    unit_electorates = {e.id for e in electorates if e.council_id == c.id and e.kind == "unit"}
    base_seats = sum(e.seats for e in electorates if e.id in unit_electorates)
    held = sum(
        1 for md in active if md.electorate_id in unit_electorates and md.faction_id == faction_id
    )
    up = next((e for e in electorates if e.kind == "council" and e.source_id == c.id), None)
    parent = councils.get(c.parent_id) if c.parent_id else None
    return rd.RoadCouncil(
        c.id,
        c.parent_id,
        base_seats,
        min(held, base_seats),
        up.seats if up else 0,
        rd.rule_for(parent.seat_method) if parent else rd.BLOCK,
    )


def _seats_to_win(
    council: Any,
    n: int,
    electorates: list[Any],
    active: list[Any],
    faction_id: int,
    units: dict[int, str],
    holders: dict[int, str],
    names: dict[int, str],
) -> dict[str, Any]:
    """Which seats: vacant ones first, then those of the largest rival faction."""
    seats: list[dict[str, Any]] = []
    held_by: dict[tuple[int, int], Any] = {(md.electorate_id, md.seat_no): md for md in active}
    rivals: dict[int | None, int] = defaultdict(int)
    for md in active:
        if md.council_id == council.id and md.faction_id != faction_id:
            rivals[md.faction_id] += 1
    for e in [e for e in electorates if e.council_id == council.id and e.kind == "unit"]:
        for seat_no in range(1, e.seats + 1):
            md = held_by.get((e.id, seat_no))
            if md is not None and md.faction_id == faction_id:
                continue
            seats.append(
                {
                    "unit_id": e.source_id,
                    "unit": units.get(e.source_id, ""),
                    "seat_no": seat_no,
                    "mandate_id": md.id if md else None,
                    "holder": holders.get(md.holder_id, "") if md else None,
                    "faction": names.get(md.faction_id or 0, al.NO_FACTION) if md else None,
                    "_order": (md is not None, -rivals[md.faction_id] if md else 0, e.id, seat_no),
                }
            )
    seats.sort(key=lambda s: s["_order"])
    for s in seats:
        del s["_order"]
    return {
        "council_id": council.id,
        "council": council.name,
        "seats_to_win": n,
        "seats": seats[: max(n, 0)],
    }
