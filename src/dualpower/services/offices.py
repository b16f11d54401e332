"""Offices, their holders, stipends, wages and member verification (DESIGN.md 2.4).

Who may do what (every check is here, through services.authority.require):
- create an office, set a council's pay-cap scope: the server operator from the command line
  (logged as an operator act) until councils decide it by motion; the founding bootstrap may
  create the offices of a council none of whose offices was ever held.
- elect an office's holder: the council's deputies vote; opening and closing the election needs
  `run_election` of the council (its electoral commission). Two exceptions keep a council from
  being stuck: while nobody holds it, any deputy may open and close the election of an office
  that carries it (the council elects or re-elects its commission); and once an office
  election's closing time has passed, any deputy may close it.
- set a stipend: the council itself, by adopting a stipend motion (services/stipends.py); no
  official and not the operator. The founding bootstrap gives the first offices of a new
  council their stipends; an office the operator creates starts at 0. Never above the cap
  (domain/offices.py).
- report a unit's wages: `report_wages` of the unit's base council, or the operator.
- verify a member: `verify_members` of the base council of the member's unit (its credentials
  committee).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from dualpower.domain import capabilities as caps
from dualpower.domain import errors
from dualpower.domain import offices as rules
from dualpower.domain.cycle import refuse_early_close
from dualpower.domain.model import Election, Office
from dualpower.domain.offices import OfficeTerm
from dualpower.services import office_terms, pay
from dualpower.services.authority import OPERATOR as OPERATOR  # re-exported: routes and CLI
from dualpower.services.authority import Caller as Caller
from dualpower.services.authority import capabilities_of, require, require_of
from dualpower.services.durable import durably
from dualpower.services.elections import (
    close_in,
    nominate_in,
    open_office_in,
    seat_schedule,
)
from dualpower.store.uow import UnitOfWork

FOUNDER = "founding"
Creator = Literal["operator", "founding"]
OPERATOR_CALLER = Caller(is_operator=True)


def _council(uow: UnitOfWork, council_id: int) -> Any:
    council = uow.councils.get(council_id)
    if council is None:
        raise errors.NotFound(f"there is no council {council_id}")
    return council


def _holds_run_election(uow: UnitOfWork, council_id: int) -> bool:
    holders = uow.offices.holders_of(caps.RUN_ELECTION, council_id)
    return bool(holders & office_terms.deputies(uow, council_id))


# Creating offices and setting their pay.


def create_office(
    uow: UnitOfWork,
    council_id: int,
    name: str,
    capabilities: Sequence[str],
    stipend: int = 0,
    *,
    by: Creator = "operator",
) -> int:
    """A new office of a council (no holder until an election fills it)."""
    clean, capabilities_ = rules.check_office(name, capabilities)
    with uow:
        _council(uow, council_id)
        if by == FOUNDER and any(
            uow.office_terms.ever_held(o.id)
            for o in uow.offices.list(uow.offices.table.c.council_id == council_id)
        ):
            raise errors.NotAllowed("the founding may only create the offices of a new council")
        if by != FOUNDER and stipend != 0:
            raise errors.NotAllowed(
                "stipends are the council's: the office starts at 0 and the council sets its "
                "stipend by a stipend motion"
            )
        rules.check_stipend(stipend, pay.caps(uow)[council_id], clean)
        with uow.unique_or(errors.Conflict(f"this council already has an office named {clean!r}")):
            office_id = uow.offices.add(
                council_id=council_id,
                name=clean,
                capabilities=list(capabilities_),
                stipend=stipend,
            )
        uow.record(
            "office.create",
            {
                "office": office_id,
                "council": council_id,
                "name": clean,
                "capabilities": list(capabilities_),
                "stipend": stipend,
            },
            actor=by,
            is_operator=by == OPERATOR,
        )
        uow.commit()
    return office_id


def report_wages(uow: UnitOfWork, unit_id: int, wages: dict[int, int], caller: Caller) -> int:
    """A unit's wage report: monthly wages of members on its roll now. It replaces the unit's
    previous report; caps that fall bring the stipends above them down in the same act. The log
    keeps the reported amounts, sorted, without names. Returns the federation's cap."""
    for amount in wages.values():
        rules.check_wage(amount)
    return durably(uow, _report_in, unit_id, wages, caller)


def report_named_wages(uow: UnitOfWork, unit_id: int, named: dict[str, int], caller: Caller) -> int:
    """The same report with members named by username (from a form or a file)."""
    for amount in named.values():
        rules.check_wage(amount)
    with uow:
        wages: dict[int, int] = {}
        for username, amount in named.items():
            member = uow.members.by_username(username)
            if member is None:
                raise errors.InvalidRequest(f"there is no member {username!r}")
            wages[member.id] = amount
        cap = _report_in(uow, unit_id, wages, caller)
        uow.commit()
    return cap


