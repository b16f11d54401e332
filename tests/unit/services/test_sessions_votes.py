"""Sessions, roll-calls and base assemblies (issue 5): quorum, amendment order, majorities,
refusals that change nothing, and one vote per deputy under concurrency."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from dualpower.domain import errors
from dualpower.domain.sessions import NoQuorum
from dualpower.services import motions, sessions, views_sessions
from dualpower.services.invariants import sessions as invariants
from dualpower.store import tables_sessions as ts
from factories import close_vote_in_time
from fixtures_services import show_of_hands
from sessions_helpers import adopt_orders, deputies, give_chair, member, open_session

NORTH = "North Council"


def _north_motion(fed, majority: str = "simple", title: str = "Eight hours") -> int:  # type: ignore[no-untyped-def]
    author = deputies(fed, NORTH)[0]
    cmd = motions.DraftMotion(
        None, fed.councils[NORTH], title, "The working day is 8 hours.", majority
    )
    return motions.draft_motion(fed.system.uow(), author, cmd)


def _status(fed, motion_id: int) -> str:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return uow.motions.get(motion_id).status


def _invariants(fed) -> list[str]:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return invariants.check(uow)


def test_quorum_is_a_majority_of_filled_seats_present(federation):
    fed = federation
    motion = _north_motion(fed)
    north = deputies(fed, NORTH)  # three filled seats: quorum 2
    session, chair = open_session(fed, NORTH, [motion], present=[north[0]])
    with pytest.raises(NoQuorum, match="1 of 3"):
        motions.open_vote(fed.system.uow(), motion, chair)
    assert _status(fed, motion) == "draft"
    sessions.register_attendance(fed.system.uow(), session, north[1])
    motions.open_vote(fed.system.uow(), motion, chair)
    motions.cast_vote(fed.system.uow(), motion, north[0], "yes")
    with pytest.raises(errors.NotAllowed, match="attendance"):
        motions.cast_vote(fed.system.uow(), motion, north[2], "no")  # not registered
    decision = close_vote_in_time(fed.system, motion, chair)
    assert (decision.status, decision.yes, decision.no, decision.seats) == ("adopted", 1, 0, 3)
    assert _invariants(fed) == []


def test_refusals_change_nothing(federation):
    fed = federation
    motion = _north_motion(fed)
    north = deputies(fed, NORTH)
    outsider = member(fed, "Mill", 1)
    with pytest.raises(errors.NotAllowed, match="convene session"):
        sessions.convene_session(fed.system.uow(), north[1], fed.councils[NORTH], "S", [motion])
    session, chair = open_session(fed, NORTH, [], present=north[:2])
    with pytest.raises(errors.Conflict, match="agenda"):
        motions.open_vote(fed.system.uow(), motion, chair)
    with pytest.raises(errors.NotAllowed):
        sessions.register_attendance(fed.system.uow(), session, outsider)
    with pytest.raises(errors.Conflict, match="already"):
        sessions.register_attendance(fed.system.uow(), session, north[0])
    sessions.add_to_agenda(fed.system.uow(), chair, session, motion)
    with pytest.raises(errors.NotAllowed):
        motions.open_vote(fed.system.uow(), motion, north[1])  # no capability
    motions.open_vote(fed.system.uow(), motion, chair)
    with pytest.raises(errors.NotAllowed):
        motions.cast_vote(fed.system.uow(), motion, outsider, "yes")
    with pytest.raises(errors.InvalidRequest):
        motions.cast_vote(fed.system.uow(), motion, north[0], "maybe")
    motions.cast_vote(fed.system.uow(), motion, north[0], "no")
    with pytest.raises(errors.AlreadyVoted):
        motions.cast_vote(fed.system.uow(), motion, north[0], "yes")
    with pytest.raises(errors.Conflict, match="still open"):
        sessions.close_session(fed.system.uow(), chair, session)
    with fed.system.uow() as uow:
        assert uow.motions.votes(motion) == {north[0]: "no"}
        assert uow.sessions.present(session) == north[:2]


def test_amendments_are_voted_before_their_motion(federation):
    fed = federation
    motion = _north_motion(fed)
    north = deputies(fed, NORTH)
    amend = motions.DraftMotion(
        None,
        fed.councils[NORTH],
        "Six on Saturdays",
        "Add: six hours on Saturdays.",
        parent_id=motion,
    )
    amendment = motions.draft_motion(fed.system.uow(), north[1], amend)
    _, chair = open_session(fed, NORTH, [motion], present=north)
    with pytest.raises(errors.Conflict, match="amendments are voted before"):
        motions.open_vote(fed.system.uow(), motion, chair)
    assert _status(fed, motion) == "draft"
    motions.open_vote(fed.system.uow(), amendment, chair)
    with pytest.raises(errors.InvalidRequest, match="not to an amendment"):
        motions.draft_motion(fed.system.uow(), north[1], replace(amend, parent_id=amendment))
    show_of_hands(fed.system.uow(), amendment, [(n, "yes") for n in north])
    assert close_vote_in_time(fed.system, amendment, chair).status == "adopted"
    motions.open_vote(fed.system.uow(), motion, chair)
    with pytest.raises(errors.Conflict, match="can no longer be amended"):
        motions.draft_motion(fed.system.uow(), north[1], amend)
    show_of_hands(fed.system.uow(), motion, [(north[0], "yes"), (north[1], "no"), (north[2], "no")])
    assert close_vote_in_time(fed.system, motion, chair).status == "rejected"
    view = views_sessions.motion(fed.system.uow(), motion)
    assert [a["status"] for a in view["amendments"]] == ["adopted"]
    assert {v["id"]: v["position"] for v in view["roll_call"]} == {
        north[0]: "yes",
        north[1]: "no",
        north[2]: "no",
    }
    assert _invariants(fed) == []


@pytest.mark.parametrize(
    ("majority", "votes", "outcome"),
    [
        ("simple", ["yes", "abstain", "abstain"], "adopted"),
        ("absolute", ["yes", "abstain", "abstain"], "rejected"),  # 1 of 3 seats is not > half
        ("absolute", ["yes", "yes", "no"], "adopted"),
        ("two_thirds", ["yes", "yes", "no"], "adopted"),  # 2 of 3 cast
        ("two_thirds", ["yes", "no", "abstain"], "rejected"),  # 1 of 2 cast
    ],
)
def test_majorities_per_motion_type(federation, majority, votes, outcome):
    fed = federation
    motion = _north_motion(fed, majority)
    north = deputies(fed, NORTH)
    session, chair = open_session(fed, NORTH, [motion], present=north)
    motions.open_vote(fed.system.uow(), motion, chair)
    show_of_hands(fed.system.uow(), motion, list(zip(north, votes, strict=True)))
    assert close_vote_in_time(fed.system, motion, chair).status == outcome
    sessions.close_session(fed.system.uow(), chair, session)
    minutes = views_sessions.session(fed.system.uow(), session)["minutes"]
    assert outcome.upper() in minutes and "Forge Member 1" in minutes
    assert _invariants(fed) == []


def test_base_assembly_votes_with_its_quorum(federation):
    fed = federation
    forge = [member(fed, "Forge", i) for i in range(1, 13)]
    cmd = motions.DraftMotion(fed.units["Forge"], None, "Strike fund", "A strike fund of 1 %.")
    with pytest.raises(errors.NotAllowed, match="own unit"):
        motions.draft_motion(fed.system.uow(), member(fed, "Mill", 1), cmd)
    motion = motions.draft_motion(fed.system.uow(), forge[3], cmd)
    with pytest.raises(errors.NotAllowed):
        motions.open_vote(fed.system.uow(), motion, member(fed, "Mill", 1))
    motions.open_vote(fed.system.uow(), motion, forge[3])  # any member calls the vote
    motions.cast_vote(fed.system.uow(), motion, forge[0], "yes")
    with pytest.raises(NoQuorum, match="1 of 12"):  # 10 % of 12, rounded up: 2
        close_vote_in_time(fed.system, motion, forge[3])
    motions.cast_vote(fed.system.uow(), motion, forge[1], "no")
    with pytest.raises(errors.NotAllowed, match="called"):
        close_vote_in_time(fed.system, motion, forge[0])
    motions.cast_vote(fed.system.uow(), motion, forge[2], "yes")
    decision = close_vote_in_time(fed.system, motion, forge[3])
    assert (decision.status, decision.seats) == ("adopted", 12)
    assert _invariants(fed) == []


def test_secret_votes_only_where_standing_orders_allow(federation):
    fed = federation
    north = deputies(fed, NORTH)
    cmd = motions.DraftMotion(None, fed.councils[NORTH], "Secret", "A secret vote.", is_secret=True)
    with pytest.raises(errors.NotAllowed, match="standing orders"):
        motions.draft_motion(fed.system.uow(), north[0], cmd)
    give_chair(fed, NORTH, north[0])
    adopt_orders(fed, NORTH, allows_secret_votes=True)
    motion = motions.draft_motion(fed.system.uow(), north[0], cmd)
    session = sessions.convene_session(
        fed.system.uow(), north[0], fed.councils[NORTH], "S", [motion]
    )
    sessions.open_session(fed.system.uow(), north[0], session)
    for n in north:
        sessions.register_attendance(fed.system.uow(), session, n)
    motions.open_vote(fed.system.uow(), motion, north[0])
    receipt = motions.cast_vote(fed.system.uow(), motion, north[1], "yes")
    assert receipt
    with pytest.raises(errors.AlreadyVoted):
        motions.cast_vote(fed.system.uow(), motion, north[1], "no")
    close_vote_in_time(fed.system, motion, north[0])
    view = views_sessions.motion(fed.system.uow(), motion)
    assert view["roll_call"] == [] and view["ballots"] == [{"receipt": receipt, "position": "yes"}]
    with fed.system.engine.connect() as conn:
        assert "member_id" not in ts.motion_ballots.c
        assert conn.execute(select(func.count()).select_from(ts.motion_votes)).scalar() == 0
    assert _invariants(fed) == []


THREADS = 16


@pytest.mark.slow
def test_concurrent_votes_of_one_deputy_leave_one(federation):
    fed = federation
    motion = _north_motion(fed)
    north = deputies(fed, NORTH)
    _, chair = open_session(fed, NORTH, [motion], present=north)
    motions.open_vote(fed.system.uow(), motion, chair)
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def vote(i: int) -> None:
        barrier.wait()
        try:
            outcome: object = motions.cast_vote(
                fed.system.uow(), motion, north[1], ("yes", "no")[i % 2]
            )
        except Exception as error:  # noqa: BLE001 - every outcome is checked
            outcome = error
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == THREADS
    assert sum(o is None for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, errors.AlreadyVoted) for o in outcomes) == THREADS - 1, outcomes
    with fed.system.uow() as uow:
        assert list(uow.motions.votes(motion)) == [north[1]]


@pytest.mark.slow
def test_concurrent_attendance_is_registered_once(federation):
    fed = federation
    north = deputies(fed, NORTH)
    session, _ = open_session(fed, NORTH, [], present=[])
    barrier = threading.Barrier(8)
    results: list[object] = []

    def attend() -> None:
        barrier.wait()
        try:
            sessions.register_attendance(fed.system.uow(), session, north[2])
            results.append("ok")
        except errors.Conflict as error:
            results.append(error)

    threads = [threading.Thread(target=attend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results.count("ok") == 1 and len(results) == 8
    with fed.system.uow() as uow:
        assert uow.sessions.present(session) == [north[2]]


def test_a_vote_shows_when_it_closes_while_it_runs(federation):
    """DESIGN.md 2.9: the motion's view gives the moment its vote closes at the latest (the
    standing orders' time for a vote in session), and none before or after the vote."""
    from datetime import datetime, timedelta

    fed = federation
    motion = _north_motion(fed)
    north = deputies(fed, NORTH)
    _, chair = open_session(fed, NORTH, [motion], present=north)
    assert views_sessions.motion(fed.system.reader(), motion)["vote_closes_at"] is None
    motions.open_vote(fed.system.uow(), motion, chair)
    with fed.system.uow() as uow:
        opened_at = uow.motions.get(motion).vote_opened_at
        seconds = uow.standing_orders.of(council_id=fed.councils[NORTH])["session_vote_seconds"]
    shown = views_sessions.motion(fed.system.reader(), motion)["vote_closes_at"]
    assert datetime.fromisoformat(shown) == opened_at + timedelta(seconds=seconds)
    close_vote_in_time(fed.system, motion, chair)
    assert views_sessions.motion(fed.system.reader(), motion)["vote_closes_at"] is None
