"""Read models of the federation's directory for the API (issue 25): its base units, with the
size of their roll (public, as each unit's page shows it), and its factions, with the seats
they hold now in all councils. One read transaction each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dualpower.store.uow import UnitOfWork


@dataclass(frozen=True)
class UnitListed:
    id: int
    name: str
    kind: str
    section: str
    council_id: int
    members: int


@dataclass(frozen=True)
class FactionListed:
    id: int
    name: str
    short: str
    colour: str
    seats: int


def units(uow: UnitOfWork) -> list[UnitListed]:
    """Every base unit, by id, with the number of members on its roll now."""
    with uow:
        sizes = uow.units.roll_sizes()
        found = uow.units.list()
        return [
            UnitListed(u.id, u.name, u.kind, u.section, u.council_id, sizes.get(u.id, 0))
            for u in found
        ]


def factions(uow: UnitOfWork) -> list[FactionListed]:
    """Every faction, by id, with the seats its deputies hold now in all councils."""
    with uow:
        seats = Counter(md.faction_id for md in uow.mandates.active())
        found = uow.factions.list()
        return [FactionListed(f.id, f.name, f.short, f.colour, seats[f.id]) for f in found]
