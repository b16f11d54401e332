"""Elections of deputies: open, nominate, cast, close (DESIGN.md 1, 2.1, 2.8).

An election fills the seats of one electorate. Electors are the members on a base unit's roll,
or the deputies of a lower council. An office election (office_id, no electorate) fills one
office of a council: its electors and candidates are that council's deputies, and its winner takes
office (services/office_terms.py). The count is the counting engine's; its winners become
mandates. A general election replaces the previous holders; a by-election fills one vacated seat.
Secret ballots: the participation roll records who voted (its key stops double voting), the
ballot row carries only a random receipt and the choices; the ballots enter the audit log at the
close, shuffled, as one entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dualpower.counting.model import CountError
from dualpower.domain import errors, vote_methods
from dualpower.domain.cycle import Schedule, Windows, check_nominations, check_voting, schedule
from dualpower.domain.events import BallotCast, CompositionChanged
from dualpower.domain.model import Candidate, Council, Election, Electorate, Mandate
from dualpower.services import chance, limits, office_terms, roll_rules
from dualpower.services.apportion import seats_now
from dualpower.services.mandates import end_row, hand_over, release
from dualpower.services.notify import notify, notify_rolls
from dualpower.services.secrecy import unlink_ballots
from dualpower.store.tables_recall import Notice, roll_of
from dualpower.store.uow import UnitOfWork

BY_ELECTION_DAYS = 14
NOT_ELECTOR = (  # web/i18n_messages.py has both
    "you are not an elector of this election: its roll froze when its voting opened, and where "
    "the standing orders ask for it only members verified by the credentials committee vote"
)
NOT_ELECTOR_TO_STAND = (
    "a candidate must be one of the electors (where the standing orders ask for it, a member "
    "verified by the credentials committee)"
)
REFERENDUM = "referendum"  # a recall vote: choices [1] (recall) or [0] (keep)


@dataclass(frozen=True)
class OpenElection:
    electorate_id: int
    method: str = "block"
    is_secret: bool = False
    kind: str = "general"
    seat_no: int | None = None
    closes_at: datetime | None = None
    nominations_close_at: datetime | None = None


def seat_schedule(uow: UnitOfWork, council_id: int, *, nominations: bool = True) -> Schedule:
    """When a vote of this council's seats, opened now, closes nominations and voting: the
    council's standing orders (DESIGN.md 2.9)."""
    return _schedule(uow, uow.standing_orders.of(council_id=council_id), nominations)


def _schedule(uow: UnitOfWork, orders: Mapping[str, Any], nominations: bool = True) -> Schedule:
    windows = Windows(orders["nominations_seconds"], orders["voting_seconds"])
    return schedule(uow.now(), windows, nominations=nominations)


def seat_rules(uow: UnitOfWork, electorate: Electorate, council: Council) -> tuple[str, bool]:
    """The method and secrecy of a by-election: those of the electorate's last general (or
    founding) election; failing one, the council's seat method and standing orders."""
    last = uow.elections.last_general(electorate.id)
    orders = uow.standing_orders.of(council_id=council.id)
    return _seat_rules(last, council, orders)


def _seat_rules(
    last: Election | None, council: Council, orders: Mapping[str, Any]
) -> tuple[str, bool]:
    if last is not None:
        return last.method, last.is_secret
    known = vote_methods.find(council.seat_method)
    method = (known.one_seat if known else None) or council.seat_method
    return method, bool(orders["secret_elections"])


def electors(uow: UnitOfWork, electorate: Electorate) -> set[int]:
    """Member ids entitled to vote for this electorate's seats, now."""
    if electorate.kind == "unit":
        return uow.members.ids_of_unit(electorate.source_id)
    return uow.mandates.holders_in_council(electorate.source_id)


def is_elector_of(uow: UnitOfWork, election: Election, member_id: int) -> bool:
    """Whether one member may vote in this election: a one-row question, not the roll. The roll
    froze when voting opened; verified members only where asked (services/roll_rules.py)."""
    return roll_rules.is_elector(uow, election, member_id)


def electors_of(uow: UnitOfWork, election: Election) -> set[int]:
    """Who may vote in this election: its electorate's electors on the roll frozen when voting
    opened, or for an office election the deputies of the office's council; verified members
    only where the council's standing orders ask for it (services/roll_rules.py)."""
    return roll_rules.electors(uow, election)


