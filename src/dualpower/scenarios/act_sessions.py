"""Councils at work in 1917 (issue 5): sessions with roll-calls, an instruction broken and the
recall that follows, an initiative rising from the Vyborg factories to the Congress.

- March: the Nobel Works' assembly adopts "The eight-hour working day" and sends it up; two
  more Vyborg factories take it up; it reaches the Vyborg District Soviet, which adopts it.
- April (18th, Milyukov's note): the Petrograd Soviet sits: "support in so far as" with a
  Bolshevik amendment against any support (rejected), the note, and the eight-hour day, which
  reached its agenda by itself. In the Vyborg District Soviet a factory has instructed its
  deputy to vote no confidence; the deputy votes confidence, the breach is recorded and the
  factory's electors recall him (the by-election follows).
- October: the Congress of Soviets votes on the eight-hour day.

Votes follow each person's synthetic leaning (drawn from the demo's seed).
"""

from __future__ import annotations

from dualpower.domain import errors
from dualpower.domain.capabilities import CONVENE_SESSION, RUN_ELECTION
from dualpower.scenarios.petrograd import CONGRESS, PETROGRAD
from dualpower.scenarios.replay import (
    World,
    cast_votes,
    elect_office,
    motion_through_the_clock,
    old_style,
    paper_signatures,
    refill_vacancies,
)
from dualpower.services import (
    authority,
    initiatives,
    instructions,
    motions,
    offices,
    sessions,
)
from dualpower.services.authority import OPERATOR

VYBORG = "Vyborg District Soviet"
EIGHT_HOURS = (
    "The eight-hour working day",
    "The working day in every factory is eight hours, without loss of pay, from now on.",
)
# How each faction votes, per question.
SUPPORT_IN_SO_FAR = {"SR": "yes", "Men": "yes", "Bol": "no", "NP": "yes"}
NO_SUPPORT = {"SR": "no", "Men": "no", "Bol": "yes", "NP": "abstain"}
AGAINST_NOTE = {"SR": "yes", "Men": "yes", "Bol": "yes", "NP": "abstain"}
CONFIDENCE = {"SR": "yes", "Men": "yes", "Bol": "no", "NP": "abstain"}
EIGHT = {"SR": "yes", "Men": "yes", "Bol": "yes", "NP": "yes"}


def _ids(w: World) -> dict[str, int]:
    with w.sys.uow() as uow:
        return {c.name: c.id for c in uow.councils.list()} | {
            u.name: u.id for u in uow.units.list()
        }


def _deputies(w: World, council_id: int) -> list[int]:
    with w.sys.uow() as uow:
        return sorted(m.holder_id for m in uow.mandates.active_in_council(council_id))


def chair(w: World, council_id: int) -> int:
    """A deputy holding `convene_session` there; if none, the council elects a chair, as any
    council would: its offices created (as `dualpower office create` does), an electoral
    commission elected first under the bootstrap rule, which then runs the chair's election (the
    deputies vote for the first of their number)."""
    deputies = _deputies(w, council_id)
    with w.sys.uow() as uow:
        for deputy in deputies:
            if CONVENE_SESSION in authority.capabilities_of(uow, deputy, council_id):
                return deputy
        runner = next(
            (d for d in deputies if RUN_ELECTION in authority.capabilities_of(uow, d, council_id)),
            None,
        )
    if runner is None:
        commission = _office(w, council_id, "electoral commission", [RUN_ELECTION])
        runner = elect_office(w, commission, deputies[0], [deputies[-1]], deputies)
    office_id = _office(w, council_id, "chair", [CONVENE_SESSION])
    return elect_office(w, office_id, runner, [deputies[0]], deputies)


def _office(w: World, council_id: int, name: str, capabilities: list[str]) -> int:
    try:
        return offices.create_office(w.sys.uow(), council_id, name, capabilities, by=OPERATOR)
    except errors.Conflict:
        with w.sys.uow() as uow:
            table = uow.offices.table
            return uow.offices.list(table.c.council_id == council_id, table.c.name == name)[0].id


def on_the_day(w: World, month: int, day: int) -> None:
    """The demo's time runs on to the day (Old Style, 1917) an act is named for, if it is not
    there yet: a session called "of 20 April" sits on 20 April (issue 25, defect 8)."""
    w.clock.at = max(w.clock.at, old_style(1917, month, day))


