"""Order kept by the deputies themselves (DESIGN.md 2.4a; issue 8), in the demo.

- 5 May 1917 (the first coalition government is formed): the Petrograd Soviet sits on whether
  socialists should enter the coalition. Before the debate it elects two stewards for this
  session only (one post won by a deputy of the old majority, one by a Bolshevik, each by the
  deputies' open vote). The stewards set a time limit of five minutes per speech and keep the
  speakers' list: deputies of each faction ask for the floor, one withdraws, one overruns and is
  stopped by a steward. The council votes; the session closes, and the stewards' posts end
  with it.

The speeches' lengths are synthetic (from the demo's seed); the debate is historical in outline
only.
"""

from __future__ import annotations

from dualpower.scenarios.act_sessions import _decide, _deputies, _ids, _sit
from dualpower.scenarios.petrograd import PETROGRAD
from dualpower.scenarios.replay import World, paper_ballots
from dualpower.services import motions, offices, sessions, speakers, stewards

COALITION = (
    "On the entry of socialists into the Provisional Government",
    "The Soviet approves the entry of its members into a coalition government, under the "
    "Soviet's control and accountable to it.",
)
FOR_COALITION = {"SR": "yes", "Men": "yes", "Bol": "no", "NP": "abstain"}
LIMIT_SECONDS = 300


def _elect(w: World, session: int, chair: int, election: int, pair: tuple[int, int]) -> int:
    """Two deputies stand for a post; each deputy votes for the one of their side."""
    ours, theirs = (offices.stand(w.sys.uow(), election, c) for c in pair)
    bolshevik_first = w.leaning.get(pair[0]) == "Bol"
    ballots = []
    for deputy in _deputies(w, _council(w)):
        is_bol = w.leaning.get(deputy) == "Bol"
        ballots.append((deputy, [ours if is_bol == bolshevik_first else theirs]))
    paper_ballots(w, election, ballots)
    stewards.close_steward_election(w.sys.uow(), chair, session, election)
    with w.sys.uow() as uow:
        office = uow.elections.get(election).office_id  # type: ignore[union-attr]
        term = uow.office_terms.active_of_office(office or 0)
    assert term is not None
    return int(term.holder_id)


def _council(w: World) -> int:
    return _ids(w)[PETROGRAD]


def _candidates(w: World, deputies: list[int], chair: int) -> tuple[list[int], list[int]]:
    free = [d for d in deputies if d != chair]
    bolsheviks = [d for d in free if w.leaning.get(d) == "Bol"]
    others = [d for d in free if w.leaning.get(d) in ("SR", "Men")]
    return others, bolsheviks


def may(w: World) -> list[str]:
    council = _council(w)
    deputies = _deputies(w, council)
    author = deputies[0]
    motion = motions.draft_motion(
        w.sys.uow(), author, motions.DraftMotion(None, council, *COALITION)
    )
    session, chair = _sit(w, council, "Session of 5 May", [motion])
    others, bolsheviks = _candidates(w, deputies, chair)
    posts = stewards.open_steward_elections(w.sys.uow(), chair, session, 2)
    first = _elect(w, session, chair, posts[0], (others[0], bolsheviks[0]))
    second = _elect(w, session, chair, posts[1], (bolsheviks[1], others[1]))
    speakers.set_limit(w.sys.uow(), session, first, LIMIT_SECONDS)
    speaking = [others[2], bolsheviks[2], others[3], bolsheviks[3]]
    for deputy in speaking:
        speakers.request_floor(w.sys.uow(), session, deputy)
        w.clock.advance(seconds=20)
    speakers.withdraw(w.sys.uow(), session, others[3])
    overran = 0
    for turn, keeper in enumerate((first, second, first)):
        speakers.give_floor(w.sys.uow(), session, keeper)
        length = w.rng.randint(120, 280) if turn != 1 else LIMIT_SECONDS + w.rng.randint(30, 90)
        overran += turn == 1
        w.clock.advance(seconds=length)
    speakers.end_speech(w.sys.uow(), session, second)
    outcome = _decide(w, motion, chair, FOR_COALITION)
    sessions.close_session(w.sys.uow(), chair, session)
    w.clock.advance(hours=1)
    return [
        f"5 May, Petrograd Soviet (session {session}): two stewards elected for the session "
        f"keep the speakers' list (limit {LIMIT_SECONDS // 60} minutes; 3 speeches, "
        f"{overran} overrun, 1 withdrawn); the coalition motion {outcome}; the stewards' posts "
        "end with the session"
    ]


PHASES = {"may": may}
