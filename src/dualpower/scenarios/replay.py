"""The replay of 1917, March to October, through the same services every user goes through.

- March-April: electors recall deputies who supported the war; the by-elections that follow go
  to the Bolsheviks. In Zamoskvorechye (recall by vote) one recall vote passes, one fails.
- June: general elections in the factories of three Petrograd districts, by the single
  transferable vote: the Bolsheviks gain, the old majority holds the Petrograd Soviet.
- 31 August (Old Style): after the Kornilov days the Petrograd factories elect their deputies
  anew (block vote), the seats above that rested on replaced deputies are refilled that day, the
  districts elect their delegations to the Petrograd Soviet anew and its majority changes hands;
  the Congress seats that rested on replaced delegates are refilled.
- October: it ends with a secret general election open in the Putilov Works and a recall petition
  open in Kolpino, so a visitor can try both (served, the demo's clock runs on from its last act).

Every election here is opened by the council's commission (or, while it has none, a deputy) and
closed by the clock when its window has run (DESIGN.md 2.9), as in any federation.

The drift of opinion is synthetic, drawn from the demo's seed.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dualpower import scenarios
from dualpower.bootstrap import System
from dualpower.domain.errors import NotAllowed
from dualpower.domain.model import Electorate, Mandate
from dualpower.scenarios.petrograd import ALLIES, PETROGRAD, Person, ScenarioClock
from dualpower.services import cycle, motions, office_terms, offices, paper, recall
from dualpower.services import elections as el
from dualpower.services.due import run_due


def old_style(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """A Julian date of 1917 as the UTC moment (New Style: 13 days later), at noon."""
    return datetime(year, month, day, hour, tzinfo=UTC) + _JULIAN_OFFSET


_JULIAN_OFFSET = datetime(1917, 3, 14) - datetime(1917, 3, 1)

RECALLS_DIRECT = (
    "Putilov Works",
    "Baltic Shipyard",
    "Pavlovsky Regiment, 1st Company",
    "Treugolnik Rubber",
    "Cable Works",
)
RECALLS_BY_VOTE = (("Michelson Works", True), ("Dynamo Works", False))
AUGUST_DISTRICTS = (
    "Vyborg District Soviet",
    "Vasilievsky Island District Soviet",
    "Narva District Soviet",
    "Petrograd Side District Soviet",
)
JUNE_DISTRICTS = (
    "Vasilievsky Island District Soviet",
    "Narva District Soviet",
    "Petrograd Side District Soviet",
)


@dataclass
class World:
    """What the replay knows of the synthetic people: who leans where, and unit rolls."""

    sys: System
    clock: ScenarioClock
    rng: random.Random
    ids: dict[str, int]
    leaning: dict[int, str]  # member id -> faction short name
    by_unit: dict[str, list[int]] = field(default_factory=dict)
    faction_ids: dict[str, int] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    progress: Callable[[str], None] = lambda _: None

    def drift(self, share: float, sections_units: set[str] | None = None) -> None:
        """A share of those not yet with the Bolsheviks go over to them."""
        for unit, members in self.by_unit.items():
            if sections_units is not None and unit not in sections_units:
                continue
            for member in members:
                if self.leaning[member] != "Bol" and self.rng.random() < share:
                    self.leaning[member] = "Bol"


def _unit_electorate(w: World, unit: str) -> Electorate:
    with w.sys.uow() as uow:
        unit_row = next(u for u in uow.units.list() if u.name == unit)
        electorate = uow.electorates.for_unit(unit_row.id)
    assert electorate is not None
    return electorate


def _holders(w: World, electorate: Electorate) -> list[Mandate]:
    with w.sys.uow() as uow:
        return uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)


def _plurality_ballots(w: World, voters: list[int], candidates: list[tuple[int, str]]):  # type: ignore[no-untyped-def]
    ballots = []
    for voter in voters:
        mine = w.leaning[voter]
        pick = next((c for c, f in candidates if f == mine), None)
        if pick is None:
            pick = next((c for c, f in candidates if f in ALLIES[mine]), None)
        if pick is not None:
            ballots.append((voter, [pick]))
    return ballots


def _stand(w: World, election_id: int, voters: list[int], taken: set[int]) -> list[tuple[int, str]]:
    """Two stand: a Bolshevik, and one of the old majority (of the faction that held the seat,
    when it was the SR's or the Mensheviks'); the electors vote their leaning."""
    with w.sys.uow() as uow:
        election = uow.elections.get(election_id)
        assert election is not None
        table = uow.mandates.table
        seated = uow.mandates.active(table.c.electorate_id == election.electorate_id)
        ended = uow.mandates.list(
            table.c.electorate_id == election.electorate_id,
            table.c.seat_no == election.seat_no,
            table.c.end_at.is_not(None),
        )
    held = {m.holder_id for m in seated}
    pool = [v for v in voters if v not in held and v not in taken]
    last = max(ended, key=lambda m: (m.end_at, m.id), default=None)
    was = next((f for f, i in w.faction_ids.items() if last and i == last.faction_id), None)
    old_majority = (was, "SR", "Men") if was in ("SR", "Men") else ("SR", "Men")
    standing = [
        next((v for v in pool if w.leaning[v] == "Bol"), None),
        next((v for f in old_majority for v in pool if w.leaning[v] == f), None),
    ]
    cands = []
    for member in [m for m in standing if m is not None]:
        faction = w.leaning[member]
        cid = el.nominate(w.sys.uow(), election_id, member, w.faction_ids[faction], None)
        cands.append((cid, faction))
        taken.add(member)
    return cands


def by_elections(w: World, contested: list[tuple[int, list[int]]]) -> None:
    """By-elections open at the same time run side by side (the same windows): in each two
    stand, nobody in two of them; then the electors vote, and the clock closes them."""
    taken: set[int] = set()
    standing = [(eid, voters, _stand(w, eid, voters, taken)) for eid, voters in contested]
    for election_id, voters, cands in standing:
        to_voting(w, election_id)
        paper_ballots(w, election_id, _plurality_ballots(w, voters, cands))
    through_the_clock(w, *(election_id for election_id, _, _ in standing))


def to_voting(w: World, election_id: int) -> None:
    """Let the demo's time run until the election's nominations close (DESIGN.md 2.9)."""
    with w.sys.uow() as uow:
        election = uow.elections.get(election_id)
    assert election is not None
    if election.nominations_close_at is not None and w.clock.at < election.nominations_close_at:
        w.clock.at = election.nominations_close_at


def motion_through_the_clock(w: World, motion_id: int) -> str:
    """Let the demo's time run until the vote on a motion closes, and the clock close it;
    returns the motion's status."""
    run_due(w.sys.uow)  # at once, when every elector has voted
    with w.sys.uow() as uow:
        motion = uow.motions.get(motion_id)
        assert motion is not None
        closes_at = motions.vote_closes_at(uow, motion)
    if motion.status == "voting" and closes_at is not None:
        w.clock.at = max(w.clock.at, closes_at)
        run_due(w.sys.uow)
    with w.sys.uow() as uow:
        decided = uow.motions.get(motion_id)
    assert decided is not None and decided.status != "voting", f"motion {motion_id} undecided"
    return str(decided.status)


