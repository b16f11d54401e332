"""Stewards of a session (DESIGN.md 2.4a; issue 8).

- The council elects its stewards for one session: the chair (`convene_session` of the council)
  creates the session's steward posts, each an office of the council carrying `keep_order` only,
  bound to the session, and opens their elections. The council's deputies stand and vote in the
  ordinary office elections (services/elections.py, services/offices.py). Each is a vote in
  session (DESIGN.md 2.9): it runs for the standing orders' time for a vote in session; the
  chair closes it once every deputy present has voted, else the clock closes it when its time
  has run (or the electoral commission through the office election's own route); the winner
  takes the post (services/office_terms.py).
- A steward is recalled like every official (services/recall.py: the council's deputies
  petition against the term).
- Everything ends with the session: closing it ends every steward's term ("session closed"),
  closes the steward elections still open without a winner, and lets the speakers' list lapse.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dualpower.domain import errors
from dualpower.domain import speakers as rules
from dualpower.domain.capabilities import CONVENE_SESSION, KEEP_ORDER
from dualpower.domain.cycle import refuse_early_close
from dualpower.domain.model import Election
from dualpower.domain.sessions import Session
from dualpower.services import authority, office_terms
from dualpower.services.elections import close_in, open_office_in
from dualpower.services.secrecy import unlink_ballots
from dualpower.store.uow import UnitOfWork

SESSION_CLOSED = "session closed"


def _session(uow: UnitOfWork, session_id: int) -> Session:
    session: Session | None = uow.sessions.get_for_update(session_id)
    if session is None:
        raise errors.NotFound(f"no session {session_id}")
    if session.status == "closed":
        raise errors.Conflict("the session is closed")
    return session


def open_steward_elections(
    uow: UnitOfWork, member_id: int, session_id: int, posts: int = 1
) -> list[int]:
    """The chair opens the election of `posts` stewards for the session; returns the elections."""
    with uow:
        session = _session(uow, session_id)
        authority.require(uow, member_id, CONVENE_SESSION, session.council_id)
        existing = uow.steward_posts.offices_of(session.id)
        rules.check_posts(posts, len(existing))
        opened = []
        for number in range(len(existing) + 1, len(existing) + posts + 1):
            name = rules.steward_post_name(session.id, number)
            office_id = uow.offices.add(
                council_id=session.council_id, name=name, capabilities=[KEEP_ORDER], stipend=0
            )
            uow.steward_posts.add(office_id, session.id, number)
            uow.record(
                "office.create",
                {
                    "office": office_id,
                    "council": session.council_id,
                    "name": name,
                    "capabilities": [KEEP_ORDER],
                    "stipend": 0,
                    "session": session.id,
                },
                actor=str(member_id),
            )
            election = open_office_in(
                uow, office_id, closes_at=_vote_closes_at(uow, session), actor=str(member_id)
            )
            opened.append(election.id)
        uow.record(
            "stewards.open",
            {"session": session.id, "elections": opened},
            actor=str(member_id),
        )
        uow.commit()
    return opened


def close_steward_election(
    uow: UnitOfWork, member_id: int, session_id: int, election_id: int
) -> int:
    """The chair counts a steward election of the session; its winner takes the post in the
    same transaction. Returns the new term."""
    with uow:
        session = _session(uow, session_id)
        authority.require(uow, member_id, CONVENE_SESSION, session.council_id)
        election = uow.elections.get(election_id)
        if election is None or election.office_id not in uow.steward_posts.offices_of(session.id):
            raise errors.NotFound(f"no steward election {election_id} of this session")
        if election.status == "open":  # nobody chooses the moment a vote closes (2.9)
            voted = uow.elections.participation_count(election.id)
            refuse_early_close(
                uow.now(), election.closes_at, voted, len(uow.sessions.present(session.id))
            )
        close_in(uow, election, str(member_id))
        term = uow.office_terms.active_of_office(election.office_id)
        assert term is not None
        uow.commit()
    return int(term.id)


def _vote_closes_at(uow: UnitOfWork, session: Session) -> datetime:
    """A steward election is a vote in session: its standing orders' time for one (2.9)."""
    seconds = uow.standing_orders.of(council_id=session.council_id)["session_vote_seconds"]
    return uow.now() + timedelta(seconds=seconds)


def close_in_session(uow: UnitOfWork, session: Session) -> None:
    """Inside the session's closing: the stewards' terms end, their open elections close without
    a winner, the speakers' list lapses."""
    now = uow.now()
    for office_id in uow.steward_posts.offices_of(session.id):
        term = uow.office_terms.active_of_office(office_id)
        if term is not None:
            office_terms.end_term(uow, term, SESSION_CLOSED, now)
        for election in _open_elections(uow, office_id):
            _cancel(uow, election)
    lapsed = uow.speeches.lapse_all(session.id, now)
    if lapsed:
        uow.record("speakers.lapse", {"session": session.id, "speeches": lapsed})


def _open_elections(uow: UnitOfWork, office_id: int) -> list[Election]:
    """Its open elections of a holder (a recall vote on a term is the petition's own)."""
    table = uow.elections.table
    return list(
        uow.elections.list(
            table.c.office_id == office_id, table.c.status == "open", table.c.kind != "recall"
        )
    )


def _cancel(uow: UnitOfWork, election: Election) -> None:
    result: dict[str, Any] = {"winners": [], "cancelled": SESSION_CLOSED}
    if election.is_secret:
        unlink_ballots(uow, election.id)
    uow.elections.set(election.id, status="closed", closed_at=uow.now(), result=result)
    uow.record("election.close", {"election": election.id, "winners": [], "cancelled": True})