def open_office_in(
    uow: UnitOfWork,
    office_id: int,
    method: str = "plurality",
    *,
    is_secret: bool = False,
    kind: str = "general",
    closes_at: datetime | None = None,
    nominations_close_at: datetime | None = None,
    actor: str | None = None,
) -> Election:
    """Open the election of an office's holder (one seat). Who may is checked by the caller
    (services/offices.py); this is the election's own part."""
    office = office_terms.get_office(uow, office_id)
    check_method(method, kind)
    if kind != "recall" and not vote_methods.get(method).fills_offices:
        offered = ", ".join(m.name for m in vote_methods.for_offices())
        raise errors.InvalidRequest(f"an office is filled by one of {offered}, not {method}")
    fed = uow.federations.only()
    assert fed is not None
    election_id = uow.elections.add(
        federation_id=fed.id,
        electorate_id=None,
        office_id=office.id,
        seats=1,
        method=method,
        is_secret=is_secret,
        status="open",
        kind=kind,
        opened_at=uow.now(),
        closes_at=closes_at,
        nominations_close_at=nominations_close_at,
    )
    uow.record(
        "election.open",
        {
            "election": election_id,
            "office": office.id,
            "council": office.council_id,
            "seats": 1,
            "method": method,
            "is_secret": is_secret,
            "kind": kind,
            **_times(nominations_close_at, closes_at),
        },
        actor=actor,
    )
    election: Election | None = uow.elections.get(election_id)
    assert election is not None
    return election


def open_in(
    uow: UnitOfWork, cmd: OpenElection, actor: str | None, *, electorate: Electorate | None = None
) -> Election:
    """Open an election of the electorate's seats; `electorate`, when the caller has read it
    already, saves reading it again."""
    if electorate is None or electorate.id != cmd.electorate_id:
        electorate = uow.electorates.get(cmd.electorate_id)
    if electorate is None:
        raise errors.NotFound(f"no electorate {cmd.electorate_id}")
    check_method(cmd.method, cmd.kind)
    if cmd.kind == "founding" and uow.mandates.list(
        uow.mandates.table.c.electorate_id == electorate.id
    ):
        raise errors.NotAllowed("a founding election is only for an electorate that never had one")
    if cmd.kind in ("by", "recall"):
        seats = 1
    else:  # a new apportionment applies at the electorate's next election
        seats = seats_now(uow, electorate)
        # in force at once where no deputy holds a seat; else when the winners replace them
        if seats != electorate.seats and not uow.mandates.active(
            uow.mandates.table.c.electorate_id == electorate.id
        ):
            uow.electorates.set(electorate.id, seats=seats)
    if seats < 1:
        raise errors.InvalidRequest("this electorate has no seats to fill")
    fed = uow.federations.only()
    assert fed is not None
    values: dict[str, Any] = {
        "federation_id": fed.id,
        "electorate_id": electorate.id,
        "office_id": None,
        "seats": seats,
        "seat_no": cmd.seat_no,
        "method": cmd.method,
        "is_secret": cmd.is_secret,
        "status": "open",
        "kind": cmd.kind,
        "opened_at": uow.now(),
        "closes_at": cmd.closes_at,
        "nominations_close_at": cmd.nominations_close_at,
    }
    election = Election(id=uow.elections.add(**values), **values)  # as written: no re-read
    uow.record(
        "election.open",
        {
            "election": election.id,
            "electorate": electorate.id,
            "seats": seats,
            "method": cmd.method,
            "is_secret": cmd.is_secret,
            "kind": cmd.kind,
            **_times(cmd.nominations_close_at, cmd.closes_at),
        },
        actor=actor,
    )
    return election


def check_method(method: str, kind: str = "general") -> None:
    """InvalidRequest unless `method` is a registered vote method (domain/vote_methods.py), or
    the recall vote's referendum in a recall."""
    if not (method == REFERENDUM and kind == "recall"):
        vote_methods.get(method)


def ballot_shape(method: str) -> vote_methods.BallotShape:
    """`ranking` or `choices`: the list a ballot of this method gives (a referendum: choices)."""
    known = vote_methods.find(method)
    return known.ballot if known is not None else "choices"


