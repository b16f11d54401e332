"""The clock: one home for the acts that time triggers (DESIGN.md 2.9).

`run_due` does once whatever is due: it closes every vote whose time has come (or every elector
of which has voted) and seats the winners, decides recall votes (the mandate ends with its
cascade and a by-election, exactly as at a deciding signature), and, when a level of councils is
seated, opens the founding elections of the level above. Every act is logged with the actor
`clock`.

Exactly once, with several server processes on one database: each close is its own transaction
that claims the election's row (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's writers take
turns) and reads its status again, so a second clock skips it or finds it closed. A crash at any
point leaves each close committed whole or not at all; the next run does what is still due.

A vote that cannot be counted at its time (no candidate, or no ballot) closes void; a founding
or by-election is then opened anew, so no empty seat goes without an open election.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dualpower.domain import errors
from dualpower.domain.cycle import CLOCK, is_due
from dualpower.domain.model import Election
from dualpower.services import cycle, motions
from dualpower.services.elections import (
    close_in,
    electors_of,
    open_in_windows,
    open_office_in,
    seat_schedule,
)
from dualpower.services.office_terms import get_office
from dualpower.services.recall import close_recall_vote_in
from dualpower.store.uow import UnitOfWork

BATCH = 500  # votes read per pass


@dataclass(frozen=True)
class Done:
    """One act the clock did, for `dualpower due` to print."""

    act: str
    subject_id: int  # the election's or the motion's
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.act} {self.subject_id}{': ' + self.detail if self.detail else ''}"


def run_due(new_uow: Callable[[], UnitOfWork]) -> list[Done]:
    """Do once whatever is due now; returns what was done."""
    done: list[Done] = []
    with new_uow() as uow:  # once a run: votes every elector has cast, whatever their time
        early = uow.elections.fully_voted()
    done += [d for d in (close_due(new_uow(), e) for e in early) if d]
    while True:
        with new_uow() as uow:
            candidates = uow.elections.due(uow.now(), BATCH)
        closed = [d for d in (close_due(new_uow(), e) for e in candidates) if d]
        done += closed
        if len(candidates) < BATCH or not closed:
            break
    with new_uow() as uow:
        voting = uow.motions.voting_ids()
    done += [d for d in (close_due_motion(new_uow(), m) for m in voting) if d]
    done += open_next_levels(new_uow())
    return done


def close_due_motion(uow: UnitOfWork, motion_id: int) -> Done | None:
    """Close a vote on a motion (in session, or in a base assembly) if it is due; one
    transaction. A vote without its quorum at its time is left for its chair (or lapses with
    the session)."""
    with uow:
        motion = uow.motions.claim_voting(motion_id)
        if motion is None or motion.status != "voting":
            return None
        try:
            with uow.conn.begin_nested():
                decision = motions.close_in(uow, motion, None)
        except errors.DomainError:  # not due yet, or no quorum
            return None
        uow.commit()
    return Done(f"motion.{'adopt' if decision.status == 'adopted' else 'reject'}", motion_id)


def close_due(uow: UnitOfWork, election_id: int) -> Done | None:
    """Close one vote if it is due and nobody else is closing it; one transaction."""
    with uow:
        election = uow.elections.claim_due(election_id)
        if election is None or election.status != "open":
            return None  # another clock holds it, or closed it
        now = uow.now()
        if election.closes_at is None or now < election.closes_at:  # early: only if all voted
            voted = uow.elections.participation_count(election.id)
            if not is_due(now, election.closes_at, voted, len(electors_of(uow, election))):
                return None
        done = _close(uow, election)
        uow.commit()
    return done


def _close(uow: UnitOfWork, election: Election) -> Done:
    if election.kind == "recall":
        status = close_recall_vote_in(uow, election.id, CLOCK)
        return Done("recall.vote_close", election.id, status)
    try:
        with uow.conn.begin_nested():
            seated = close_in(uow, election, CLOCK)
    except errors.DomainError as why:  # nothing to count: no candidate or no ballot
        reopened = void_in(uow, election, str(why))
        detail = f"void ({why})" + (f"; reopened as {reopened}" if reopened else "")
        return Done("election.void", election.id, detail)
    holders = ", ".join(str(md.holder_id) for md in seated)
    return Done("election.close", election.id, f"seated {holders}" if holders else "counted")


def void_in(uow: UnitOfWork, election: Election, reason: str) -> int | None:
    """Close a vote uncounted; a founding or by-election is opened anew (its seat must not go
    without one). Returns the new election's id, if any."""
    now = uow.now()
    result = {"void": reason, "method": election.method, "seats": election.seats, "winners": []}
    uow.elections.set(election.id, status="closed", closed_at=now, result=result)
    uow.record("election.void", {"election": election.id, "reason": reason}, actor=CLOCK)
    if election.kind not in ("founding", "by"):
        return None
    if election.office_id is not None:
        office = get_office(uow, election.office_id)
        when = seat_schedule(uow, office.council_id)
        return open_office_in(
            uow,
            office.id,
            election.method,
            is_secret=election.is_secret,
            kind=election.kind,
            closes_at=when.closes_at,
            nominations_close_at=when.nominations_close_at,
            actor=CLOCK,
        ).id
    electorate = uow.electorates.get(election.electorate_id or 0)
    assert electorate is not None
    kind, seat_no = election.kind, election.seat_no
    return open_in_windows(
        uow, electorate, election.method, election.is_secret, kind, CLOCK, seat_no
    ).id


def open_next_levels(uow: UnitOfWork) -> list[Done]:
    """Founding elections of every level whose level below is seated; one transaction."""
    with uow:
        opened = cycle.next_founding_in(uow, CLOCK)
        uow.commit()
    return [Done("election.open", e, "founding") for e in opened]
