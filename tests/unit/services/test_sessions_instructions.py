"""Instructions (DESIGN.md 2.3) and initiatives from below (DESIGN.md 2.5)."""

from __future__ import annotations

import threading

import pytest

from dualpower.domain import errors
from dualpower.services import initiatives, instructions, motions, sessions, views_sessions
from dualpower.services.invariants import sessions as invariants
from factories import close_vote_in_time
from fixtures_services import show_of_hands
from sessions_helpers import adopt_orders, deputies, give_chair, member, open_session

NORTH, SOUTH, CHIEF = "North Council", "South Council", "Chief Council"


def _invariants(fed) -> list[str]:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return invariants.check(uow)


def _assembly_adopts(fed, motion_id: int, unit: str, voters: range) -> None:  # type: ignore[no-untyped-def]
    caller = member(fed, unit, voters[0])
    motions.open_vote(fed.system.uow(), motion_id, caller)
    show_of_hands(fed.system.uow(), motion_id, [(member(fed, unit, i), "yes") for i in voters])
    assert close_vote_in_time(fed.system, motion_id, caller).status == "adopted"


def test_a_broken_instruction_is_recorded_and_the_electors_told(federation):
    fed = federation
    north = deputies(fed, NORTH)
    war = motions.draft_motion(
        fed.system.uow(),
        north[0],
        motions.DraftMotion(None, fed.councils[NORTH], "War to victory", "Support the war loan."),
    )
    with pytest.raises(errors.NotAllowed):  # a Mill member cannot speak for the Forge
        instructions.propose_instruction(
            fed.system.uow(), member(fed, "Mill", 1), fed.units["Forge"], None, war, "no"
        )
    order = instructions.propose_instruction(
        fed.system.uow(), member(fed, "Forge", 5), fed.units["Forge"], None, war, "no"
    )
    _assembly_adopts(fed, order, "Forge", range(5, 10))
    forge_deputies = {member(fed, "Forge", 1), member(fed, "Forge", 3)}
    assert forge_deputies <= set(north)
    _, chair = open_session(fed, NORTH, [war], present=north)
    motions.open_vote(fed.system.uow(), war, chair)
    votes = [(member(fed, "Forge", 1), "yes"), (member(fed, "Forge", 3), "no")]
    votes.append((member(fed, "Barracks", 1), "yes"))  # no instruction from the Barracks
    show_of_hands(fed.system.uow(), war, votes)
    view = views_sessions.motion(fed.system.uow(), war)
    assert [(b["member"]["id"], b["required"], b["cast"]) for b in view["breaches"]] == [
        (member(fed, "Forge", 1), "no", "yes")
    ]
    breach_id = view["breaches"][0]["id"]
    with fed.system.uow() as uow:
        told = uow.notifications.of_member(member(fed, "Forge", 12))
        assert [n.link for n in told if n.kind == "instruction_breach"] == [
            f"/breaches/{breach_id}"
        ]
        assert not [
            n
            for n in uow.notifications.of_member(member(fed, "Mill", 1))
            if n.kind == "instruction_breach"
        ]
    assert _invariants(fed) == []
    with pytest.raises(errors.NotAllowed):  # only the seat's electors open the recall
        instructions.recall_for_breach(fed.system.uow(), breach_id, member(fed, "Mill", 2))
    petition = instructions.recall_for_breach(fed.system.uow(), breach_id, member(fed, "Forge", 6))
    assert (petition.status, petition.signatures) == ("open", 1)
    with fed.system.uow() as uow:
        assert uow.recalls.get(petition.id).mandate_id == view["breaches"][0]["mandate_id"]
    again = instructions.recall_for_breach(fed.system.uow(), breach_id, member(fed, "Forge", 7))
    assert (again.id, again.signatures) == (petition.id, 2)  # the next elector signs it


def _north_threshold(fed, share_bp: int) -> None:  # type: ignore[no-untyped-def]
    chair = deputies(fed, NORTH)[0]
    give_chair(fed, NORTH, chair)
    adopt_orders(fed, NORTH, initiative_threshold_bp=share_bp)


def _started_in_mill(fed) -> int:  # type: ignore[no-untyped-def]
    """An initiative adopted by the Mill's assembly and sent up (South Council: 12 of 20)."""
    draft = motions.DraftMotion(fed.units["Mill"], None, "Eight-hour day", "The 8-hour day now.")
    motion = motions.draft_motion(fed.system.uow(), member(fed, "Mill", 1), draft)
    _assembly_adopts(fed, motion, "Mill", range(1, 5))
    return initiatives.send_up(fed.system.uow(), motion, member(fed, "Mill", 2))


