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

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dualpower.counting.model import CountError
from dualpower.domain import errors, vote_methods
from dualpower.domain.cycle import CLOCK, is_due
from dualpower.domain.model import Candidate, Election
from dualpower.services import alignment, chance, cycle, motions, panels
from dualpower.services.elections import (
    close_in,
    count_election,
    electors_of,
    open_in_windows,
    open_office_in,
    record_close,
    record_mandate_start,
    seat_schedule,
)
from dualpower.services.office_terms import get_office
from dualpower.services.recall import close_recall_vote_in
from dualpower.store.uow import UnitOfWork

BATCH = 200  # due votes claimed and closed per transaction
FOLD_AT = 10_000  # rows of roll change past one a unit that the clock folds (issue 24)


@dataclass(frozen=True)
class Done:
    """One act the clock did, for `dualpower due` to print."""

    act: str
    subject_id: int  # the election's or the motion's
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.act} {self.subject_id}{': ' + self.detail if self.detail else ''}"


def run_due(new_uow: Callable[[], UnitOfWork], *, early: bool = True) -> list[Done]:
    """Do once whatever is due now; returns what was done. With early=False the votes every
    elector has cast are not looked for this run (the serving clock looks less often: the
    scan reads every open vote's participations), nor the levels whose seats are all filled
    unless this run closed a vote (that reads every unit and council: a close after a crash
    between its commit and this step is followed by the next early run)."""
    done = close_past_time(new_uow)  # first what is past its time
    # Then votes every elector has cast whatever their time (a scan of every open vote's
    # participation: after the backlog, not before it), and what came due during that scan
    # (under load it takes seconds: votes due meanwhile would wait for the next run).
    if early:
        with new_uow() as uow:
            voted = uow.elections.fully_voted()
        done += [d for d in (close_due(new_uow(), e) for e in voted) if d]
        done += close_past_time(new_uow)
    with new_uow() as uow:
        voting = uow.motions.voting_ids()
    done += [d for d in (close_due_motion(new_uow(), m) for m in voting) if d]
    if early or any(d.act == "election.close" for d in done):
        done += open_next_levels(new_uow())
    if early:
        done += fold_rolls(new_uow())
        alignment.refresh_bases(new_uow())  # the page's popular bases, if changed: no act
    done += [Done("report.draw", r) for r in panels.draw_pending(new_uow())]  # DESIGN.md 2.11
    done += [Done("report.redraw", r) for r in panels.redraw_expired(new_uow())]
    return done


def fold_rolls(uow: UnitOfWork, at_least: int = FOLD_AT) -> list[Done]:
    """Fold the rows of roll change (PostgreSQL appends one per unit and statement, so that
    two transfers never wait on each other's row) into one a unit, once `at_least` of them
    have gathered: the popular base sums every row on each view of the alignment page. It
    changes no roll, so it is not an act of the audit log; concurrent folds and roll changes
    add up (see AlignmentRepo.compact_rolls)."""
    with uow:
        rows = uow.alignment.unfolded_rows()
        if rows < at_least:
            return []
        uow.alignment.compact_rolls()
        uow.commit()
    return [Done("rolls.fold", rows, "rows of roll change folded into one a unit")]


def close_past_time(new_uow: Callable[[], UnitOfWork]) -> list[Done]:
    """Close every vote past its time, a batch per transaction, until a batch is not full
    (every vote claimed is closed, so this ends)."""
    done: list[Done] = []
    while True:
        closed, claimed = close_due_batch(new_uow(), BATCH)
        done += closed
        if claimed < BATCH:
            return done


def close_due_batch(uow: UnitOfWork, limit: int = BATCH) -> tuple[list[Done], int]:
    """Claim up to `limit` votes whose time has come (rows another clock holds are skipped)
    and close them all in ONE transaction: all of them or, after a crash, none. Returns what
    was done, in the order claimed, and how many were claimed."""
    with uow:
        claimed = uow.due.claim(uow.now(), limit)
        if not claimed:
            return [], 0
        done, rest = close_simple_in(uow, claimed)
        for election in rest:
            done[election.id] = _close(uow, election)
        uow.commit()
    return [done[e.id] for e in claimed], len(claimed)