def through_the_clock(w: World, *election_ids: int) -> None:
    """Let the demo's time run until the elections close, and the clock close them: the demo
    closes no vote by hand, as nobody may (DESIGN.md 2.9)."""
    run_due(w.sys.uow)  # at once, those every elector has voted in
    with w.sys.uow() as uow:
        elections = [uow.elections.get(i) for i in election_ids]
    closes = [e.closes_at for e in elections if e and e.status == "open" and e.closes_at]
    if closes:
        w.clock.at = max(w.clock.at, *closes)
        run_due(w.sys.uow)
    with w.sys.uow() as uow:
        still = [i for i in election_ids if uow.elections.get(i).status == "open"]  # type: ignore[union-attr]
    assert not still, f"elections {still} still open"


def elect_office(
    w: World, office_id: int, opener: int, candidates: list[int], deputies: list[int]
) -> int:
    """An office election opened by `opener` (its council's electoral commission, or a deputy
    under the bootstrap rule): the candidates stand, the deputies vote for the candidate of their
    side, and the clock closes it once every deputy has voted. Returns the new holder."""
    election = offices.open_office_election(w.sys.uow(), office_id, opener)
    cands = [offices.stand(w.sys.uow(), election, c) for c in candidates]
    side = {c: w.leaning.get(m) == "Bol" for c, m in zip(cands, candidates, strict=True)}
    bol = next((c for c, is_bol in side.items() if is_bol), cands[0])
    old = next((c for c, is_bol in side.items() if not is_bol), cands[-1])
    ballots = [(d, [bol if w.leaning.get(d) == "Bol" else old]) for d in deputies]
    to_voting(w, election)
    paper_ballots(w, election, ballots)
    through_the_clock(w, election)  # every deputy voted: it closes at once
    with w.sys.uow() as uow:
        term = uow.office_terms.active_of_office(office_id)
    assert term is not None
    return int(term.holder_id)


