"""The demo's offices and pay (DESIGN.md 2.4; scenario-petrograd-1917.md).

- March: every base unit reports its members' monthly wages (synthetic, from their own seed; in
  kopecks). The Petrograd Soviet's offices are created (as `dualpower office create` does); its
  deputies elect an electoral commission first (a deputy opens it under the bootstrap rule), which
  then runs the elections of its chair, secretary and credentials committee, unpaid. Historically
  the chair was N. S. Chkheidze, a Menshevik: here a synthetic Menshevik deputy stands in his
  place. Then the Soviet sits: it makes its own territory's median wage the cap of its stipends (a
  standing-orders motion), and pays its officials as workers: a deputy moves a stipend at the cap
  for each office, and the Soviet adopts each motion by roll-call (the old majority for, the
  Bolsheviks abstaining).
- 25 September (after the majority changed hands on 31 August): the Petrograd Soviet elects a
  new chair, historically L. D. Trotsky; here a synthetic Bolshevik deputy. The election is run
  by the electoral commission; if the commission fell with its members' mandates, the deputies
  first elect a new one.
"""

from __future__ import annotations

import random

from dualpower.domain import capabilities as caps
from dualpower.scenarios.petrograd import PETROGRAD
from dualpower.scenarios.replay import World, cast_votes, elect_office, old_style
from dualpower.services import motions, offices, pay, sessions, standing_orders, stipends
from dualpower.services.offices import OPERATOR, OPERATOR_CALLER

SEED = 19170301
# Monthly wages in kopecks by section (synthetic ranges).
WAGES = {
    "workers": (9_000, 18_000),
    "soldiers": (3_000, 7_500),
    "peasants": (4_000, 10_000),
    "agricultural workers": (4_000, 9_000),
}
OFFICES = (
    ("chair", (caps.CONVENE_SESSION,), ("Men",)),
    ("secretary", (caps.RECORD_DIRECTIVE, caps.RECORD_STANCE, caps.CONVENE_SESSION), ("Men", "SR")),
    ("credentials committee", (caps.VERIFY_MEMBERS, caps.REPORT_WAGES), ("SR",)),
    ("electoral commission", (caps.RUN_ELECTION,), ("SR", "Men")),
)
OLD_MAJORITY = ("SR", "Men", "NP")


def _petrograd(w: World) -> int:
    with w.sys.uow() as uow:
        return next(c.id for c in uow.councils.list() if c.name == PETROGRAD)


def _deputies(w: World, council_id: int) -> list[int]:
    with w.sys.uow() as uow:
        return sorted(md.holder_id for md in uow.mandates.active_in_council(council_id))


def report_wages(w: World) -> int:
    rng = random.Random(SEED)
    with w.sys.uow() as uow:
        units = uow.units.list()
        rolls = {u.id: [m.id for m in uow.members.of_unit(u.id)] for u in units}
    for unit in units:
        low, high = WAGES.get(unit.section, WAGES["workers"])
        wages = {member: rng.randrange(low, high, 50) for member in rolls[unit.id]}
        offices.report_wages(w.sys.uow(), unit.id, wages, OPERATOR_CALLER)
    return len(units)


def _pick(w: World, pool: list[int], factions: tuple[str, ...], taken: set[int]) -> int:
    for faction in factions:
        for member in pool:
            if member not in taken and w.leaning.get(member) == faction:
                return member
    return next(m for m in pool if m not in taken)


def march(w: World) -> list[str]:
    units = report_wages(w)
    council = _petrograd(w)
    ids = {  # as `dualpower office create` does
        name: offices.create_office(w.sys.uow(), council, name, capabilities, by=OPERATOR)
        for name, capabilities, _ in OFFICES
    }
    deputies = _deputies(w, council)
    taken: set[int] = set()
    picks = {}
    for name, _, factions in OFFICES:
        ours = _pick(w, deputies, factions, taken)
        rival = _pick(w, deputies, ("Bol",), taken | {ours})
        taken.add(ours)
        picks[name] = [ours, rival]
    # The electoral commission first, opened by a deputy under the bootstrap rule (nobody holds
    # `run_election` yet); it then runs the elections of the other offices (DESIGN.md 2.9).
    runner = elect_office(
        w, ids["electoral commission"], deputies[0], picks["electoral commission"], deputies
    )
    for name in ids:
        if name != "electoral commission":
            elect_office(w, ids[name], runner, picks[name], deputies)
    session, cap = _pay_officials(w, council, ids, taken)
    return [
        f"March: wages reported by {units} units; the Petrograd Soviet elects its officials, "
        f"and in session {session} makes its own territory's median the cap of its stipends and "
        f"adopts their stipends by roll-call: each paid the cap of {cap / 100:.2f} roubles a month"
    ]


