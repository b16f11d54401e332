"""Votes on paper (DESIGN.md 2.9): many members vote at a meeting, not online. The electoral
commission of the council a vote belongs to (an office holding `run_election` there; while
nobody holds it, any of its deputies: services/cycle.py) enters the meeting's paper ballots
of an election, and the paper signature sheets of a recall petition.

- All or nothing: one transaction per sheet; any bad line refuses the whole sheet.
- Paper and online are kept apart: the participation roll's key (one row per member and
  election) and the signatures' key stop a member from voting or signing both ways; one who
  voted or signed online cannot be entered on paper (409), and one entered on paper is refused
  online. A row of `paper_votes` / `paper_signatures` says who entered each.
- Every entry is logged with who entered it (the actor; from the command line also marked as
  an operator act): an open ballot's `ballot.cast` names its voter, a secret election's
  `election.participate` only who took part on paper. A secret election's paper ballots are
  stored unlinked (shuffled, no voter), as online ones; its ballots enter the log at the close.
- The founding elections are the bootstrap (DESIGN.md 2.4): no commission exists to enter their
  paper ballots, so the operator enters them from the command line (`Enterer.operator()`),
  logged with the actor `operator` as an operator act, in a founding election only; never a
  signature sheet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dualpower.domain import errors
from dualpower.domain.capabilities import RUN_ELECTION
from dualpower.domain.events import BallotCast
from dualpower.domain.model import Election
from dualpower.services import chance, elections, office_terms, recall
from dualpower.services.authority import OPERATOR
from dualpower.services.cycle import may_run_elections
from dualpower.services.durable import durably
from dualpower.services.recall import PetitionState
from dualpower.store.tables_paper import BY_OPERATOR as BY_OPERATOR  # took_part's operator
from dualpower.store.uow import UnitOfWork

MAX_SHEET = 20_000  # lines of one sheet: a big meeting, not a bulk import


@dataclass(frozen=True)
class Enterer:
    """Who enters the sheet: a member of the commission; `by_command_line` marks the act as
    the operator's (`dualpower paper ...`, the commissioner's own credentials checked). No
    member (`operator()`): the operator themself, for a founding election's ballots only."""

    member_id: int | None
    by_command_line: bool = False

    @classmethod
    def operator(cls) -> Enterer:
        return cls(None, by_command_line=True)


@dataclass(frozen=True)
class PaperBallots:
    election_id: int
    voters: Sequence[int | str]  # ids or usernames of the members who voted on paper
    ballots: Sequence[list[int]]  # in an open election, the i-th is the i-th voter's


@dataclass(frozen=True)
class PaperEntered:
    election_id: int
    ballots: int
    receipts: list[str]  # in the order of the ballots given


def member_ids(uow: UnitOfWork, named: Sequence[int | str]) -> list[int]:
    """Members named by id or username, in order; an unknown one is refused by name."""
    texts = [str(who).strip() for who in named]
    keys: list[int | str] = [int(text) if text.isdigit() else text for text in texts]
    known = uow.members.ids_named(
        {k for k in keys if isinstance(k, int)}, {k for k in keys if isinstance(k, str)}
    )
    unknown = next((text for text, key in zip(texts, keys, strict=True) if key not in known), None)
    if unknown is not None:
        raise errors.InvalidRequest(f"there is no member {unknown!r}")
    found = [known[key] for key in keys]
    times = Counter(found)
    duplicate = next((m for m in found if times[m] > 1), None)
    if duplicate is not None:
        raise errors.InvalidRequest(f"member {duplicate} appears twice on the sheet")
    return found


def _name(uow: UnitOfWork, member_id: int) -> str:
    member = uow.members.get(member_id)
    return (
        f"{member.username} (member {member_id})"
        if member and member.username
        else (f"member {member_id}")
    )


def _election_council(uow: UnitOfWork, election: Election) -> int:
    """The council a vote belongs to: an office's council, or the council its seats are in."""
    if election.office_id is not None:
        return office_terms.get_office(uow, election.office_id).council_id
    electorate = uow.electorates.get(election.electorate_id or 0)
    assert electorate is not None
    return int(electorate.council_id)


