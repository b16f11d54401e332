"""A small federation for tests: a chief council over two base councils, four units, 40
members with the password "password1", and its founding elections held.

    Chief Council  <- 2 delegates from each base council (STV)
      North Council  <- Forge (factory, 12 members, 2 seats), Barracks (company, 8, 1 seat)
      South Council  <- Mill (factory, 12 members, 2 seats), Farm (village, 8 members, 1 seat)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dualpower.bootstrap import System
from dualpower.domain.founding import CouncilPlan, FactionPlan, FoundingPlan, MemberPlan, UnitPlan
from dualpower.services.accounts import hash_password
from dualpower.services.founding import FoundingVote, found_federation, founding_election

PASSWORD = "password1"
BASE = {
    "by_kind": {
        "factory": {"rule": "ratio", "per": 6, "minimum_per_electorate": 1},
        "company": {"rule": "fixed", "seats": 1},
        "village": {"rule": "ratio", "per": 10, "minimum_per_electorate": 1},
    }
}
UPPER = {"default": {"rule": "fixed", "seats": 2}}
UNITS = (
    ("Forge", "factory", "workers", "North Council", 12),
    ("Barracks", "company", "soldiers", "North Council", 8),
    ("Mill", "factory", "workers", "South Council", 12),
    ("Farm", "village", "peasants", "South Council", 8),
)


@dataclass
class Small:
    system: System
    federation_id: int
    members: dict[str, int] = field(default_factory=dict)  # username -> id
    factions: dict[str, int] = field(default_factory=dict)  # short -> id
    councils: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)


def username(unit: str, i: int) -> str:
    return f"{unit.lower()}{i}"


def small_plan() -> FoundingPlan:
    pw = hash_password(PASSWORD)
    return FoundingPlan(
        name="Test Federation",
        factions=(
            FactionPlan("Reds", "R", "#c00000"),
            FactionPlan("Greens", "G", "#00a000"),
        ),
        councils=(
            CouncilPlan("Chief Council", None, seat_method="stv-scottish", apportionment=UPPER),
            CouncilPlan("North Council", "Chief Council", apportionment=BASE),
            CouncilPlan("South Council", "Chief Council", recall_rule="vote", apportionment=BASE),
        ),
        units=tuple(UnitPlan(n, k, s, c) for n, k, s, c, _ in UNITS),
        members=tuple(
            MemberPlan(username(n, i), f"{n} Member {i}", n, pw)
            for n, _, _, _, size in UNITS
            for i in range(1, size + 1)
        ),
    )


def small_federation(system: System, *, elect: bool = True) -> Small:
    fed_id = found_federation(system.uow(), small_plan())
    small = Small(system, fed_id)
    with system.uow() as uow:
        small.members = {m.username: m.id for m in uow.members.list()}
        small.factions = {f.short: f.id for f in uow.factions.list()}
        small.councils = {c.name: c.id for c in uow.councils.list()}
        small.units = {u.name: u.id for u in uow.units.list()}
        electorates = uow.electorates.list()
    if not elect:
        return small
    # Base units: members 1..seats of each faction stand; odd members vote Reds, even Greens.
    for e in [e for e in electorates if e.kind == "unit"]:
        unit = next(n for n, uid in small.units.items() if uid == e.unit_id)
        size = next(s for n, _, _, _, s in UNITS if n == unit)
        ids = [small.members[username(unit, i)] for i in range(1, size + 1)]
        reds = [(ids[2 * k], small.factions["R"]) for k in range(e.seats)]
        greens = [(ids[2 * k + 1], small.factions["G"]) for k in range(e.seats)]
        cands = reds + greens
        # Two thirds vote Reds in Forge and Barracks, two thirds Greens in Mill and Farm.
        red_units = {"Forge", "Barracks"}
        ballots = []
        for i, voter in enumerate(ids):
            red = (i % 3 != 2) if unit in red_units else (i % 3 == 2)
            choices = list(range(e.seats)) if red else list(range(e.seats, 2 * e.seats))
            ballots.append((voter, choices))
        founding_election(system.uow(), FoundingVote(e.id, cands, ballots))
    for e in [e for e in electorates if e.kind == "council"]:
        with system.uow() as uow:
            deputies = [md for md in uow.mandates.active_in_council(e.source_id)]
        cands = [(md.holder_id, md.faction_id) for md in deputies]
        ballots = [(md.holder_id, [i for i in range(len(cands))]) for md in deputies]
        founding_election(system.uow(), FoundingVote(e.id, cands, ballots, method="stv-scottish"))
    return small