def _sit(w: World, council_id: int, title: str, agenda: list[int]) -> tuple[int, int]:
    """Convene and open a session; every deputy registers. Returns (session, chair)."""
    chair_id = chair(w, council_id)
    session_id = sessions.convene_session(w.sys.uow(), chair_id, council_id, title, agenda)
    sessions.open_session(w.sys.uow(), chair_id, session_id)
    for deputy in _deputies(w, council_id):
        sessions.register_attendance(w.sys.uow(), session_id, deputy)
    return session_id, chair_id


def _decide(w: World, motion_id: int, chair_id: int, how: dict[str, str]) -> str:
    motions.open_vote(w.sys.uow(), motion_id, chair_id)
    with w.sys.uow() as uow:
        motion = uow.motions.get(motion_id)
        assert motion is not None
        voters = motions.voters(uow, motion)
    votes = [(v, how.get(w.leaning.get(v, "NP"), "abstain")) for v in sorted(voters)]
    cast_votes(w, motion_id, votes)
    return motions.close_vote(w.sys.uow(), motion_id, chair_id).status


def _assembly(w: World, unit: str, motion_id: int, how: dict[str, str]) -> str:
    members = w.by_unit[unit]
    motions.open_vote(w.sys.uow(), motion_id, members[0])
    turnout = members[: max(1, len(members) * 2 // 3)]
    votes = [(v, how.get(w.leaning[v], "abstain")) for v in turnout]
    cast_votes(w, motion_id, votes)
    return motion_through_the_clock(w, motion_id)


def _pending(w: World, council_id: int) -> list[int]:
    with w.sys.uow() as uow:
        return [m.id for m in uow.motions.waiting_for_agenda(council_id)]


def march(w: World) -> list[str]:
    ids = _ids(w)
    nobel = w.by_unit["Nobel Works"]
    draft = motions.DraftMotion(ids["Nobel Works"], None, *EIGHT_HOURS)
    motion = motions.draft_motion(w.sys.uow(), nobel[0], draft)
    _assembly(w, "Nobel Works", motion, EIGHT)
    initiative = initiatives.send_up(w.sys.uow(), motion, nobel[1])
    for unit in ("Lessner Works", "Erickson Works"):
        taken = initiatives.take_up(w.sys.uow(), initiative, ids[unit], w.by_unit[unit][0])
        _assembly(w, unit, taken, EIGHT)
    on_the_day(w, 3, 10)
    session_id, chair_id = _sit(w, ids[VYBORG], "Session of 10 March", [])
    for motion_id in _session_agenda(w, session_id):
        _decide(w, motion_id, chair_id, EIGHT)
    sessions.close_session(w.sys.uow(), chair_id, session_id)
    return [f"March: the eight-hour day (initiative {initiative}) rises from the Vyborg factories"]


def _session_agenda(w: World, session_id: int) -> list[int]:
    with w.sys.uow() as uow:
        return uow.sessions.agenda(session_id)


def _council_motion(
    w: World,
    author: int,
    council: int,
    title: str,
    text: str,
    *,
    majority: str = "simple",
    parent_id: int | None = None,
) -> int:
    """A motion of a council, drafted by one of its deputies."""
    cmd = motions.DraftMotion(None, council, title, text, majority, parent_id)
    return motions.draft_motion(w.sys.uow(), author, cmd)


def _petrograd_april(w: World, ids: dict[str, int]) -> list[str]:
    council = ids[PETROGRAD]
    author = _deputies(w, council)[0]
    support = _council_motion(
        w,
        author,
        council,
        "Support the Provisional Government in so far as",
        "The Soviet supports the Provisional Government in so far as it carries out the "
        "programme of the revolution and renounces conquest.",
    )
    bolshevik = next(d for d in _deputies(w, council) if w.leaning.get(d) == "Bol")
    _council_motion(
        w,
        bolshevik,
        council,
        "No support to the Provisional Government",
        "Strike \u201cin so far as\u201d: no support to a government of war and capital.",
        parent_id=support,
    )
    note = _council_motion(
        w,
        author,
        council,
        "On the note of Minister Milyukov",
        "The note of 18 April contradicts the declaration of 27 March. The Soviet demands "
        "that the government disavow it.",
        majority="absolute",
    )
    on_the_day(w, 4, 20)
    session_id, chair_id = _sit(w, council, "Session of 20 April", [support, note])
    lines = []
    with w.sys.uow() as uow:
        amendment = uow.motions.amendments(support)[0].id
    lines.append(f"amendment: {_decide(w, amendment, chair_id, NO_SUPPORT)}")
    lines.append(f"in so far as: {_decide(w, support, chair_id, SUPPORT_IN_SO_FAR)}")
    lines.append(f"Milyukov note: {_decide(w, note, chair_id, AGAINST_NOTE)}")
    for motion_id in _session_agenda(w, session_id):
        with w.sys.uow() as uow:
            undecided = not uow.motions.get(motion_id).is_decided  # type: ignore[union-attr]
        if undecided:
            lines.append(f"eight-hour day: {_decide(w, motion_id, chair_id, EIGHT)}")
    sessions.close_session(w.sys.uow(), chair_id, session_id)
    return [f"20 April, Petrograd Soviet (session {session_id}): " + "; ".join(lines)]


def _vyborg_breach(w: World, ids: dict[str, int]) -> list[str]:
    council = ids[VYBORG]
    with w.sys.uow() as uow:
        seats = uow.mandates.active_in_council(council)
        unit_of = {e.id: e.unit_id for e in uow.electorates.of_council(council)}
        names = {u.id: u.name for u in uow.units.list()}
    from_units = [m for m in seats if unit_of.get(m.electorate_id)]
    # A deputy of the old majority if there is one (else any): the one who breaks it.
    target = next((m for m in from_units if w.leaning.get(m.holder_id) != "Bol"), from_units[0])
    cast = CONFIDENCE.get(w.leaning.get(target.holder_id, "NP"), "abstain")
    required = "no" if cast != "no" else "yes"
    unit_id = unit_of[target.electorate_id]
    assert unit_id is not None  # from_units holds the seats of units only
    factory = names[unit_id]
    confidence = _council_motion(
        w,
        target.holder_id,
        council,
        "Confidence in the Provisional Government",
        "After the note of 18 April the district soviet keeps its confidence in the "
        "Provisional Government.",
    )
    workers = w.by_unit[factory]
    instruction = instructions.propose_instruction(
        w.sys.uow(), workers[0], ids[factory], None, confidence, required
    )
    _assembly(w, factory, instruction, {"SR": "yes", "Men": "yes", "Bol": "yes", "NP": "yes"})
    on_the_day(w, 4, 21)
    session_id, chair_id = _sit(w, council, "Session of 21 April", [confidence])
    status = _decide(w, confidence, chair_id, CONFIDENCE)
    sessions.close_session(w.sys.uow(), chair_id, session_id)
    with w.sys.uow() as uow:
        breach = next(b for b in uow.breaches.on_motion(confidence) if b.mandate_id == target.id)
    w.clock.advance(days=1)
    opener = next(v for v in workers if w.leaning[v] == "Bol")
    petition = instructions.recall_for_breach(w.sys.uow(), breach.id, opener)
    signers = [v for v in workers if v != opener and w.leaning[v] != w.leaning[target.holder_id]]
    state = paper_signatures(w, petition.id, signers[: petition.threshold - 1], (target.holder_id,))
    w.clock.advance(days=3)
    refill_vacancies(w)
    return [
        f"21 April, Vyborg: confidence {status}; {factory}'s deputy broke its instruction "
        f"(breach {breach.id}); recall petition {petition.id} -> {state.status}"
    ]


def april(w: World) -> list[str]:
    ids = _ids(w)
    return _petrograd_april(w, ids) + _vyborg_breach(w, ids)


def october(w: World) -> list[str]:
    ids = _ids(w)
    council = ids[CONGRESS]
    if not _pending(w, council):
        return ["October: no initiative waits for the Congress"]
    on_the_day(w, 10, 25)
    session_id, chair_id = _sit(w, council, "Second Congress, 25 October", [])
    results = [
        _decide(w, motion_id, chair_id, EIGHT) for motion_id in _session_agenda(w, session_id)
    ]
    sessions.close_session(w.sys.uow(), chair_id, session_id)
    return [f"25 October: the Congress votes the eight-hour day from below: {', '.join(results)}"]


PHASES = {"march": march, "april": april, "october": october}