def _against(w: World, voters: list[int], target: Mandate) -> list[int]:
    """Electors who are not of the deputy's faction, the Bolsheviks first."""
    faction = next(f for f, i in w.faction_ids.items() if i == target.faction_id)
    others = [v for v in voters if w.leaning[v] != faction]
    return sorted(others, key=lambda v: w.leaning[v] != "Bol")


def recall_in_unit(w: World, unit: str) -> None:
    electorate = _unit_electorate(w, unit)
    target = next(m for m in _holders(w, electorate) if m.faction_id != w.faction_ids["Bol"])
    voters = w.by_unit[unit]
    signers = _against(w, voters, target)
    petition = recall.open_recall(w.sys.uow(), target.id, signers[0])
    w.clock.advance(days=2)
    state = paper_signatures(w, petition.id, signers[: petition.threshold], (target.holder_id,))
    w.log.append(f"{unit}: petition {petition.id} -> {state.status}")
    refill_vacancies(w)
    w.clock.advance(days=5)


def recall_by_vote(w: World, unit: str, passes: bool) -> None:
    electorate = _unit_electorate(w, unit)
    target = next(m for m in _holders(w, electorate) if m.faction_id != w.faction_ids["Bol"])
    voters = w.by_unit[unit]
    bol = [v for v in voters if w.leaning[v] == "Bol"]
    petition = recall.open_recall(w.sys.uow(), target.id, bol[0])
    state = paper_signatures(w, petition.id, bol[: petition.threshold], (target.holder_id,))
    assert state.vote_election_id is not None
    w.clock.advance(hours=2)
    turnout = voters[: len(voters) * 3 // 4]
    against = set(_against(w, voters, target))
    # When it passes, all who are not of the deputy's faction and half of those who are vote
    # to recall; when it fails, a third of the others alone do.
    ballots = [
        (v, [int(v in against or i % 2 == 0) if passes else int(v in against and i % 3 == 0)])
        for i, v in enumerate(turnout)
    ]
    paper_ballots(w, state.vote_election_id, ballots)
    through_the_clock(w, state.vote_election_id)
    status = recall.petition_state(w.sys.reader(), petition.id).status
    w.log.append(f"{unit}: recall vote -> {status}")
    if status == "recalled":
        refill_vacancies(w)


def opener(w: World, council_id: int, besides: tuple[int, ...] = ()) -> int:
    """Who runs the council's elections: its electoral commission (`run_election`), or, while
    nobody holds it, one of its deputies (the bootstrap rule, DESIGN.md 2.9)."""
    with w.sys.uow() as uow:
        for deputy in sorted(office_terms.deputies(uow, council_id) - set(besides)):
            try:
                cycle.may_run_elections(uow, deputy, council_id)
            except NotAllowed:
                continue
            return deputy
    raise AssertionError(f"council {council_id} has nobody who may open its elections")


def paper_ballots(w: World, election_id: int, ballots: list[tuple[int, list[int]]]) -> None:
    """The electors vote at a meeting; one of those who may enter the election's paper ballots
    (its council's electoral commission, as its paper page and `GET
    /elections/{id}/paper-ballots` name them) enters them, as `POST
    /elections/{id}/paper-ballots` does (services/paper.py)."""
    if not ballots:
        return
    desk = paper.election_view(w.sys.reader(), election_id, None)
    sheet = paper.PaperBallots(election_id, [v for v, _ in ballots], [b for _, b in ballots])
    paper.enter_ballots(w.sys.uow(), sheet, paper.Enterer(desk.enterers[0][0]))


def paper_signatures(
    w: World, petition_id: int, members: list[int], besides: tuple[int, ...] = ()
) -> recall.PetitionState:
    """The electors sign at a meeting; one of those who may enter the petition's sheets (the
    commission of the council whose recall rule decides it, as `GET
    /recalls/{id}/paper-signatures` names them), not the deputy it is against, enters the
    sheet, as `POST /recalls/{id}/paper-signatures` does."""
    desk = paper.petition_view(w.sys.reader(), petition_id, None)
    enterer = next(m for m, _ in desk.enterers if m not in besides)
    sheet = paper.PaperSignatures(petition_id, members)
    return paper.enter_signatures(w.sys.uow(), sheet, paper.Enterer(enterer))


def cast_votes(w: World, motion_id: int, votes: list[tuple[int, str]]) -> None:
    """Each voter votes on the motion, as `POST /motions/{id}/votes` does."""
    for voter, position in votes:
        motions.cast_vote(w.sys.uow(), motion_id, voter, position)


def open_general(w: World, electorate: Electorate, method: str, is_secret: bool = False) -> int:
    """The council's commission opens a general election of the electorate's seats, as
    `POST /councils/{id}/elections` does."""
    kind, source = electorate.kind, electorate.source_id
    general = cycle.GeneralElection(electorate.council_id, kind, source, method, is_secret)
    return cycle.open_general(w.sys.uow(), general, opener(w, electorate.council_id))


def _ranked(slots: dict[str, list[int]], faction: str) -> list[int]:
    return [c for f in (faction, *ALLIES[faction]) for c in slots.get(f, [])]


def general_in_units(
    w: World,
    units: list[str],
    *,
    is_secret: bool = False,
    close: bool = True,
    method: str = "block",
) -> list[int]:
    """General elections in base units: opened by the commission, a slate per faction stands,
    the members vote their leaning (in full, or a third of them when the vote stays open), and
    the clock closes them."""
    opened = []
    for unit in units:
        electorate = _unit_electorate(w, unit)
        election_id = open_general(w, electorate, method, is_secret)
        with w.sys.uow() as uow:
            seats = uow.elections.get(election_id).seats  # type: ignore[union-attr]
        voters = w.by_unit[unit]
        slots: dict[str, list[int]] = {}
        for faction in ("SR", "Men", "Bol", "NP"):
            supporters = [v for v in voters if w.leaning[v] == faction]
            for member in w.rng.sample(supporters, min(seats, len(supporters))):
                cid = el.nominate(w.sys.uow(), election_id, member, w.faction_ids[faction], None)
                slots.setdefault(faction, []).append(cid)
        if method == "block":  # a slate: the voter's faction's candidates
            ballots = [(v, slots[w.leaning[v]]) for v in voters if slots.get(w.leaning[v])]
        else:  # ranked: the voter's faction's candidates first, then its allies'
            ballots = [(v, _ranked(slots, w.leaning[v])) for v in voters]
            ballots = [(v, ranking) for v, ranking in ballots if ranking]
        opened.append((election_id, ballots if close else ballots[: len(ballots) // 3]))
    for election_id, ballots in opened:
        to_voting(w, election_id)
        paper_ballots(w, election_id, ballots)
    if close:
        through_the_clock(w, *(election_id for election_id, _ in opened))
    return [election_id for election_id, _ in opened]


def delegations(w: World, council_name: str) -> None:
    """Every lower council under `council_name` elects its delegation anew (STV); the higher
    council's commission opens the elections, and the clock closes them."""
    with w.sys.uow() as uow:
        council = next(c for c in uow.councils.list() if c.name == council_name)
        electorates = [e for e in uow.electorates.of_council(council.id) if e.kind == "council"]
    opened = []
    for electorate in electorates:
        election_id = open_general(w, electorate, "stv-scottish")
        with w.sys.uow() as uow:
            deputies = uow.mandates.active_in_council(electorate.source_id)
        cands = []
        for md in deputies:
            cid = el.nominate(w.sys.uow(), election_id, md.holder_id, md.faction_id, None)
            cands.append((cid, w.leaning[md.holder_id], md.holder_id))
        ballots = []
        for md in deputies:
            mine = w.leaning[md.holder_id]
            order = [mine, *ALLIES[mine]]
            ranking = [c for f in order for c, cf, _ in cands if cf == f][:6]
            if ranking:
                ballots.append((md.holder_id, ranking))
        opened.append((election_id, ballots))
    for election_id, ballots in opened:
        to_voting(w, election_id)
        paper_ballots(w, election_id, ballots)
    through_the_clock(w, *(election_id for election_id, _ in opened))


def refill_vacancies(w: World) -> None:
    """Every open by-election of a seat is contested. One whose nominations closed before
    anyone stood is let run out: the clock closes it void and opens it anew."""
    while True:
        with w.sys.uow() as uow:
            opened = [
                e
                for e in uow.elections.list()
                if e.kind == "by" and e.status == "open" and e.office_id is None
            ]
        fresh = [
            e
            for e in opened
            if e.nominations_close_at is None or w.clock.at < e.nominations_close_at
        ]
        if fresh:
            contested = []
            with w.sys.uow() as uow:
                for election in fresh:
                    electorate = uow.electorates.get(election.electorate_id or 0)
                    assert electorate is not None
                    contested.append((election.id, sorted(el.electors(uow, electorate))))
            by_elections(w, contested)
        elif opened:
            w.clock.at = max(w.clock.at, *(e.closes_at for e in opened if e.closes_at))
            run_due(w.sys.uow)
        else:
            return


Phase = Callable[[World], list[str]]
PHASES = ("march", "april", "may", "june", "august", "october")


def topic_phases() -> dict[str, list[Phase]]:
    """What other topics add to the replay: each module `scenarios/act_<topic>.py` defines
    `PHASES = {"march": fn, ...}`; fn(world) runs at that point and returns lines for the log."""
    found: dict[str, list[Phase]] = {phase: [] for phase in PHASES}
    for info in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda i: i.name):
        if info.name.startswith("act_"):
            module = importlib.import_module(f"dualpower.scenarios.{info.name}")
            for phase, play in module.PHASES.items():
                found[phase].append(play)
    return found


def _play(w: World, phase: str, hooks: dict[str, list[Phase]]) -> None:
    w.progress(f"replaying {phase.capitalize()} 1917")
    for play in hooks[phase]:
        w.log += play(w)


def replay(
    sys_: System,
    clock: ScenarioClock,
    rng: random.Random,
    roll: list[Person],
    progress: Callable[[str], None] = lambda _: None,
) -> list[str]:
    with sys_.uow() as uow:
        ids = {m.username: m.id for m in uow.members.list()}
        faction_ids = {f.short: f.id for f in uow.factions.list()}
    w = World(sys_, clock, rng, ids, {ids[p.username]: p.faction for p in roll})
    w.faction_ids = faction_ids
    w.progress = progress
    for person in roll:
        w.by_unit.setdefault(person.unit, []).append(ids[person.username])
    hooks = topic_phases()
    clock.at = old_style(1917, 3, 1)
    _play(w, "march", hooks)

    clock.at = old_style(1917, 4, 4)  # Lenin's April Theses; the war question splits the units
    w.drift(0.35, set(RECALLS_DIRECT) | {u for u, _ in RECALLS_BY_VOTE})
    for unit in RECALLS_DIRECT:
        recall_in_unit(w, unit)
        clock.advance(days=3)
    clock.at = old_style(1917, 4, 18)  # Milyukov's note
    _play(w, "april", hooks)
    clock.at = old_style(1917, 4, 24)  # after the April crisis
    for unit, passes in RECALLS_BY_VOTE:
        recall_by_vote(w, unit, passes)
    clock.at = old_style(1917, 5, 5)  # the coalition government
    _play(w, "may", hooks)

    clock.at = old_style(1917, 6, 20)
    with sys_.uow() as uow:
        councils = {c.id: c.name for c in uow.councils.list()}
        june_units = [
            u.name
            for u in uow.units.list()
            if councils[u.council_id] in JUNE_DISTRICTS and u.kind == "factory"
        ]
    w.drift(0.30, set(june_units))
    general_in_units(w, june_units, method="stv-scottish")
    clock.advance(days=7)
    refill_vacancies(w)
    _play(w, "june", hooks)
    w.log.append(f"June: general elections in {len(june_units)} factories")

    # 31 August: after the Kornilov days the Petrograd factories elect their
    # deputies anew, the districts their delegations, and the Petrograd Soviet adopts a
    # Bolshevik resolution: its majority passes on this day, not before (issue 25, defect 8).
    clock.at = old_style(1917, 8, 31, hour=0)
    with sys_.uow() as uow:
        august_units = [
            u.name
            for u in uow.units.list()
            if councils[u.council_id] in AUGUST_DISTRICTS and u.kind == "factory"
        ]
    w.drift(0.35, set(august_units))
    general_in_units(w, august_units)
    refill_vacancies(w)  # the seats above that rested on replaced deputies, the same day
    delegations(w, PETROGRAD)
    refill_vacancies(w)
    w.log.append(
        "31 August: the Petrograd factories elect their deputies anew and the districts their "
        "delegations: the Petrograd Soviet's majority passes to the Bolsheviks"
    )
    _play(w, "august", hooks)

    clock.at = old_style(1917, 10, 10)
    electorate = _unit_electorate(w, "Kolpino village")
    target = _holders(w, electorate)[0]
    voters = w.by_unit["Kolpino village"]
    petition = recall.open_recall(sys_.uow(), target.id, voters[0])
    paper_signatures(w, petition.id, voters[: max(1, petition.threshold // 3)], (target.holder_id,))
    _play(w, "october", hooks)
    # Last, so that it is still open when the demo is served: its clock runs on from here.
    general_in_units(w, ["Putilov Works"], is_secret=True, close=False)
    w.log.append(
        "October: a secret election open in the Putilov Works (voting for 6 hours of the demo's "
        "clock), a petition open in Kolpino"
    )
    return w.log
