"""Issue 25, defect 1: a session's record counts against the mandates held at the session, not
today's. A session quorate when it sat stays quorate after its deputies are recalled."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from dualpower.domain.sessions import holders_at, session_moment
from dualpower.services import motions, sessions, views_sessions
from dualpower.store import tables as t
from factories import close_vote_in_time
from sessions_helpers import deputies, open_session

NORTH = "North Council"


def _end_mandates(fed, holders: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Mandates ended after the session (as a recall would end them)."""
    with fed.system.uow() as uow:
        uow.conn.execute(
            update(t.mandates)
            .where(t.mandates.c.council_id == fed.councils[NORTH])
            .where(t.mandates.c.holder_id.in_(holders))
            .values(end_at=uow.now() + timedelta(seconds=1), end_reason="recalled")
        )
        uow.commit()


def test_a_closed_session_keeps_the_quorum_it_had(federation):
    fed = federation
    north = deputies(fed, NORTH)  # three filled seats: quorum 2
    author = north[0]
    cmd = motions.DraftMotion(None, fed.councils[NORTH], "Eight hours", "8 hours.", "simple")
    motion = motions.draft_motion(fed.system.uow(), author, cmd)
    session, chair = open_session(fed, NORTH, [motion], present=north[:2])
    motions.open_vote(fed.system.uow(), motion, chair)
    motions.cast_vote(fed.system.uow(), motion, north[0], "yes")
    motions.cast_vote(fed.system.uow(), motion, north[1], "yes")
    close_vote_in_time(fed.system, motion, chair)
    sessions.close_session(fed.system.uow(), chair, session)
    before = views_sessions.session(fed.system.uow(), session)
    assert (before["present_count"], before["filled_seats"], before["has_quorum"]) == (2, 3, True)

    _end_mandates(fed, north[:2])  # both present deputies recalled after the session
    after = views_sessions.session(fed.system.uow(), session)
    assert (after["present_count"], after["filled_seats"], after["quorum"]) == (2, 3, 2)
    assert after["has_quorum"] is True
    assert "Present: 2 of 3 filled seats" in after["minutes"]


def test_an_open_session_counts_the_mandates_in_force_now(federation):
    fed = federation
    north = deputies(fed, NORTH)
    session, _chair = open_session(fed, NORTH, [], present=north[:2])
    _end_mandates(fed, north[:1])
    with fed.system.uow() as uow:  # the recall takes effect a second later: look then
        later = uow.now() + timedelta(seconds=2)
        found = uow.sessions.get(session)
        held = holders_at(uow.mandates.list(t.mandates.c.council_id == fed.councils[NORTH]), later)
    assert session_moment(found, later) == later
    assert held == set(north[1:])
