"""Seats per electorate from the rolls (DESIGN.md 1): recomputed when asked, applied at the
next election of each electorate.

A base unit's size is its roll; a lower council's size is its territory (the members on the
rolls of every unit under it).
"""

from __future__ import annotations

from dualpower.domain.apportionment import apportion
from dualpower.domain.apportionment_json import settings_from_json
from dualpower.domain.model import Council, Electorate
from dualpower.store.uow import UnitOfWork


def territory_sizes(uow: UnitOfWork) -> dict[int, int]:
    """Members on the rolls of the units under each council (its territory)."""
    councils = uow.councils.list()
    rolls = uow.units.roll_sizes()
    size = {c.id: 0 for c in councils}
    parent = {c.id: c.parent_id for c in councils}
    for unit in uow.units.list():
        council_id: int | None = unit.council_id
        while council_id is not None:
            size[council_id] += rolls.get(unit.id, 0)
            council_id = parent[council_id]
    return size


def apportion_council(uow: UnitOfWork, council: Council) -> dict[tuple[str, int], int]:
    """Seats per electorate of `council` under its settings, from the rolls as they are now."""
    settings = settings_from_json(council.apportionment)
    units = [u for u in uow.units.list() if u.council_id == council.id]
    children = uow.councils.children(council.id)
    rolls = uow.units.roll_sizes()
    territory = territory_sizes(uow)
    items: list[tuple[tuple[str, int], str | None, int]] = [
        (("unit", u.id), u.kind, rolls.get(u.id, 0)) for u in units
    ] + [(("council", c.id), None, territory[c.id]) for c in children]
    return apportion(items, settings)


def create_electorates(uow: UnitOfWork) -> None:
    for council in uow.councils.list():
        for (kind, source), seats in apportion_council(uow, council).items():
            uow.electorates.add(
                council_id=council.id,
                kind=kind,
                unit_id=source if kind == "unit" else None,
                source_council_id=source if kind == "council" else None,
                seats=seats,
            )


def seats_now(uow: UnitOfWork, electorate: Electorate) -> int:
    """The seats this electorate gets from the rolls as they are now."""
    council = uow.councils.get(electorate.council_id)
    assert council is not None
    return apportion_council(uow, council)[(electorate.kind, electorate.source_id)]