def _report_in(uow: UnitOfWork, unit_id: int, wages: dict[int, int], caller: Caller) -> int:
    unit = uow.units.get(unit_id)
    if unit is None:
        raise errors.NotFound(f"there is no base unit {unit_id}")
    require_of(uow, caller, caps.REPORT_WAGES, unit.council_id)
    roll = {m.id for m in uow.members.of_unit(unit_id)}
    strangers = sorted(set(wages) - roll)
    if strangers:
        raise errors.InvalidRequest(
            f"member {strangers[0]} is not on the roll of {unit.name}; a unit reports "
            "only its own members' wages"
        )
    with uow.unique_or(errors.Conflict("another wage report was saved at the same time; retry")):
        uow.wages.replace_unit(unit_id, wages, uow.now())
    uow.record(
        "wages.report",
        {"unit": unit_id, "count": len(wages), "wages": sorted(wages.values())},
        actor=caller.actor,
        is_operator=caller.is_operator,
    )
    pay.enforce(uow, None)
    return rules.allowed(pay.federation_cap(uow))


def verify_member(
    uow: UnitOfWork, member_id: int, caller: Caller, *, is_verified: bool = True
) -> None:
    """The credentials committee of the member's unit's base council verifies a member (or
    withdraws the verification)."""
    with uow:
        member = uow.members.get(member_id)
        if member is None:
            raise errors.NotFound(f"there is no member {member_id}")
        unit_id = uow.members.current_unit_id(member_id)
        if unit_id is None:
            raise errors.Conflict("this member is on no unit's roll")
        unit = uow.units.get(unit_id)
        assert unit is not None
        require_of(uow, caller, caps.VERIFY_MEMBERS, unit.council_id)
        uow.members.set(member_id, is_verified=is_verified)
        uow.record(
            "member.verify" if is_verified else "member.unverify",
            {"member": member_id, "unit": unit_id},
            actor=caller.actor,
            is_operator=caller.is_operator,
        )
        uow.commit()


# Electing holders.


def _may_run(uow: UnitOfWork, office: Office, member_id: int, election: Election | None) -> None:
    """Pass if `member_id` may open (election None) or close this office's election."""
    if caps.RUN_ELECTION in capabilities_of(uow, member_id, office.council_id):
        return
    is_deputy = member_id in office_terms.deputies(uow, office.council_id)
    if is_deputy and caps.RUN_ELECTION in office.capabilities:
        if not _holds_run_election(uow, office.council_id):
            return  # the council re-elects its electoral commission
    if (
        is_deputy
        and election is not None
        and election.closes_at is not None
        and uow.now() >= election.closes_at
    ):
        return  # past its closing time nobody can sit on an election
    require(uow, member_id, caps.RUN_ELECTION, office.council_id)


def open_office_election(
    uow: UnitOfWork,
    office_id: int,
    opener_id: int,
    method: str = "plurality",
    *,
    is_secret: bool = False,
    closes_at: datetime | None = None,
) -> int:
    with uow:
        office = office_terms.get_office(uow, office_id)
        _may_run(uow, office, opener_id, None)
        open_here = uow.elections.list(
            uow.elections.table.c.office_id == office.id,
            uow.elections.table.c.status == "open",
            uow.elections.table.c.kind != "recall",
        )
        if open_here:
            raise errors.Conflict(f"an election for {office.name!r} is open already")
        when = seat_schedule(uow, office.council_id)  # the standing orders' windows (2.9)
        if closes_at is not None and closes_at < when.closes_at:
            raise errors.InvalidRequest(
                "the standing orders give nominations and voting their time: this election "
                f"closes at {when.closes_at.isoformat()} at the earliest"
            )
        election = open_office_in(
            uow,
            office.id,
            method,
            is_secret=is_secret,
            closes_at=closes_at or when.closes_at,
            nominations_close_at=when.nominations_close_at,
            actor=str(opener_id),
        )
        uow.commit()
    return election.id


def close_office_election(uow: UnitOfWork, election_id: int, closer_id: int) -> OfficeTerm:
    """Count an office election; its winner takes office in the same transaction."""
    with uow:
        election, office = office_terms.get_office_election(uow, election_id)
        _may_run(uow, office, closer_id, election)
        if election.status == "open":  # nobody chooses the moment a vote closes (2.9)
            voted = uow.elections.participation_count(election.id)
            electors = len(office_terms.deputies(uow, office.council_id))
            refuse_early_close(uow.now(), election.closes_at, voted, electors)
        close_in(uow, election, str(closer_id))
        term = uow.office_terms.active_of_office(office.id)
        assert term is not None
        uow.commit()
    return term


def _faction(uow: UnitOfWork, member_id: int, office: Office) -> int | None:
    seat = office_terms.seat_of(uow, member_id, office.council_id)
    return seat.faction_id if seat else None


def stand(uow: UnitOfWork, election_id: int, member_id: int) -> int:
    """A deputy stands for an office (under their seat's faction)."""
    with uow:
        election, office = office_terms.get_office_election(uow, election_id)
        candidate = nominate_in(
            uow, election, member_id, _faction(uow, member_id, office), str(member_id)
        )
        uow.commit()
    return candidate


def resign_office(uow: UnitOfWork, term_id: int, member_id: int) -> None:
    with uow:
        term = uow.office_terms.get(term_id)
        if term is None:
            raise errors.NotFound(f"there is no office term {term_id}")
        if term.holder_id != member_id:
            raise errors.NotAllowed("only the holder may resign an office")
        if not office_terms.end_term(uow, term, "resigned", uow.now()):
            raise errors.Conflict("this office term has already ended")
        uow.commit()
