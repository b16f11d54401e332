"""The speakers' list and the stewards of a session (DESIGN.md 2.4a; issues 5 and 8): order of
request, one entry per deputy and item (409, also under concurrency), the keeper's acts and the
time limit, stewards elected for one session keeping the list and nothing more, their power
ending with the session and at recall; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from dualpower.domain import errors
from dualpower.domain.capabilities import CONVENE_SESSION, MODERATE, RUN_ELECTION
from dualpower.services import (
    authority,
    elections,
    motions,
    offices,
    recall,
    sessions,
    speakers,
    speakers_views,
    stewards,
)
from dualpower.services import register as reg
from dualpower.services.invariants import stewards as invariants
from dualpower.store import tables as t
from dualpower.store import tables_speakers as tsp
from factories import close_vote_in_time
from sessions_helpers import deputies, open_session

NORTH = "North Council"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: int) -> None:
        self.at += timedelta(seconds=seconds)


def _motion(fed, title: str = "Eight hours") -> int:  # type: ignore[no-untyped-def]
    cmd = motions.DraftMotion(None, fed.councils[NORTH], title, "The working day is 8 hours.")
    return motions.draft_motion(fed.system.uow(), deputies(fed, NORTH)[0], cmd)


def _sitting(fed, present_all: bool = True):  # type: ignore[no-untyped-def]
    """An open North session with two motions; (session, chair, [deputies], [motions])."""
    clock = Clock()
    fed.system.clock = clock
    items = [_motion(fed), _motion(fed, "Bread")]
    north = deputies(fed, NORTH)
    session, chair = open_session(fed, NORTH, items, north if present_all else north[:2])
    return session, chair, north, items, clock


def _acts(fed, act: str) -> int:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        query = select(func.count()).select_from(t.audit_log).where(t.audit_log.c.act == act)
        return int(uow.conn.execute(query).scalar())


def _order(fed, session: int, viewer: int | None = None):  # type: ignore[no-untyped-def]
    return speakers_views.order(fed.system.reader(), session, viewer)


def _elect_steward(fed, session: int, chair: int, who: int) -> int:  # type: ignore[no-untyped-def]
    """The council elects `who` steward of the session; returns the term."""
    [election] = stewards.open_steward_elections(fed.system.uow(), chair, session, 1)
    candidate = offices.stand(fed.system.uow(), election, who)
    for deputy in deputies(fed, NORTH):
        elections.cast_ballot(fed.system.uow(), election, deputy, [candidate])
    return stewards.close_steward_election(fed.system.uow(), chair, session, election)


def test_the_list_goes_by_request_and_the_chair_keeps_it_until_stewards(federation):
    fed = federation
    session, chair, north, items, clock = _sitting(fed)
    first, second = north[1], north[2]
    speakers.request_floor(fed.system.uow(), session, second)
    clock.advance(1)
    speakers.request_floor(fed.system.uow(), session, first)
    view = _order(fed, session)
    assert [s["member"]["id"] for s in view["waiting"]] == [second, first]
    assert view["current_item"] == items[0] and view["kept_by"] == "chair"
    with pytest.raises(errors.NotAllowed):
        speakers.give_floor(fed.system.uow(), session, first)  # a deputy is no keeper
    speakers.set_limit(fed.system.uow(), session, chair, 60)
    assert speakers.give_floor(fed.system.uow(), session, chair) is not None
    clock.advance(45)
    speaking = _order(fed, session)["speaking"]
    assert speaking["member"]["id"] == second
    assert (speaking["used_seconds"], speaking["remaining_seconds"]) == (45, 15)
    assert not speaking["is_overrun"]
    clock.advance(30)
    assert _order(fed, session)["speaking"]["is_overrun"]  # marked while speaking
    speakers.give_floor(fed.system.uow(), session, chair)  # ends it, the next speaks
    view = _order(fed, session)
    assert view["speaking"]["member"]["id"] == first
    [done] = view["done"]
    assert (done["status"], done["used_seconds"], done["is_overrun"]) == ("spoken", 75, True)
    speakers.end_speech(fed.system.uow(), session, chair)
    with pytest.raises(errors.Conflict, match="nobody holds the floor"):
        speakers.end_speech(fed.system.uow(), session, chair)
    with pytest.raises(errors.Conflict, match="nobody is waiting"):
        speakers.give_floor(fed.system.uow(), session, chair)
    assert _acts(fed, "speakers.request") == 2 and _acts(fed, "speakers.give_floor") == 2
    assert _acts(fed, "speakers.end") == 2 and _acts(fed, "speakers.set_limit") == 1


def test_who_may_ask_and_one_entry_per_item(federation):
    fed = federation
    session, chair, north, items, _ = _sitting(fed, present_all=False)
    absent, deputy = north[2], north[1]
    with pytest.raises(errors.NotAllowed, match="attendance"):
        speakers.request_floor(fed.system.uow(), session, absent)
    outsider = fed.members["forge9"]  # a member, not a deputy
    with pytest.raises(errors.NotAllowed, match="deputies"):
        speakers.request_floor(fed.system.uow(), session, outsider)
    speakers.request_floor(fed.system.uow(), session, deputy)
    with pytest.raises(errors.Conflict, match="already"):
        speakers.request_floor(fed.system.uow(), session, deputy)
    speakers.request_floor(fed.system.uow(), session, deputy, items[1])  # another item
    with pytest.raises(errors.InvalidRequest, match="not on this session's agenda"):
        speakers.request_floor(fed.system.uow(), session, deputy, _motion(fed, "Elsewhere"))
    speakers.withdraw(fed.system.uow(), session, deputy, items[0])
    with pytest.raises(errors.Conflict, match="not waiting"):
        speakers.withdraw(fed.system.uow(), session, deputy, items[0])
    speakers.request_floor(fed.system.uow(), session, deputy)  # on the list again
    assert _acts(fed, "speakers.request") == 3 and _acts(fed, "speakers.withdraw") == 1
    with pytest.raises(errors.InvalidRequest):
        speakers.set_limit(fed.system.uow(), session, chair, 5)


def test_stewards_keep_the_list_of_their_session_and_nothing_more(federation):
    fed = federation
    session, chair, north, items, _ = _sitting(fed)
    steward = north[1]
    other_session = sessions.convene_session(
        fed.system.uow(), chair, fed.councils[NORTH], "Another", [_motion(fed, "Other")]
    )
    sessions.open_session(fed.system.uow(), chair, other_session)
    sessions.register_attendance(fed.system.uow(), other_session, north[2])
    with pytest.raises(errors.NotAllowed):  # a deputy may not open the stewards' election
        stewards.open_steward_elections(fed.system.uow(), steward, session, 1)
    _elect_steward(fed, session, chair, steward)
    assert _order(fed, session)["kept_by"] == "stewards"
    speakers.request_floor(fed.system.uow(), session, north[2])
    speakers.set_limit(fed.system.uow(), session, steward, 120)
    speakers.give_floor(fed.system.uow(), session, steward)
    with pytest.raises(errors.NotAllowed):  # the stewards keep it now, not the chair
        speakers.end_speech(fed.system.uow(), session, chair)
    speakers.end_speech(fed.system.uow(), session, steward)
    with fed.system.uow() as uow:
        held = authority.capabilities_of(uow, steward, fed.councils[NORTH])
        for capability in (CONVENE_SESSION, MODERATE, RUN_ELECTION):
            with pytest.raises(errors.NotAllowed):
                authority.require(uow, steward, capability, fed.councils[NORTH])
    assert held == {"keep_order"}
    with pytest.raises(errors.NotAllowed):
        sessions.convene_session(fed.system.uow(), steward, fed.councils[NORTH], "Mine", [])
    with pytest.raises(errors.NotAllowed):
        reg.record_authority(
            fed.system.uow(),
            reg.RecordAuthority("Provisional Government", fed.councils[NORTH], ""),
            reg.Actor(steward),
        )
    speakers.request_floor(fed.system.uow(), other_session, north[2])
    with pytest.raises(errors.NotAllowed):  # another session: its chair keeps that list
        speakers.give_floor(fed.system.uow(), other_session, steward)
    with pytest.raises(errors.NotAllowed):
        speakers.set_limit(fed.system.uow(), other_session, steward, 60)
    with fed.system.uow() as uow:
        assert invariants.check(uow) == []


def test_a_stewards_power_ends_with_the_session(federation):
    fed = federation
    session, chair, north, items, _ = _sitting(fed)
    steward = north[1]
    term = _elect_steward(fed, session, chair, steward)
    [pending] = stewards.open_steward_elections(fed.system.uow(), chair, session, 1)
    speakers.request_floor(fed.system.uow(), session, north[2])
    for motion_id in items:
        motions.open_vote(fed.system.uow(), motion_id, chair)
        close_vote_in_time(fed.system, motion_id, chair)
    sessions.close_session(fed.system.uow(), chair, session)
    with fed.system.uow() as uow:
        ended = uow.office_terms.get(term)
        assert (ended.end_at is not None, ended.end_reason) == (True, "session closed")
        assert uow.elections.get(pending).status == "closed"
        assert not authority.keeps_order(uow, steward, session)
        assert uow.speeches.open_of_session(session) == []
        assert invariants.check(uow) == []
    for act in (
        speakers.end_speech,
        speakers.give_floor,
        lambda u, s, m: speakers.set_limit(u, s, m, 60),
    ):
        with pytest.raises(errors.NotAllowed):  # 403: the steward's power ended
            act(fed.system.uow(), session, steward)
    with pytest.raises(errors.NotAllowed):  # the chair keeps no closed session's order either
        speakers.set_limit(fed.system.uow(), session, chair, 60)


def test_a_recalled_steward_is_refused_at_once(federation):
    fed = federation
    session, chair, north, _, _ = _sitting(fed)
    steward = north[1]
    term = _elect_steward(fed, session, chair, steward)
    speakers.request_floor(fed.system.uow(), session, north[2])
    petition = recall.open_office_recall(fed.system.uow(), term, north[0])
    state = petition
    for deputy in north:
        if state.status != "open":
            break
        state = recall.sign_recall(fed.system.uow(), petition.id, deputy)
    assert state.status == "recalled"
    with pytest.raises(errors.NotAllowed):
        speakers.give_floor(fed.system.uow(), session, steward)
    assert _order(fed, session)["kept_by"] == "chair"  # no steward in office: the chair again
    speakers.give_floor(fed.system.uow(), session, chair)


def test_the_invariant_catches_a_steward_outliving_the_session(federation):
    fed = federation
    session, chair, north, items, _ = _sitting(fed)
    term = _elect_steward(fed, session, chair, north[1])
    for motion_id in items:
        motions.open_vote(fed.system.uow(), motion_id, chair)
        close_vote_in_time(fed.system, motion_id, chair)
    sessions.close_session(fed.system.uow(), chair, session)
    with fed.system.uow() as uow:  # forge the record: the term never ended
        uow.conn.execute(
            t.office_terms.update()
            .where(t.office_terms.c.id == term)
            .values(end_at=None, end_reason=None)
        )
        uow.conn.execute(
            insert(tsp.speeches).values(
                session_id=session,
                motion_id=items[0],
                member_id=north[2],
                requested_at=fed.system.clock(),
                status="waiting",
                is_overrun=False,
            )
        )
        found = invariants.check(uow)
    assert any("outlives the session" in p for p in found)
    assert any("speakers' list is open" in p for p in found)


def _race(*acts) -> list[BaseException | None]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(acts))
    outcome: list[BaseException | None] = [None] * len(acts)

    def run(i: int) -> None:
        barrier.wait()
        try:
            acts[i]()
        except BaseException as error:  # noqa: BLE001
            outcome[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(acts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def test_concurrent_requests_make_one_entry(federation):
    fed = federation
    session, _, north, items, _ = _sitting(fed)
    for _round in range(3):
        outcome = _race(*[lambda: speakers.request_floor(fed.system.uow(), session, north[1])] * 2)
        with fed.system.uow() as uow:
            open_ = [s for s in uow.speeches.open_of(session, north[1])]
        assert len(open_) == 1
        assert sum(1 for o in outcome if o is None) == 1
        assert all(isinstance(o, errors.Conflict) for o in outcome if o is not None)
        speakers.withdraw(fed.system.uow(), session, north[1])


def test_concurrent_next_gives_the_floor_to_one_at_a_time(federation):
    fed = federation
    session, chair, north, _, _ = _sitting(fed)
    for deputy in north[1:]:
        speakers.request_floor(fed.system.uow(), session, deputy)
    outcome = _race(*[lambda: speakers.give_floor(fed.system.uow(), session, chair)] * 2)
    assert all(o is None or isinstance(o, errors.Conflict) for o in outcome)
    with fed.system.uow() as uow:
        listed = uow.speeches.of_session(session)
        assert sum(1 for s in listed if s.status == "speaking") == 1
        assert invariants.check(uow) == []
    given = _acts(fed, "speakers.give_floor")
    assert given == sum(1 for o in outcome if o is None)


def test_a_steward_election_closes_only_when_every_deputy_present_voted_or_its_time_ran(federation):
    """A vote in session (DESIGN.md 2.9): the chair cannot close it while deputies present are
    still to vote and its time has not run (409); the clock closes it when the time has run."""
    from dualpower.services.due import run_due

    session, chair, north, _, clock = _sitting(federation)
    [election] = stewards.open_steward_elections(federation.system.uow(), chair, session, 1)
    candidate = offices.stand(federation.system.uow(), election, north[1])
    elections.cast_ballot(federation.system.uow(), election, north[0], [candidate])
    with pytest.raises(errors.Conflict, match="earlier only when every elector has voted"):
        stewards.close_steward_election(federation.system.uow(), chair, session, election)
    with federation.system.uow() as uow:
        closes_at = uow.elections.get(election).closes_at
        seconds = uow.standing_orders.of(council_id=federation.councils[NORTH])[
            "session_vote_seconds"
        ]
    assert closes_at == clock.at + timedelta(seconds=seconds)
    clock.at = closes_at
    run_due(federation.system.uow)  # the clock closes it: the one who voted elects the steward
    with federation.system.uow() as uow:
        assert uow.elections.get(election).status == "closed"
        office = uow.elections.get(election).office_id
        assert uow.office_terms.active_of_office(office).holder_id == north[1]
