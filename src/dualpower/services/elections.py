"""Elections of deputies: open, nominate, cast, close (DESIGN.md 1, 2.1, 2.8).

An election fills the seats of one electorate. Electors are the members on a base unit's roll,
or the deputies of a lower council. The count is the counting engine's; its winners become
mandates. A general election replaces the previous holders; a by-election fills one vacated seat.
Secret ballots: the participation roll records who voted (its key stops double voting), the
ballot row carries only a random receipt and the choices; the ballots enter the audit log at the
close, shuffled, as one entry.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.exc import IntegrityError

from dualpower.counting import count
from dualpower.counting.model import Profile
from dualpower.domain import errors
from dualpower.domain.model import Candidate, Election, Electorate, Mandate
from dualpower.services.apportion import seats_now
from dualpower.services.mandates import end_mandate
from dualpower.store.uow import UnitOfWork

RANKED = ("irv", "stv-scottish", "stv-meek")
SELECTION = ("plurality", "block", "approval")
METHODS = RANKED + SELECTION
REFERENDUM = "referendum"  # a recall vote: choices [1] (recall) or [0] (keep)


@dataclass(frozen=True)
class OpenElection:
    electorate_id: int
    method: str = "block"
    is_secret: bool = False
    kind: str = "general"
    seat_no: int | None = None
    closes_at: datetime | None = None


def electors(uow: UnitOfWork, electorate: Electorate) -> set[int]:
    """Member ids entitled to vote for this electorate's seats, now."""
    if electorate.kind == "unit":
        return {m.id for m in uow.members.of_unit(electorate.source_id)}
    return {m.holder_id for m in uow.mandates.active_in_council(electorate.source_id)}


def open_in(uow: UnitOfWork, cmd: OpenElection, actor: str | None) -> Election:
    electorate = uow.electorates.get(cmd.electorate_id)
    if electorate is None:
        raise errors.NotFound(f"no electorate {cmd.electorate_id}")
    if cmd.method not in METHODS and not (cmd.method == REFERENDUM and cmd.kind == "recall"):
        raise errors.InvalidRequest(f"unknown method {cmd.method!r}: one of {', '.join(METHODS)}")
    if cmd.kind == "founding" and uow.mandates.list(
        uow.mandates.table.c.electorate_id == electorate.id
    ):
        raise errors.NotAllowed("a founding election is only for an electorate that never had one")
    if cmd.kind in ("by", "recall"):
        seats = 1
    else:  # a new apportionment applies at the electorate's next election
        seats = seats_now(uow, electorate)
        if seats != electorate.seats:
            uow.electorates.set(electorate.id, seats=seats)
    if seats < 1:
        raise errors.InvalidRequest("this electorate has no seats to fill")
    fed = uow.federations.only()
    assert fed is not None
    election_id = uow.elections.add(
        federation_id=fed.id,
        electorate_id=electorate.id,
        office_id=None,
        seats=seats,
        seat_no=cmd.seat_no,
        method=cmd.method,
        is_secret=cmd.is_secret,
        status="open",
        kind=cmd.kind,
        opened_at=uow.now(),
        closes_at=cmd.closes_at,
    )
    uow.record(
        "election.open",
        {
            "election": election_id,
            "electorate": electorate.id,
            "seats": seats,
            "method": cmd.method,
            "is_secret": cmd.is_secret,
            "kind": cmd.kind,
        },
        actor=actor,
    )
    election = uow.elections.get(election_id)
    assert election is not None
    return election


def nominate_in(
    uow: UnitOfWork, election: Election, member_id: int, faction_id: int | None, actor: str | None
) -> int:
    if election.status != "open":
        raise errors.Conflict("the election is closed")
    electorate = uow.electorates.get(election.electorate_id or 0)
    assert electorate is not None
    if member_id not in electors(uow, electorate):
        raise errors.NotAllowed("a candidate must be one of the electors")
    try:
        with uow.conn.begin_nested():
            candidate_id = uow.elections.add_candidate(election.id, member_id, faction_id)
    except IntegrityError:
        raise errors.Conflict("already a candidate in this election") from None
    uow.record(
        "election.nominate",
        {"election": election.id, "member": member_id, "faction": faction_id},
        actor=actor,
    )
    return candidate_id


def _check_window(uow: UnitOfWork, election: Election) -> None:
    if election.status != "open":
        raise errors.Conflict("the election is closed")
    if election.closes_at is not None and uow.now() >= election.closes_at:
        raise errors.Conflict(f"voting closed at {election.closes_at.isoformat()}")


def _validate_choices(election: Election, candidate_ids: set[int], choices: list[int]) -> None:
    if election.method == REFERENDUM:
        if choices not in ([0], [1]):
            raise errors.InvalidRequest("a recall vote is [1] to recall or [0] to keep")
        return
    if any(c not in candidate_ids for c in choices):
        raise errors.InvalidRequest("a choice is not a candidate in this election")
    if len(set(choices)) != len(choices):
        raise errors.InvalidRequest("a candidate appears twice on the ballot")
    if not choices:
        raise errors.InvalidRequest("the ballot is empty")
    if election.method == "plurality" and len(choices) != 1:
        raise errors.InvalidRequest("a plurality ballot has exactly one choice")
    if election.method == "block" and len(choices) > election.seats:
        raise errors.InvalidRequest(f"a block ballot has at most {election.seats} choices")


