"""Office terms inside an act's transaction (DESIGN.md 2.1, 2.2, 2.4).

- A council elects its officials: the electors of an office election are the council's deputies
  now, and so are its candidates.
- Closing the election seats the winner: a term resting on the winner's mandate in that council,
  ending the previous holder's term ("replaced"). The unique index of one active term per office
  stops two concurrent closes from both seating a holder.
- A term ends when its mandate ends (services/mandates.py), at a recall by the council, when its
  holder resigns, or when the office's next election seats someone else.
"""

from __future__ import annotations

from datetime import datetime

from dualpower.domain import errors
from dualpower.domain.model import Election, Mandate, Office
from dualpower.domain.offices import OfficeTerm
from dualpower.services import pay
from dualpower.store.uow import UnitOfWork


def get_office(uow: UnitOfWork, office_id: int) -> Office:
    office = uow.offices.get(office_id)
    if office is None:
        raise errors.NotFound(f"there is no office {office_id}")
    return office


def get_office_election(uow: UnitOfWork, election_id: int) -> tuple[Election, Office]:
    """An election for an office, and its office (404 when there is none, or it elects a seat's
    deputy)."""
    election = uow.elections.get(election_id)
    if election is None or election.office_id is None:
        raise errors.NotFound(f"there is no office election {election_id}")
    return election, get_office(uow, election.office_id)


def deputies(uow: UnitOfWork, council_id: int) -> set[int]:
    """Who elects and may stand for, and may recall, the council's officials: its deputies."""
    return {md.holder_id for md in uow.mandates.active_in_council(council_id)}


def office_moved_by(uow: UnitOfWork, member_id: int, office_id: int, refusal: str) -> Office:
    """The office a member puts a motion about (its stipend, its powers) to its council: only the
    council's deputies may; anyone else is refused with `refusal`."""
    office = get_office(uow, office_id)
    if member_id not in deputies(uow, office.council_id):
        raise errors.NotAllowed(refusal)
    return office


def seat_of(uow: UnitOfWork, member_id: int, council_id: int) -> Mandate | None:
    held = [md for md in uow.mandates.active_of_holder(member_id) if md.council_id == council_id]
    return held[0] if held else None


def check_candidate(uow: UnitOfWork, office: Office, member_id: int) -> None:
    if seat_of(uow, member_id, office.council_id) is None:
        raise errors.NotAllowed("a candidate for an office must be a deputy of its council")
    council, member = uow.councils.get(office.council_id), uow.members.get(member_id)
    if council is not None and council.verified_only and not (member and member.is_verified):
        raise errors.NotAllowed(
            "the standing orders here ask that only members verified by the credentials "
            "committee stand: you are not verified"
        )
    pay.check_holder(uow, member_id, taking=office)


def end_term(uow: UnitOfWork, term: OfficeTerm, reason: str, at: datetime) -> bool:
    if not uow.office_terms.end(term.id, at, reason):
        return False
    uow.record(
        "office.end",
        {"term": term.id, "office": term.office_id, "holder": term.holder_id, "reason": reason},
    )
    return True


def seat_holder(uow: UnitOfWork, election: Election, member_id: int, at: datetime) -> OfficeTerm:
    """The winner of an office election takes office, in the close's transaction."""
    uow.pay_locks.office(election.office_id or 0)  # as a stipend motion's adoption does
    office = get_office(uow, election.office_id or 0)
    uow.pay_locks.member(member_id)
    mandate = seat_of(uow, member_id, office.council_id)
    if mandate is None:
        raise errors.Conflict(
            "the winner is no longer a deputy of this council and cannot take office; "
            "open a new election"
        )
    previous = uow.office_terms.active_of_office(office.id)
    if previous is not None:  # also when re-elected: the old term ends, a new one starts
        end_term(uow, previous, "replaced", at)
    pay.check_holder(uow, member_id, taking=office)
    with uow.unique_or(
        errors.Conflict(
            f"the office {office.name!r} was filled by another election at the same time"
        )
    ):
        term_id = uow.office_terms.add(
            office_id=office.id,
            holder_id=member_id,
            mandate_id=mandate.id,
            election_id=election.id,
            start_at=at,
        )
    uow.record(
        "office.start",
        {
            "term": term_id,
            "office": office.id,
            "holder": member_id,
            "mandate": mandate.id,
            "election": election.id,
        },
    )
    term: OfficeTerm | None = uow.office_terms.get(term_id)
    assert term is not None
    return term