def _times(nominations_close_at: datetime | None, closes_at: datetime | None) -> dict[str, str]:
    """The windows of a vote, as the log states them."""
    times = {}
    if nominations_close_at is not None:
        times["nominations_close_at"] = nominations_close_at.isoformat()
    if closes_at is not None:
        times["closes_at"] = closes_at.isoformat()
    return times


def nominate_in(
    uow: UnitOfWork, election: Election, member_id: int, faction_id: int | None, actor: str | None
) -> int:
    if election.status != "open":
        raise errors.Conflict("the election is closed")
    if election.kind == "recall":
        raise errors.InvalidRequest("a recall vote has no candidates")
    if election.office_id is not None:
        office_terms.check_candidate(
            uow, office_terms.get_office(uow, election.office_id), member_id
        )
    elif not is_elector_of(uow, election, member_id):  # one row, not the whole roll
        raise errors.NotAllowed(NOT_ELECTOR_TO_STAND)
    check_nominations(uow.now(), election.nominations_close_at)  # who may, then when
    with uow.unique_or(errors.Conflict("already a candidate in this election")):
        candidate_id = uow.elections.add_candidate(election.id, member_id, faction_id)
    uow.record(
        "election.nominate",
        {"election": election.id, "member": member_id, "faction": faction_id},
        actor=actor,
    )
    return candidate_id


def check_window(uow: UnitOfWork, election: Election) -> None:
    """Conflict unless the election takes ballots now."""
    if election.status != "open":
        raise errors.Conflict("the election is closed")
    check_voting(uow.now(), election.nominations_close_at, election.closes_at)


def _validate_choices(election: Election, candidate_ids: set[int], choices: list[int]) -> None:
    if election.method == REFERENDUM:
        if choices not in ([0], [1]):
            raise errors.InvalidRequest("a recall vote is [1] to recall or [0] to keep")
        return
    vote_methods.get(election.method).check_ballot(choices, candidate_ids, election.seats)