def cast_in(
    uow: UnitOfWork,
    election: Election,
    voter_id: int,
    choices: list[int],
    *,
    eligible: set[int] | None = None,
    candidate_ids: set[int] | None = None,
) -> str:
    """Record one ballot; returns its receipt code. `eligible`/`candidate_ids` may be passed in
    by a caller casting many ballots at once."""
    _check_window(uow, election)
    if eligible is None:
        electorate = uow.electorates.get(election.electorate_id or 0)
        assert electorate is not None
        eligible = electors(uow, electorate)
    if voter_id not in eligible:
        raise errors.NotAllowed("you are not an elector of this election")
    if candidate_ids is None:
        candidate_ids = {c.id for c in uow.elections.candidates(election.id)}
    _validate_choices(election, candidate_ids, choices)
    receipt = secrets.token_hex(10)
    try:
        with uow.conn.begin_nested():
            uow.elections.add_participation(election.id, voter_id)
            uow.elections.add_ballot(
                receipt, election.id, choices, None if election.is_secret else voter_id
            )
    except IntegrityError:
        raise errors.AlreadyVoted("you have already voted in this election") from None
    if election.is_secret:
        uow.record("election.participate", {"election": election.id, "member": voter_id})
    else:
        uow.record(
            "ballot.cast",
            {"election": election.id, "member": voter_id, "choices": choices, "receipt": receipt},
        )
    return receipt


def count_election(
    election: Election, candidates: list[Candidate], ballots: list[list[int]], seed: int
) -> dict[str, Any]:
    """Count with the engine; the result names candidates by their ids (as strings)."""
    ids = [c.id for c in candidates]
    position = {cid: i for i, cid in enumerate(ids)}
    width = max((len(b) for b in ballots), default=1) or 1
    rankings = np.full((len(ballots), width), -1, dtype=np.int32)
    for row, ballot in enumerate(ballots):
        rankings[row, : len(ballot)] = [position[c] for c in ballot]
    profile = Profile(
        candidates=tuple(str(c) for c in ids),
        rankings=rankings,
        weights=np.ones(len(ballots), dtype=np.int64),
    )
    seats = min(election.seats, len(ids))
    return count(profile, election.method, seats, seed=seed).to_json() | {"seed": seed}


def close_in(uow: UnitOfWork, election: Election, actor: str | None) -> list[Mandate]:
    if election.status != "open":
        raise errors.Conflict("the election is already closed")
    if election.kind == "recall":
        raise errors.InvalidRequest("a recall vote is closed through its petition")
    candidates = uow.elections.candidates(election.id)
    if not candidates:
        raise errors.Conflict("the election has no candidates")
    ballots = uow.elections.ballot_choices(election.id)
    result = count_election(election, candidates, ballots, seed=secrets.randbits(31))
    now = uow.now()
    uow.elections.set(election.id, status="closed", closed_at=now, result=result)
    winners = [int(w) for w in result["winners"]]
    by_id = {c.id: c for c in candidates}
    mandates = _seat_winners(uow, election, [by_id[w] for w in winners], now)
    published: dict[str, Any] = {"election": election.id, "winners": winners}
    if election.is_secret:
        shuffled = uow.elections.published_ballots(election.id)
        secrets.SystemRandom().shuffle(shuffled)
        published["ballots"] = shuffled
    uow.record("election.close", published, actor=actor)
    return mandates


def _seat_winners(
    uow: UnitOfWork, election: Election, winners: list[Candidate], now: datetime
) -> list[Mandate]:
    electorate = uow.electorates.get(election.electorate_id or 0)
    assert electorate is not None
    if election.kind == "by":
        seat_numbers = [election.seat_no or 1]
    else:
        for old in uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id):
            end_mandate(uow, old, "replaced", now, actor=None)
        seat_numbers = list(range(1, len(winners) + 1))
    created = []
    for seat_no, winner in zip(seat_numbers, winners, strict=False):
        depends_on = None
        if electorate.kind == "council":
            held = [
                md
                for md in uow.mandates.active_of_holder(winner.member_id)
                if md.council_id == electorate.source_id
            ]
            depends_on = held[0].id if held else None
        mandate_id = uow.mandates.add(
            council_id=electorate.council_id,
            electorate_id=electorate.id,
            seat_no=seat_no,
            holder_id=winner.member_id,
            faction_id=winner.faction_id,
            election_id=election.id,
            start_at=now,
            depends_on_id=depends_on,
        )
        uow.record(
            "mandate.start",
            {
                "mandate": mandate_id,
                "council": electorate.council_id,
                "seat": seat_no,
                "holder": winner.member_id,
                "faction": winner.faction_id,
                "election": election.id,
            },
        )
        mandate = uow.mandates.get(mandate_id)
        assert mandate is not None
        created.append(mandate)
    return created


# One transaction each, for the web and the CLI.


def open_election(uow: UnitOfWork, cmd: OpenElection, actor: str | None = None) -> int:
    with uow:
        election = open_in(uow, cmd, actor)
        uow.commit()
    return election.id


def _get_open(uow: UnitOfWork, election_id: int) -> Election:
    election = uow.elections.get(election_id)
    if election is None:
        raise errors.NotFound(f"no election {election_id}")
    return election


def nominate(
    uow: UnitOfWork, election_id: int, member_id: int, faction_id: int | None, actor: str | None
) -> int:
    with uow:
        candidate_id = nominate_in(uow, _get_open(uow, election_id), member_id, faction_id, actor)
        uow.commit()
    return candidate_id


def cast_ballot(uow: UnitOfWork, election_id: int, voter_id: int, choices: list[int]) -> str:
    with uow:
        receipt = cast_in(uow, _get_open(uow, election_id), voter_id, choices)
        uow.commit()
    return receipt


def close_election(uow: UnitOfWork, election_id: int, actor: str | None = None) -> list[Mandate]:
    with uow:
        mandates = close_in(uow, _get_open(uow, election_id), actor)
        uow.commit()
    return mandates
