"""The alignment of forces and the road to majority (DESIGN.md 2.7), read-only.

The rules are in domain/alignment.py and domain/road.py; this module reads what they need
in as few queries as it can: the current seats come from one aggregate over the active
mandates (grouped by council, faction and whether a base unit elected the seat), so the whole
federation's alignment costs little more than that aggregate (bench/alignment.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select

from dualpower.domain import alignment as al
from dualpower.domain import errors
from dualpower.domain import road as rd
from dualpower.store import tables as t
from dualpower.store.repositories import as_utc
from dualpower.store.uow import UnitOfWork

NEUTRAL = "#6b7280"


def _faction_names(uow: UnitOfWork) -> tuple[dict[int, str], dict[str, str]]:
    factions = uow.factions.list()
    return {f.id: f.name for f in factions}, {f.name: f.colour for f in factions}


def _aggregate(uow: UnitOfWork) -> list[tuple[int, int | None, bool, int]]:
    md, el = t.mandates, t.electorates
    is_unit = case((el.c.kind == "unit", True), else_=False)
    query = (
        select(md.c.council_id, md.c.faction_id, is_unit, func.count())
        .join(el, el.c.id == md.c.electorate_id)
        .where(md.c.end_at.is_(None))
        .group_by(md.c.council_id, md.c.faction_id, is_unit)
    )
    return [tuple(row) for row in uow.conn.execute(query)]  # type: ignore[misc]


def _seats(uow: UnitOfWork) -> dict[int, int]:
    el = t.electorates
    query = select(el.c.council_id, func.sum(el.c.seats)).group_by(el.c.council_id)
    return {c: int(n or 0) for c, n in uow.conn.execute(query)}


def snapshot(uow: UnitOfWork) -> dict[str, Any]:
    """Seats by faction and the majority of every council and of the federation, now."""
    with uow:
        names, colours = _faction_names(uow)
        councils = {c: (name, parent) for c, name, parent in _council_rows(uow)}
        rows = _aggregate(uow)
        seats = _seats(uow)
    return _snapshot(rows, names, colours, councils, seats)


def _council_rows(uow: UnitOfWork) -> list[tuple[int, str, int | None]]:
    c = t.councils
    query = select(c.c.id, c.c.name, c.c.parent_id).order_by(c.c.id)
    return [tuple(row) for row in uow.conn.execute(query)]  # type: ignore[misc]


def _snapshot(
    rows: list[tuple[int, int | None, bool, int]],
    names: dict[int, str],
    colours: dict[str, str],
    councils: dict[int, tuple[str, int | None]],
    seats: dict[int, int],
) -> dict[str, Any]:
    def name(faction_id: int | None) -> str:
        return names.get(faction_id, al.NO_FACTION) if faction_id is not None else al.NO_FACTION

    per = al.snapshots(((c, name(f), n) for c, f, _, n in rows), councils)
    whole = al.federation((name(f), n) for _, f, is_unit, n in rows if is_unit)
    out = [
        {
            "id": cid,
            "name": councils[cid][0],
            "parent_id": councils[cid][1],
            "seats": seats.get(cid, 0),
            "filled": snap.filled,
            "composition": snap.composition,
            "majority": snap.majority,
        }
        for cid, snap in per.items()
    ]
    base_seats = sum(n for _, _, is_unit, n in rows if is_unit)
    return {
        "councils": out,
        "federation": {
            "filled": whole.filled,
            "base_seats_filled": base_seats,
            "composition": whole.composition,
            "majority": whole.majority,
        },
        "colours": {n: colours.get(n, NEUTRAL) for n in [*names.values(), al.NO_FACTION]},
    }


def history(uow: UnitOfWork, council_id: int | None = None) -> dict[int, list[al.Step]]:
    """Every council's steps of composition (or one council's), from mandate history."""
    md = t.mandates
    query = select(md.c.council_id, md.c.faction_id, md.c.start_at, md.c.end_at)
    if council_id is not None:
        query = query.where(md.c.council_id == council_id)
    with uow:
        names, _ = _faction_names(uow)
        rows = list(uow.conn.execute(query))
    return al.history(
        al.Tenure(c, names.get(f, al.NO_FACTION), as_utc(s), as_utc(e)) for c, f, s, e in rows
    )


def popular_base(uow: UnitOfWork) -> tuple[dict[int, dict[str, float]], dict[str, float]]:
    with uow:
        names, _ = _faction_names(uow)
        parent_of = {c.id: c.parent_id for c in uow.councils.list()}
        unit_council = {u.id: u.council_id for u in uow.units.list()}
        rolls = uow.units.roll_sizes()
        sources = {
            e.id: al.Source(e.id, e.kind, e.source_id, e.seats) for e in uow.electorates.list()
        }
        seats = [
            al.SeatOf(md.council_id, names.get(md.faction_id or 0, al.NO_FACTION), md.electorate_id)
            for md in uow.mandates.active()
        ]
    return al.popular_base(seats, sources, parent_of, unit_council, rolls)


def overview(uow_factory: Any) -> dict[str, Any]:
    """Everything the alignment page shows: the snapshot, popular bases, every council's history
    and its majority changes. `uow_factory()` gives a fresh read-only unit of work."""
    snap = snapshot(uow_factory())
    bases, whole = popular_base(uow_factory())
    steps = history(uow_factory())
    for council in snap["councils"]:
        council["popular_base"] = _rounded(bases.get(council["id"], {}))
        council["history"] = steps.get(council["id"], [])
        council["changes"] = al.majority_changes(council["history"])
    snap["federation"]["popular_base"] = _rounded(whole)
    return snap


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
        holders = {m.id: m.display_name for m in uow.members.list(t.members.c.id.in_(wanted))}
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