def ballot_rows(
    election: Election,
    voter_id: int,
    choices: list[int],
    eligible: set[int],
    candidate_ids: set[int],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check one ballot; its participation row and ballot row (the receipt is in the latter)."""
    if voter_id not in eligible:
        raise errors.NotAllowed(NOT_ELECTOR)
    _validate_choices(election, candidate_ids, choices)
    ballot = {
        "receipt": chance.token_hex(10),
        "election_id": election.id,
        "choices": choices,
        "voter_id": None if election.is_secret else voter_id,
    }
    return {"election_id": election.id, "member_id": voter_id}, ballot


def record_casts(
    uow: UnitOfWork, election: Election, cast: Sequence[tuple[int, dict[str, Any]]]
) -> None:
    """The audit entries of ballots written together (voter, ballot row). Secret: ONE entry
    `election.participate` naming who took part, in member order (during voting the log says
    only that; the ballots enter it at the close). Open: a `ballot.cast` entry per ballot, with
    its voter, choices and receipt."""
    if not cast:
        return
    if election.is_secret:
        members = sorted(voter for voter, _ in cast)
        uow.record("election.participate", {"election": election.id, "members": members})
        return
    for voter_id, ballot in cast:
        uow.record(
            "ballot.cast",
            {
                "election": election.id,
                "member": voter_id,
                "choices": ballot["choices"],
                "receipt": ballot["receipt"],
            },
        )


def cast_in(
    uow: UnitOfWork,
    election: Election,
    voter_id: int,
    choices: list[int],
    *,
    eligible: set[int] | None = None,
    candidate_ids: set[int] | None = None,
) -> str:
    """Record one ballot; returns its receipt code. The participation roll's key refuses a
    second ballot from the same voter, also when both arrive at once: the act fails whole (no
    savepoint, two statements fewer a ballot; no caller goes on after the refusal)."""
    check_window(uow, election)
    if eligible is None:
        eligible = {voter_id} if is_elector_of(uow, election, voter_id) else set()
    if candidate_ids is None:
        candidate_ids = {c.id for c in uow.elections.candidates(election.id)}
    took_part, ballot = ballot_rows(election, voter_id, choices, eligible, candidate_ids)
    try:
        with uow.constrained():
            uow.elections.add_participations([took_part])
            uow.elections.add_ballots([ballot])
    except errors.Duplicate:
        raise errors.AlreadyVoted("you have already voted in this election") from None
    record_casts(uow, election, [(voter_id, ballot)])
    uow.emit(BallotCast(election.id))
    return str(ballot["receipt"])


def standing(uow: UnitOfWork, election: Election, nominated: list[Candidate]) -> list[Candidate]:
    """The candidates who may still take the seat at the close: those who are still electors
    (nominate_in's rule). A deputy of the council below (or, for an office, of its council) who
    lost that seat since the nomination no longer stands. Their seats there are locked until the
    close commits: a recall ending one now waits, then ends whatever was built on it."""
    members = {c.member_id for c in nominated}
    if election.office_id is not None:
        council = office_terms.get_office(uow, election.office_id).council_id
        still = uow.mandates.lock_seats_in(council, members)
    else:
        electorate = uow.electorates.get(election.electorate_id or 0)
        assert electorate is not None
        if electorate.kind == "council":
            still = uow.mandates.lock_seats_in(electorate.source_id, members)
        else:
            still = members & electors(uow, electorate)
    return [c for c in nominated if c.member_id in still]


def count_election(
    election: Election, candidates: list[Candidate], ballots: list[list[int]], seed: int
) -> dict[str, Any]:
    """Count by the election's method (domain/vote_methods.py); the result names candidates by
    their ids (as strings)."""
    seats = min(election.seats, len(candidates))
    method = vote_methods.get(election.method)
    return method.count(candidates, ballots, seats, seed) | {"seed": seed}


def close_in(uow: UnitOfWork, election: Election, actor: str | None) -> list[Mandate]:
    """Count an election and seat its winners. Its row is locked first (and its status read
    again): a ballot being written holds the row share-locked (`cast_ballot`, the ballot
    writer), so the close waits for it and counts it, or the ballot waits and finds the
    election closed; a second close waits, then is refused."""
    locked = uow.elections.get_for_update(election.id)
    if locked is not None:
        election = locked
    if election.status != "open":
        raise errors.Conflict("the election is already closed")
    if election.kind == "recall":
        raise errors.InvalidRequest("a recall vote is closed through its petition")
    nominated = uow.elections.candidates(election.id)
    if not nominated:
        raise errors.Conflict("the election has no candidates")
    ballots = uow.elections.ballot_choices(election.id)
    if not ballots:
        raise errors.Conflict("no ballots were cast: there is nothing to count yet")
    candidates = standing(uow, election, nominated)
    if not candidates:
        raise errors.Conflict(
            "no candidate still stands: each has lost the seat that made them eligible; "
            "nominate another"
        )
    kept = {c.id for c in candidates}
    withdrawn = [c.id for c in nominated if c.id not in kept]
    if withdrawn:  # a ranked ballot passes to its next choice; a mark for them counts for no one
        ballots = [[c for c in ballot if c in kept] for ballot in ballots]
    try:
        result = count_election(election, candidates, ballots, seed=chance.randbits(31))
    except CountError as error:
        raise errors.InvalidRequest(f"the count failed: {error}") from None
    if withdrawn:
        result["withdrawn"] = [str(c) for c in withdrawn]
    now = uow.now()
    uow.elections.set(election.id, status="closed", closed_at=now, result=result)
    winners = [int(w) for w in result["winners"]]
    by_id = {c.id: c for c in candidates}
    mandates = []
    if election.office_id is not None:
        office_terms.seat_holder(uow, election, by_id[winners[0]].member_id, now)
    else:
        mandates = _seat_winners(uow, election, [by_id[w] for w in winners], now)
    published: dict[str, Any] = {"election": election.id, "winners": winners}
    if withdrawn:
        published["withdrawn"] = withdrawn
    record_close(uow, election, published, actor)
    return mandates


def record_close(
    uow: UnitOfWork, election: Election, published: dict[str, Any], actor: str | None
) -> None:
    """Log the election's close; a secret one's ballots are first cut from their voters
    (services/secrecy.py) and published with it, shuffled."""
    if election.is_secret:
        unlink_ballots(uow, election.id)
        shuffled = uow.elections.published_ballots(election.id)
        chance.shuffle(shuffled)
        published["ballots"] = shuffled
    uow.record("election.close", published, actor=actor)


def _seat_winners(
    uow: UnitOfWork, election: Election, winners: list[Candidate], now: datetime
) -> list[Mandate]:
    """Winners take their seats. In a general election the previous holders are replaced;
    what rested on a re-elected holder's seat moves to the new one, the rest ends, and every
    higher seat so emptied gets a by-election; so does every seat left empty for want of
    candidates."""
    electorate = uow.electorates.get(election.electorate_id or 0)
    assert electorate is not None
    replaced: list[Mandate] = []
    if election.kind == "by":
        seat_numbers = [election.seat_no or 1]
    else:
        _supersede_by_elections(uow, election, electorate, now)  # before reading the seats
        replaced = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        for old in replaced:
            end_row(uow, old, "replaced", now, actor=None)
        seat_numbers = list(range(1, len(winners) + 1))
        if electorate.seats != election.seats:  # the apportionment it was opened with
            uow.electorates.set(electorate.id, seats=election.seats)
    created = [
        _start_mandate(uow, election, electorate, seat_no, winner, now)
        for seat_no, winner in zip(seat_numbers, winners, strict=False)
    ]
    successor = {md.holder_id: md for md in created}
    for old in replaced:
        # a unit moved to another council: the old council's seat does not follow its holder
        if old.holder_id in successor and successor[old.holder_id].council_id == old.council_id:
            hand_over(uow, old, successor[old.holder_id])
        else:
            for emptied in release(uow, old, now, actor=None):
                open_by_election(uow, emptied)
    if election.kind != "by":
        for seat_no in range(len(created) + 1, election.seats + 1):
            _open_seat_election(uow, electorate, seat_no)
    return created


def _supersede_by_elections(
    uow: UnitOfWork, general: Election, electorate: Electorate, now: datetime
) -> None:
    """A general election gives every seat of its electorate: the by-elections still open
    there are closed as superseded, uncounted (their seats are the general election's now; one
    it leaves empty gets a by-election of its own), and their electors are told. Their rows are
    locked first, so a close of one of them at the same moment either commits before (and its
    seat is then replaced) or finds it closed (409)."""
    council = uow.councils.get(electorate.council_id)
    assert council is not None
    notices = []
    for by in uow.elections.open_by_elections_for_update(electorate.id):
        result = {
            "superseded_by": general.id,
            "method": by.method,
            "seats": by.seats,
            "winners": [],
        }
        uow.elections.set(by.id, status="closed", closed_at=now, result=result)
        if by.is_secret:
            unlink_ballots(uow, by.id)
        uow.record("election.supersede", {"election": by.id, "by": general.id}, actor=None)
        notices.append(
            Notice(
                roll_of(electorate),
                "by_election",
                f"The by-election for a seat in {council.name} was closed uncounted: the general "
                f"election {general.id} gave every seat",
                f"/elections/{by.id}",
            )
        )
    notify_rolls(uow, notices)


def _start_mandate(
    uow: UnitOfWork,
    election: Election,
    electorate: Electorate,
    seat_no: int,
    winner: Candidate,
    now: datetime,
) -> Mandate:
    depends_on = None
    if electorate.kind == "council":
        held = [
            md
            for md in uow.mandates.active_of_holder(winner.member_id)
            if md.council_id == electorate.source_id
        ]
        depends_on = held[0].id if held else None
    row = {
        "council_id": electorate.council_id,
        "electorate_id": electorate.id,
        "seat_no": seat_no,
        "holder_id": winner.member_id,
        "faction_id": winner.faction_id,
        "election_id": election.id,
        "start_at": now,
        "depends_on_id": depends_on,
    }
    mandate_id = uow.mandates.add(**row)
    record_mandate_start(uow, mandate_id, row)
    mandate: Mandate | None = uow.mandates.get(mandate_id)
    assert mandate is not None
    return mandate


def record_mandate_start(uow: UnitOfWork, mandate_id: int, row: Mapping[str, Any]) -> None:
    """Log a mandate's start (`row`: its fields as the mandates table holds them) and tell the
    council's live pages that its composition changed."""
    uow.record(
        "mandate.start",
        {
            "mandate": mandate_id,
            "council": row["council_id"],
            "seat": row["seat_no"],
            "holder": row["holder_id"],
            "faction": row["faction_id"],
            "election": row["election_id"],
        },
    )
    uow.emit(CompositionChanged(row["council_id"]))


def open_by_election(uow: UnitOfWork, vacated: Mandate) -> int:
    """Open a by-election for the seat `vacated` held, and tell the electors."""
    return open_by_elections(uow, [vacated])[0]


def open_by_elections(
    uow: UnitOfWork,
    vacated: Sequence[Mandate],
    known: Mapping[int, tuple[Electorate, Council]] | None = None,
) -> list[int]:
    """Open a by-election for each seat these mandates held, and tell each seat's electors.
    Whatever the number of seats: one read of their electorates and councils (none for those
    `known`, by electorate id), one insert of the elections, one of the notifications (written
    straight from the rolls). Returns the elections' ids, in the order of `vacated`."""
    if not vacated:
        return []
    seats = dict(known or {})
    missing = {md.electorate_id for md in vacated} - seats.keys()
    if missing:
        seats.update(uow.recall_paths.seats(missing))
    now = uow.now()
    rows: list[dict[str, Any]] = []
    notices = []
    # What the seats' by-elections follow: their general elections and the standing orders.
    generals = uow.elections.last_generals(md.electorate_id for md in vacated)
    orders = uow.standing_orders.of_councils(council.id for _, council in seats.values())
    for md in vacated:
        electorate, council = seats[md.electorate_id]
        method, is_secret = _seat_rules(generals.get(electorate.id), council, orders[council.id])
        check_method(method, "by")
        when = _schedule(uow, orders[council.id])
        rows.append(
            {  # a by-election's row, as written
                "federation_id": council.federation_id,
                "electorate_id": electorate.id,
                "office_id": None,
                "seats": 1,
                "seat_no": md.seat_no,
                "method": method,
                "is_secret": is_secret,
                "status": "open",
                "kind": "by",
                "opened_at": now,
                "closes_at": when.closes_at,
                "nominations_close_at": when.nominations_close_at,
            }
        )
    ids = uow.recall_paths.add_seat_elections(rows)
    for election_id, row, md in zip(ids, rows, vacated, strict=True):
        electorate, council = seats[md.electorate_id]
        uow.record(
            "election.open",
            {
                "election": election_id,
                "electorate": electorate.id,
                "seats": 1,
                "method": row["method"],
                "is_secret": row["is_secret"],
                "kind": "by",
                **_times(row["nominations_close_at"], row["closes_at"]),
            },
            actor=None,
        )
        notices.append(
            Notice(
                roll_of(electorate),
                "by_election",
                f"A by-election for a seat in {council.name} is open",
                f"/elections/{election_id}",
            )
        )
    notify_rolls(uow, notices)
    return ids


def open_in_windows(
    uow: UnitOfWork,
    electorate: Electorate,
    method: str,
    is_secret: bool,
    kind: str,
    actor: str | None,
    seat_no: int | None = None,
) -> Election:
    """Open an election of the electorate's seats with the windows of its council's standing
    orders (DESIGN.md 2.9): nominations from now, then voting."""
    when = seat_schedule(uow, electorate.council_id)
    cmd = OpenElection(
        electorate.id,
        method,
        is_secret,
        kind=kind,
        seat_no=seat_no,
        closes_at=when.closes_at,
        nominations_close_at=when.nominations_close_at,
    )
    return open_in(uow, cmd, actor, electorate=electorate)


def _open_seat_election(uow: UnitOfWork, electorate: Electorate, seat_no: int) -> int:
    council = uow.councils.get(electorate.council_id)
    assert council is not None
    method, is_secret = seat_rules(uow, electorate, council)
    election = open_in_windows(uow, electorate, method, is_secret, "by", None, seat_no)
    notify(
        uow,
        electors(uow, electorate),
        "by_election",
        f"A by-election for a seat in {council.name} is open",
        f"/elections/{election.id}",
    )
    return election.id


# One transaction each, for the web and the CLI.


def _get_open(uow: UnitOfWork, election_id: int, *, lock: str | None = None) -> Election:
    """The election; with lock="share" (casting) or "update" (closing) its row locked until
    commit, so a ballot and a close of the same election are never interleaved (`close_in`)."""
    get = {
        None: uow.elections.get,
        "share": uow.elections.get_for_share,
        "update": uow.elections.get_for_update,
    }[lock]
    election = get(election_id)
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
        limits.hit(uow, limits.BALLOTS, voter_id)
        receipt = cast_in(uow, _get_open(uow, election_id, lock="share"), voter_id, choices)
        uow.commit()
    return receipt
