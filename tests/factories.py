"""A small federation for tests: a chief council over two base councils, four units, 40
members with the password "password1", and its founding elections held.

    Chief Council  <- 2 delegates from each base council (STV)
      North Council  <- Forge (factory, 12 members, 2 seats), Barracks (company, 8, 1 seat)
      South Council  <- Mill (factory, 12 members, 2 seats), Farm (village, 8 members, 1 seat)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher, Type

from dualpower.bootstrap import System
from dualpower.domain.founding import CouncilPlan, FactionPlan, FoundingPlan, MemberPlan, UnitPlan
from dualpower.services.founding import found_federation
from dualpower.store.uow import utcnow
from fixtures_services import FoundingVote, founding_election

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


# The tests' worlds hash their members' passwords with argon2id's cheapest parameters (one pass
# over 8 KiB, one lane). argon2 reads the parameters from the hash itself, so a login runs the
# same code as in production and checks such a hash in microseconds, where the parameters of
# services/accounts.py take ~120 ms of two cores on purpose: the suite logs members in
# thousands of times (it was half the time of the web tests). What `hash_password` makes, and
# that a login checks it, is tested in tests/unit/services/test_accounts.py. The password
# gate (web/guards.py) charges a login's whole time, not argon2's: its tests hold either way.
_QUICK = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)


@cache
def password_hash(password: str = PASSWORD) -> str:
    """A hash of `password` (PASSWORD by default) of the lowest cost, made once a process:
    every world's members share it, as the 40 members of one world always have."""
    return _QUICK.hash(password)


def small_plan() -> FoundingPlan:
    pw = password_hash()
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


class ShiftedClock:
    """The real clock moved forward by `offset`: lets a test reach a vote's windows."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return utcnow() + self.offset


def _shift_to(system: System, moment: datetime | None) -> None:
    """Move the system's clock to `moment` (if it is still ahead): a test's own clock with a
    settable `at`, or the real clock shifted forward."""
    if moment is None:
        return
    if hasattr(system.clock, "at"):
        system.clock.at = max(system.clock.at, moment)
        return
    clock = system.clock if isinstance(system.clock, ShiftedClock) else ShiftedClock()
    clock.offset = max(clock.offset, moment - utcnow() + timedelta(seconds=1))
    system.clock = clock


def to_voting(system: System, election_id: int) -> None:
    """Let time run until the election's nominations close and its ballots are taken (DESIGN.md
    2.9): a by-election, say, opened by a recall."""
    with system.uow() as uow:
        election = uow.elections.get(election_id)
    assert election is not None
    _shift_to(system, election.nominations_close_at)


def to_close(system: System, election_id: int) -> None:
    """Let time run until the election's voting closes (the clock then closes it)."""
    with system.uow() as uow:
        election = uow.elections.get(election_id)
    assert election is not None
    _shift_to(system, election.closes_at)


def to_vote_close(system: System, motion_id: int) -> None:
    """Let time run until the vote on a motion may close: the standing orders' time for a vote
    in session, or a base assembly's voting window (DESIGN.md 2.9)."""
    from dualpower.services.motions import vote_closes_at

    with system.uow() as uow:
        motion = uow.motions.get(motion_id)
        assert motion is not None
        moment = vote_closes_at(uow, motion)
    _shift_to(system, moment)


def close_vote_in_time(system: System, motion_id: int, member_id: int):  # type: ignore[no-untyped-def]
    """Close a vote on a motion once its time has come (nobody closes it earlier)."""
    from dualpower.services import motions

    to_vote_close(system, motion_id)
    return motions.close_vote(system.uow(), motion_id, member_id)


def close_office_election_in_time(system: System, election_id: int, member_id: int):  # type: ignore[no-untyped-def]
    """Close an office election once its time has come."""
    from dualpower.services import offices

    to_close(system, election_id)
    return offices.close_office_election(system.uow(), election_id, member_id)


def close_nominations(system: System, election_id: int) -> None:
    """Put an election in its voting window now, as if its nominations had run their time (a
    test world's shortcut: one election votes while another still takes candidacies)."""
    with system.uow() as uow:
        # now, not earlier: the roll freezes when voting opens (DESIGN.md 2.10), and a member
        # who joined a moment ago is on it
        uow.elections.set(election_id, nominations_close_at=uow.now())
        uow.commit()
