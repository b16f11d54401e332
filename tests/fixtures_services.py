"""Test fixtures that build a world quickly, past the windows and the permissions a user meets.

The product has no such acts (DESIGN.md 2.9: nobody chooses the moment a vote closes; every
election is opened by the council's electoral commission and its ballots cast by the electors
or entered on paper by the commission). Tests and benchmarks use these to set a scene in one
call: open an election with no windows, cast many ballots at once, close an election at any
instant, take a show of hands on a motion, or hold a founding election (of deputies or of an
office's first holder) in one transaction. Each goes through the services' own `*_in` parts,
so the rows, the log and the events are the ones the product writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dualpower.domain import errors, lot
from dualpower.domain.cycle import CLOCK
from dualpower.domain.events import BallotCast
from dualpower.domain.model import Election, Mandate
from dualpower.domain.offices import OfficeTerm
from dualpower.services import motions, office_terms, panels
from dualpower.services.elections import (
    OpenElection,
    ballot_rows,
    check_window,
    close_in,
    electors_of,
    nominate_in,
    open_in,
    open_office_in,
    record_casts,
)
from dualpower.services.founding import FOUNDER
from dualpower.store.sequencer import sequence
from dualpower.store.uow import UnitOfWork

__all__ = [
    "FoundingOfficeVote",
    "FoundingVote",
    "OpenElection",
    "cast_many",
    "cast_many_in",
    "close_election",
    "file_and_draw",
    "found_office_holder",
    "founding_election",
    "open_election",
    "show_of_hands",
    "wait_for_seed",
]


def _election(uow: UnitOfWork, election_id: int, *, lock: str) -> Election:
    get = uow.elections.get_for_update if lock == "update" else uow.elections.get_for_share
    election = get(election_id)
    if election is None:
        raise errors.NotFound(f"no election {election_id}")
    return election


def open_election(uow: UnitOfWork, cmd: OpenElection, actor: str | None = None) -> int:
    """Open an election of an electorate's seats with the times `cmd` gives (none: no window)."""
    with uow:
        election = open_in(uow, cmd, actor)
        uow.commit()
    return election.id


def cast_many_in(
    uow: UnitOfWork, election: Election, ballots: Sequence[tuple[int, Sequence[int]]]
) -> list[str]:
    """Ballots handed in together: each checked as if cast alone, written in one go."""
    check_window(uow, election)
    eligible = electors_of(uow, election)
    allowed = {c.id for c in uow.elections.candidates(election.id)}
    if len({voter for voter, _ in ballots}) != len(ballots):
        raise errors.AlreadyVoted("a voter appears twice among these ballots")
    rows = [ballot_rows(election, v, list(c), eligible, allowed) for v, c in ballots]
    try:
        with uow.savepoint():
            uow.elections.add_participations([p for p, _ in rows])
            uow.elections.add_ballots([b for _, b in rows])
    except errors.Duplicate:
        raise errors.AlreadyVoted("one of these voters has already voted") from None
    record_casts(
        uow, election, [(voter, b) for (voter, _), (_, b) in zip(ballots, rows, strict=True)]
    )
    uow.emit(BallotCast(election.id))
    return [str(b["receipt"]) for _, b in rows]


def cast_many(
    uow: UnitOfWork, election_id: int, ballots: Sequence[tuple[int, Sequence[int]]]
) -> list[str]:
    """Many electors' ballots in one transaction: all or none are recorded."""
    with uow:
        receipts = cast_many_in(uow, _election(uow, election_id, lock="share"), ballots)
        uow.commit()
    return receipts


def close_election(uow: UnitOfWork, election_id: int, actor: str | None = None) -> list[Mandate]:
    """Count an election of seats now, whatever its closing time."""
    with uow:
        election = _election(uow, election_id, lock="update")
        if election.office_id is not None:
            raise errors.NotAllowed("an office election is closed by whoever may run it")
        mandates = close_in(uow, election, actor)
        uow.commit()
    return mandates