def _sheet_size(voters: int, ballots: int) -> None:
    if voters == 0:
        raise errors.InvalidRequest("the sheet names no voter")
    if voters > MAX_SHEET:
        raise errors.InvalidRequest(f"a sheet has at most {MAX_SHEET} lines")
    if voters != ballots:
        raise errors.InvalidRequest(
            f"every paper voter has one ballot: {voters} voters, {ballots} ballots"
        )


def _refuse_voted(uow: UnitOfWork, election: Election, voters: list[int]) -> None:
    voted = uow.paper.took_part(election.id, voters)
    if voted:
        member = min(voted)
        way = "online" if voted[member] is None else "on paper already"
        raise errors.Conflict(f"{_name(uow, member)} has voted {way}: nobody votes both ways")


def _may_enter(uow: UnitOfWork, election: Election, by: Enterer) -> None:
    """The commission of the vote's council; the operator in a founding election only."""
    if by.member_id is not None:
        may_run_elections(uow, by.member_id, _election_council(uow, election))
    elif election.kind != "founding":
        raise errors.NotAllowed(
            f"the operator enters the paper ballots of founding elections only; election "
            f"{election.id}'s are entered by the electoral commission of its council"
        )


def enter_ballots_in(uow: UnitOfWork, cmd: PaperBallots, by: Enterer) -> PaperEntered:
    election = uow.elections.get_for_share(cmd.election_id)  # a close waits for this sheet
    if election is None:
        raise errors.NotFound(f"no election {cmd.election_id}")
    _may_enter(uow, election, by)
    elections.check_window(uow, election)
    voters = member_ids(uow, cmd.voters)
    _sheet_size(len(voters), len(cmd.ballots))
    eligible = elections.electors_of(uow, election)
    strangers = [v for v in voters if v not in eligible]
    if strangers:
        raise errors.InvalidRequest(
            f"{_name(uow, strangers[0])} is not an elector of this election"
        )
    _refuse_voted(uow, election, voters)
    candidates = {c.id for c in uow.elections.candidates(election.id)}
    ballots = [list(b) for b in cmd.ballots]
    order = list(range(len(ballots)))
    if election.is_secret:  # no order of the sheet survives in the rows
        chance.shuffle(order)
    rows = [
        elections.ballot_rows(election, voters[i], ballots[i], eligible, candidates) for i in order
    ]
    took_part = sorted((p for p, _ in rows), key=lambda p: p["member_id"])  # not the sheet's
    # a voter's online ballot committed meanwhile
    with uow.unique_or(
        errors.AlreadyVoted("one of these voters has voted meanwhile: nobody votes both ways")
    ):
        uow.elections.add_participations(took_part)
        uow.elections.add_ballots([b for _, b in rows])
        uow.paper.add_votes(election.id, sorted(voters), by.member_id, uow.now())
    _record(uow, election, voters, [b for _, b in rows], by)
    uow.emit(BallotCast(election.id))
    receipts = {i: str(rows[k][1]["receipt"]) for k, i in enumerate(order)}
    return PaperEntered(election.id, len(rows), [receipts[i] for i in range(len(rows))])


def _record(
    uow: UnitOfWork,
    election: Election,
    voters: list[int],
    ballots: list[dict[str, Any]],
    by: Enterer,
) -> None:
    actor = OPERATOR if by.member_id is None else str(by.member_id)
    operator = by.by_command_line
    if election.is_secret:
        uow.record(
            "election.participate",
            {"election": election.id, "members": sorted(voters), "paper": True},
            actor=actor,
            is_operator=operator,
        )
        return
    for ballot in ballots:
        uow.record(
            "ballot.cast",
            {
                "election": election.id,
                "member": ballot["voter_id"],
                "choices": ballot["choices"],
                "receipt": ballot["receipt"],
                "paper": True,
            },
            actor=actor,
            is_operator=operator,
        )


def enter_ballots(uow: UnitOfWork, cmd: PaperBallots, by: Enterer) -> PaperEntered:
    return durably(uow, enter_ballots_in, cmd, by)


@dataclass(frozen=True)
class PaperSignatures:
    petition_id: int
    members: Sequence[int | str]  # ids or usernames of the members who signed on paper