def test_an_initiative_rises_level_by_level(federation):
    fed = federation
    initiative = _started_in_mill(fed)
    path = views_sessions.initiative(fed.system.uow(), initiative)
    assert [lv["council"]["name"] for lv in path["levels"]] == [SOUTH, CHIEF]
    south = path["levels"][0]
    assert (south["support"], south["members"], south["needed"]) == (12, 20, 2)
    assert south["motion"]["status"] == "draft" and path["levels"][1]["motion"] is None
    # It waits for South's next session, and is on its agenda automatically.
    south_deputies = deputies(fed, SOUTH)
    session, chair = open_session(fed, SOUTH, [], present=south_deputies)
    council_motion = south["motion"]["id"]
    with fed.system.uow() as uow:
        assert uow.sessions.agenda(session) == [council_motion]
        told = {n.kind for n in uow.notifications.of_member(south_deputies[1])}
        assert "initiative" in told
    with pytest.raises(errors.Conflict, match="must vote"):
        sessions.close_session(fed.system.uow(), chair, session)
    motions.open_vote(fed.system.uow(), council_motion, chair)
    show_of_hands(fed.system.uow(), council_motion, [(d, "yes") for d in south_deputies])
    close_vote_in_time(fed.system, council_motion, chair)
    sessions.close_session(fed.system.uow(), chair, session)
    chief = views_sessions.initiative(fed.system.uow(), initiative)["levels"][1]
    assert (chief["support"], chief["members"]) == (20, 40)  # South's whole territory
    assert chief["motion"]["status"] == "draft"
    assert chief["supporters"] == [
        {"kind": "council", "id": fed.councils[SOUTH], "name": SOUTH, "members": 20}
    ]
    assert _invariants(fed) == []


def test_send_up_refusals(federation):
    fed = federation
    draft = motions.DraftMotion(fed.units["Mill"], None, "Not yet", "Not adopted.")
    motion = motions.draft_motion(fed.system.uow(), member(fed, "Mill", 1), draft)
    with pytest.raises(errors.Conflict, match="not adopted"):
        initiatives.send_up(fed.system.uow(), motion, member(fed, "Mill", 1))
    _assembly_adopts(fed, motion, "Mill", range(1, 4))
    with pytest.raises(errors.NotAllowed):
        initiatives.send_up(fed.system.uow(), motion, member(fed, "Forge", 1))
    initiative = initiatives.send_up(fed.system.uow(), motion, member(fed, "Mill", 1))
    with pytest.raises(errors.Conflict):
        initiatives.send_up(fed.system.uow(), motion, member(fed, "Mill", 1))
    taken = initiatives.take_up(
        fed.system.uow(), initiative, fed.units["Farm"], member(fed, "Farm", 1)
    )
    with pytest.raises(errors.Conflict):
        initiatives.take_up(fed.system.uow(), initiative, fed.units["Farm"], member(fed, "Farm", 2))
    with pytest.raises(errors.NotAllowed):
        initiatives.take_up(
            fed.system.uow(), initiative, fed.units["Barracks"], member(fed, "Forge", 2)
        )
    assert views_sessions.motion(fed.system.uow(), taken)["initiative_id"] == initiative


@pytest.mark.slow
@pytest.mark.parametrize("share_bp", [1000, 10000])  # each alone crosses; only both together
def test_the_threshold_is_crossed_exactly_once_under_concurrency(federation, share_bp):
    fed = federation
    initiative = _started_in_mill(fed)
    _north_threshold(fed, share_bp)
    carried = {}
    for unit in ("Forge", "Barracks"):
        carried[unit] = initiatives.take_up(
            fed.system.uow(), initiative, fed.units[unit], member(fed, unit, 1)
        )
        motions.open_vote(fed.system.uow(), carried[unit], member(fed, unit, 1))
        show_of_hands(
            fed.system.uow(), carried[unit], [(member(fed, unit, i), "yes") for i in range(1, 5)]
        )
    barrier = threading.Barrier(2)
    errors_seen: list[BaseException] = []

    def close(unit: str) -> None:
        barrier.wait()
        try:
            close_vote_in_time(fed.system, carried[unit], member(fed, unit, 1))
        except BaseException as error:  # noqa: BLE001
            errors_seen.append(error)

    threads = [threading.Thread(target=close, args=(u,)) for u in carried]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors_seen == []
    with fed.system.uow() as uow:
        steps = [
            s for s in uow.initiatives.steps(initiative) if s.council_id == fed.councils[NORTH]
        ]
        put = [
            m for m in uow.initiatives.motions_of(initiative) if m.council_id == fed.councils[NORTH]
        ]
    assert len(steps) == 1 and len(put) == 1
    if share_bp == 10000:
        assert steps[0].support == 20  # it crossed only when both had adopted
    assert _invariants(fed) == []