def close_simple_in(
    uow: UnitOfWork, claimed: list[Election]
) -> tuple[dict[int, Done], list[Election]]:
    """Close, with one statement per question for all of them, the claimed votes whose close
    is the plain one: an election of a base unit's seats (general, founding or by-election)
    whose electorate has no other vote in the batch, whose candidates all still stand, with
    ballots cast, and that seats a winner in every seat without replacing anyone (a general
    election in an electorate with no deputy and no open by-election; a by-election of an
    empty seat). What `close_in` would do for it, done in bulk: the same result, mandates and
    audit entries. The rest (recall votes, office and council elections, void votes, seats
    replaced or left empty, candidates withdrawn) are returned for `_close`, one by one in
    the same transaction."""
    per_electorate = Counter(e.electorate_id for e in claimed)
    maybe = [
        e
        for e in claimed
        if e.office_id is None
        and e.kind in ("general", "founding", "by")
        and e.electorate_id is not None
        and per_electorate[e.electorate_id] == 1
    ]
    electorates = uow.due.electorates(e.electorate_id for e in maybe)
    maybe = [e for e in maybe if electorates[e.electorate_id or 0].kind == "unit"]
    held, by_open = uow.due.seats_taken(e.electorate_id or 0 for e in maybe)
    taken = {electorate for electorate, _ in held}

    def free(e: Election) -> bool:
        if e.kind == "by":
            return (e.electorate_id, e.seat_no or 1) not in held
        return e.electorate_id not in taken and e.electorate_id not in by_open

    maybe = [e for e in maybe if free(e)]
    nominated = uow.due.candidates(e.id for e in maybe)
    off_roll = uow.due.off_rolls(e.id for e in maybe)
    # every candidate still an elector (standing()'s rule): none withdrawn
    maybe = [e for e in maybe if nominated.get(e.id) and e.id not in off_roll]
    one_pass = {e.id for e in maybe if (m := vote_methods.find(e.method)) and m.count_many}
    grouped = uow.due.grouped_choices(e.id for e in maybe if e.id in one_pass)
    listed = uow.due.ballot_choices(e.id for e in maybe if e.id not in one_pass)
    maybe = [e for e in maybe if grouped.get(e.id) or listed.get(e.id)]
    seeds = {e.id: chance.randbits(31) for e in maybe}  # drawn in the order claimed
    results = count_many([e for e in maybe if e.id in one_pass], nominated, grouped, seeds)
    counted: list[tuple[Election, dict[str, Any], list[Candidate]]] = []
    for e in maybe:
        if e.id in one_pass:
            result = results[e.id]
        else:
            try:
                result = count_election(e, nominated[e.id], listed[e.id], seed=seeds[e.id])
            except CountError:
                result = None
        if result is None:
            continue
        by_id = {c.id: c for c in nominated[e.id]}
        winners = [by_id[int(w)] for w in result["winners"]]
        if not winners or (e.kind != "by" and len(winners) < e.seats):
            continue  # a seat left empty gets a by-election: the one-by-one close opens it
        counted.append((e, result, winners[:1] if e.kind == "by" else winners))
    now = uow.now()
    uow.due.close([(e.id, now, result) for e, result, _ in counted])
    for e, _, _ in counted:  # as _seat_winners: the seats it was opened with are in force
        if e.kind != "by" and electorates[e.electorate_id or 0].seats != e.seats:
            uow.electorates.set(e.electorate_id or 0, seats=e.seats)
    rows = [
        {
            "council_id": electorates[e.electorate_id or 0].council_id,
            "electorate_id": e.electorate_id,
            "seat_no": seat_no,
            "holder_id": winner.member_id,
            "faction_id": winner.faction_id,
            "election_id": e.id,
            "start_at": now,
            "depends_on_id": None,
        }
        for e, _, winners in counted
        for seat_no, winner in zip(
            [e.seat_no or 1] if e.kind == "by" else range(1, len(winners) + 1),
            winners,
            strict=True,
        )
    ]
    mandate_ids = iter(uow.due.add_mandates(rows))
    row_of = iter(rows)
    done: dict[int, Done] = {}
    for e, result, winners in counted:
        for _ in winners:  # as _start_mandate logs each
            record_mandate_start(uow, next(mandate_ids), next(row_of))
        winner_ids = [int(w) for w in result["winners"]]
        record_close(uow, e, {"election": e.id, "winners": winner_ids}, CLOCK)
        holders = ", ".join(str(c.member_id) for c in winners)
        done[e.id] = Done("election.close", e.id, f"seated {holders}")
    return done, [e for e in claimed if e.id not in done]


def count_many(
    elections: list[Election],
    nominated: dict[int, list[Candidate]],
    grouped: dict[int, list[tuple[list[int], int]]],
    seeds: dict[int, int],
) -> dict[int, dict[str, Any] | None]:
    """What `elections.count_election` gives for each of these elections (None where the
    count is refused), counted by their methods' `count_many` (one pass for the batch, not a
    count each): its candidates all standing, its ballots grouped, its seed drawn."""
    by_method: dict[str, list[Election]] = {}
    for e in elections:
        by_method.setdefault(e.method, []).append(e)
    out: dict[int, dict[str, Any] | None] = {}
    for name, group in by_method.items():
        many = vote_methods.get(name).count_many
        assert many is not None
        items = [
            (nominated[e.id], grouped[e.id], min(e.seats, len(nominated[e.id])), seeds[e.id])
            for e in group
        ]
        for e, result in zip(group, many(items), strict=True):
            if isinstance(result, CountError):
                out[e.id] = None
            else:
                out[e.id] = result | {"seed": seeds[e.id]}
    return out


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