def enter_signatures_in(uow: UnitOfWork, cmd: PaperSignatures, by: Enterer) -> PetitionState:
    if by.member_id is None:
        raise errors.NotAllowed(
            "the operator enters the paper ballots of founding elections only; a petition's "
            "signature sheets are entered by the electoral commission"
        )
    may_run_elections(uow, by.member_id, recall.petition_council(uow, cmd.petition_id))
    members = member_ids(uow, cmd.members)
    if not members:
        raise errors.InvalidRequest("the sheet names no member")
    if len(members) > MAX_SHEET:
        raise errors.InvalidRequest(f"a sheet has at most {MAX_SHEET} lines")
    signed = uow.paper.signed(cmd.petition_id, members)
    if signed:
        member = min(signed)
        way = "online" if signed[member] is None else "on paper already"
        raise errors.Conflict(f"{_name(uow, member)} has signed {way}: nobody signs both ways")
    state = recall.sign_many_in(
        uow, cmd.petition_id, members, entered_by=by.member_id, is_operator=by.by_command_line
    )
    uow.paper.add_signatures(cmd.petition_id, sorted(members), by.member_id, uow.now())
    return state


def enter_signatures(uow: UnitOfWork, cmd: PaperSignatures, by: Enterer) -> PetitionState:
    """A recall petition's paper signature sheet, entered by the commission of the council
    whose recall rule decides it: all or none, each signature counted as if given alone (the
    one that reaches the threshold decides; a sheet with more than the petition then needs is
    refused whole, 409)."""
    return durably(uow, enter_signatures_in, cmd, by)


# Reading, for the commission's pages and the API.


@dataclass(frozen=True)
class PaperView:
    """Who enters a vote's paper sheets, and how many were entered: beside the election or
    petition on its paper page, and at `GET .../paper-ballots` / `.../paper-signatures`."""

    council_id: int  # the council whose electoral commission enters them
    council_name: str
    enterers: list[tuple[int, str]]  # (member id, name) of who may enter them now, by id
    may_enter: bool  # the viewer is one of them, and the vote is open
    on_paper: int  # votes or signatures entered on paper so far
    by_operator: bool = False  # a founding election: the operator enters them (nobody sits yet)


def enterers(uow: UnitOfWork, council_id: int) -> list[int]:
    """Who may enter the council's paper sheets now (`may_run_elections`): the deputies holding
    an office of the council with `run_election` (its electoral commission); while none holds
    it, every deputy of the council. Ascending ids."""
    deputies = sorted(office_terms.deputies(uow, council_id))
    holders = uow.offices.holders_of(RUN_ELECTION, council_id)
    return [d for d in deputies if d in holders] or deputies


def may_enter_ballots_in(uow: UnitOfWork, election_id: int, viewer_id: int | None) -> bool:
    """Whether the viewer may enter the election's paper ballots now (one of `enterers`, the
    vote open): the election page links the paper form only for them."""
    election = uow.elections.get(election_id)
    if viewer_id is None or election is None or election.status != "open":
        return False
    return viewer_id in enterers(uow, _election_council(uow, election))


def _display(uow: UnitOfWork, member_id: int) -> str:
    member = uow.members.get(member_id)
    return str(member.display_name) if member and member.display_name else f"member {member_id}"


def _view(
    uow: UnitOfWork,
    council_id: int,
    is_open: bool,
    viewer_id: int | None,
    on_paper: int,
    by_operator: bool = False,
) -> PaperView:
    council = uow.councils.get(council_id)
    assert council is not None
    who = enterers(uow, council_id)
    return PaperView(
        council_id,
        str(council.name),
        [(m, _display(uow, m)) for m in who],
        is_open and viewer_id in who,
        on_paper,
        by_operator,
    )


def election_view(uow: UnitOfWork, election_id: int, viewer_id: int | None) -> PaperView:
    with uow:
        election = uow.elections.get(election_id)
        if election is None:
            raise errors.NotFound(f"no election {election_id}")
        council_id = _election_council(uow, election)
        count = uow.paper.votes_count(election_id)
        is_open, founding = election.status == "open", election.kind == "founding"
        return _view(uow, council_id, is_open, viewer_id, count, founding)


def petition_view(uow: UnitOfWork, petition_id: int, viewer_id: int | None) -> PaperView:
    with uow:
        council_id = recall.petition_council(uow, petition_id)
        petition = uow.recalls.get(petition_id)
        is_open = petition is not None and petition.status == "open"
        count = uow.paper.signatures_count(petition_id)
        return _view(uow, council_id, is_open, viewer_id, count)