PAY_VOTE = {"SR": "yes", "Men": "yes", "NP": "yes", "Bol": "abstain"}


def _pay_officials(
    w: World, council: int, ids: dict[str, int], holders: set[int]
) -> tuple[int, int]:
    """A session of the Soviet: a standing-orders motion caps its stipends by its own
    territory's median wage (DESIGN.md 2.4), then a stipend motion at that cap for each office.
    Returns the session and the cap."""
    with w.sys.uow() as uow:
        holder = uow.office_terms.active_of_office(ids["chair"])
    assert holder is not None
    chair_id = holder.holder_id
    deputies = _deputies(w, council)
    mover = next((d for d in deputies if d not in holders), deputies[0])
    scope = standing_orders.propose_standing_orders(
        w.sys.uow(), mover, council, {"pay_cap_scope": "territory"}
    )
    title = "Session of 9 March: the pay of the Soviet's officials"
    w.clock.at = max(w.clock.at, old_style(1917, 3, 9))  # sits on the day it is named for
    session = sessions.convene_session(w.sys.uow(), chair_id, council, title, [scope])
    sessions.open_session(w.sys.uow(), chair_id, session)
    for deputy in deputies:
        sessions.register_attendance(w.sys.uow(), session, deputy)
    _decide(w, scope, chair_id, deputies)
    with w.sys.uow() as uow:
        cap = pay.caps(uow)[council] or 0
    for name in ids:
        motion = stipends.propose_stipend(w.sys.uow(), mover, ids[name], cap)
        sessions.add_to_agenda(w.sys.uow(), chair_id, session, motion)
        _decide(w, motion, chair_id, deputies)
    sessions.close_session(w.sys.uow(), chair_id, session)
    return session, cap


def _decide(w: World, motion: int, chair_id: int, deputies: list[int]) -> None:
    motions.open_vote(w.sys.uow(), motion, chair_id)
    votes = [(d, PAY_VOTE.get(w.leaning.get(d, "NP"), "abstain")) for d in deputies]
    cast_votes(w, motion, votes)
    motions.close_vote(w.sys.uow(), motion, chair_id)  # every deputy present has voted


def _office(w: World, council: int, name: str) -> int:
    with w.sys.uow() as uow:
        table = uow.offices.table
        return uow.offices.list(table.c.council_id == council, table.c.name == name)[0].id


def september(w: World) -> list[str]:
    w.clock.at = old_style(1917, 9, 25)
    council = _petrograd(w)
    deputies = _deputies(w, council)
    commission = _office(w, council, "electoral commission")
    chair = _office(w, council, "chair")
    with w.sys.uow() as uow:
        term = uow.office_terms.active_of_office(commission)
        chair_term = uow.office_terms.active_of_office(chair)
        held = {t.holder_id for t in uow.office_terms.active()}
    log = []
    free = [d for d in deputies if d not in held]
    if term is None:  # the commission fell with its members' mandates: the deputies re-elect it
        opener = free[0]
        rivals = [_pick(w, free, ("Bol",), set()), _pick(w, free, OLD_MAJORITY, set())]
        runner = elect_office(w, commission, opener, rivals, deputies)
        log.append("25 September: the Petrograd Soviet elects a new electoral commission")
        free = [d for d in free if d != runner]
    else:
        runner = term.holder_id
    candidates = [_pick(w, free, ("Bol",), set())]
    if chair_term is not None:
        candidates.append(chair_term.holder_id)
    else:
        candidates.append(_pick(w, free, OLD_MAJORITY, set(candidates)))
    winner = elect_office(w, chair, runner, candidates, deputies)
    with w.sys.uow() as uow:
        name = uow.members.get(winner).display_name  # type: ignore[union-attr]
    log.append(
        f"25 September: the Petrograd Soviet elects {name} ({w.leaning.get(winner)}) its chair, "
        "as it elected Trotsky"
    )
    return log


PHASES = {"march": march, "august": september}