def show_of_hands(uow: UnitOfWork, motion_id: int, votes: Sequence[tuple[int, str]]) -> None:
    """Votes on a motion taken together, each checked as if cast alone."""
    with uow:
        motion = uow.motions.get_for_update(motion_id)
        if motion is None:
            raise errors.NotFound(f"no motion {motion_id}")
        if motion.is_secret:
            raise errors.Conflict("a secret vote is not taken by a show of hands")
        for member_id, position in votes:
            motions.cast_in(uow, motion, member_id, position)
        uow.commit()


@dataclass(frozen=True)
class FoundingVote:
    """A founding election's candidates (member, faction) and ballots (voter, choices)."""

    electorate_id: int
    candidates: Sequence[tuple[int, int | None]]
    ballots: Sequence[tuple[int, Sequence[int]]]  # choices are indices into candidates
    method: str = "block"
    is_secret: bool = False


def founding_election(uow: UnitOfWork, vote: FoundingVote) -> list[Mandate]:
    """Elect an electorate's first deputies in one transaction; returns their mandates."""
    with uow:
        election = open_in(
            uow,
            OpenElection(vote.electorate_id, vote.method, vote.is_secret, kind="founding"),
            FOUNDER,
        )
        candidate_ids = [
            nominate_in(uow, election, member_id, faction_id, FOUNDER)
            for member_id, faction_id in vote.candidates
        ]
        cast_many_in(
            uow,
            election,
            [(voter, [candidate_ids[i] for i in picks]) for voter, picks in vote.ballots],
        )
        mandates = close_in(uow, election, FOUNDER)
        uow.commit()
    return mandates


@dataclass(frozen=True)
class FoundingOfficeVote:
    """The election of an office's first holder: candidates (member ids) and ballots (voter,
    indices into candidates), counted by `method`."""

    office_id: int
    candidates: Sequence[int]
    ballots: Sequence[tuple[int, Sequence[int]]]
    method: str = "plurality"


def found_office_holder(uow: UnitOfWork, vote: FoundingOfficeVote) -> OfficeTerm:
    """Elect an office's first holder in one transaction."""
    with uow:
        office = office_terms.get_office(uow, vote.office_id)
        election = open_office_in(uow, office.id, vote.method, kind="founding", actor=FOUNDER)
        ids = []
        for member in vote.candidates:
            seat = office_terms.seat_of(uow, member, office.council_id)
            ids.append(
                nominate_in(uow, election, member, seat.faction_id if seat else None, FOUNDER)
            )
        cast_many_in(uow, election, [(v, [ids[i] for i in picks]) for v, picks in vote.ballots])
        close_in(uow, election, FOUNDER)
        term = uow.office_terms.active_of_office(office.id)
        assert term is not None
        uow.commit()
    return term


def wait_for_seed(uow: UnitOfWork, report_id: int) -> dict[str, Any]:
    """Log `report.wait` entries until the log holds the report's seed entry, then draw its
    first panel: what the clock does on a quiet log a run at a time (panels.draw_pending),
    without waiting `NUDGE_AFTER` between runs."""
    for _ in range(lot.SEED_AFTER + 2):
        sequence(uow.engine)
        draw = panels.draw_first(uow, report_id)
        if draw is not None:
            return draw
        with uow:
            uow.record("report.wait", {"reports": [report_id]}, actor=CLOCK)
            uow.commit()
    raise AssertionError("the seed's entry was never sealed")  # the sequencer runs inline


def file_and_draw(uow: UnitOfWork, cmd: panels.FileReport) -> panels.Opened:
    """File a report as `POST /reports` does, then draw its panel at once (`wait_for_seed`)."""
    opened = panels.file_report(uow, cmd)
    if opened.draw_status == "drawn":
        return opened
    draw = wait_for_seed(uow, opened.id)
    return panels.Opened(opened.id, list(draw["panel"]), draw["seed"])
