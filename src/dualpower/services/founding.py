"""Founding a federation: the one bootstrap act (DESIGN.md 2.4).

`found_federation` writes the structure, the factions and the founding roll, and apportions the
seats, in one transaction logged as `federation.found`. The first deputies are then elected by
`founding_election`s, bottom-up, through the same election machinery as every later election:
the only thing the bootstrap is spared is a capability, and only for an electorate that never
had a mandate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dualpower.domain.errors import FoundingError
from dualpower.domain.founding import FoundingPlan, check_plan, council_windows
from dualpower.domain.model import Mandate
from dualpower.services.apportion import create_electorates
from dualpower.services.elections import (
    OpenElection,
    cast_many_in,
    close_in,
    nominate_in,
    open_in,
)
from dualpower.store.uow import UnitOfWork

FOUNDER = "founding"


def found_federation(uow: UnitOfWork, plan: FoundingPlan) -> int:
    councils = check_plan(plan)
    with uow:
        if uow.federations.only() is not None:
            raise FoundingError("this database already holds a federation")
        now = uow.now()
        fed_id = uow.federations.add(
            name=plan.name,
            founded_at=now,
            sections=list(plan.sections),
            is_demo=plan.is_demo,
            currency=plan.currency,
            language=plan.language,
        )
        for f in plan.factions:
            uow.factions.add(
                federation_id=fed_id,
                name=f.name,
                short=f.short,
                colour=f.colour,
                platform=f.platform,
            )
        council_ids: dict[str, int] = {}
        for c in councils:  # top-down, so a parent exists before its children
            council_ids[c.name] = uow.councils.add(
                federation_id=fed_id,
                name=c.name,
                parent_id=council_ids[c.parent] if c.parent else None,
                recall_rule=c.recall_rule,
                recall_trigger_bp=c.recall_trigger_bp,
                seat_method=c.seat_method,
                apportionment=c.apportionment,
                verified_only=c.verified_only,
            )
            windows = council_windows(c)
            uow.standing_orders.put(
                council_id=council_ids[c.name],
                nominations_seconds=windows.nominations_seconds,
                voting_seconds=windows.voting_seconds,
                secret_elections=bool(c.secret_elections),
            )
        unit_ids = {
            u.name: uow.units.add(
                federation_id=fed_id,
                council_id=council_ids[u.council],
                name=u.name,
                kind=u.kind,
                section=u.section,
            )
            for u in plan.units
        }
        roll = _add_roll(uow, fed_id, plan, unit_ids)
        create_electorates(uow)
        uow.record(
            "federation.found",
            {
                "name": plan.name,
                "councils": [[c.name, c.parent] for c in councils],
                "units": [[u.name, u.kind, u.section, u.council] for u in plan.units],
                "factions": [f.name for f in plan.factions],
                "roll": roll,  # [member number, unit]: no names in the log (DESIGN.md 2.11)
            },
            actor=FOUNDER,
        )
        uow.commit()
    return fed_id


def _add_roll(
    uow: UnitOfWork, fed_id: int, plan: FoundingPlan, unit_ids: dict[str, int]
) -> list[list[int | str]]:
    now = uow.now()
    uow.members.add_many(
        [
            {
                "federation_id": fed_id,
                "username": m.username,
                "display_name": m.name,
                "password_hash": m.password_hash,
                "email": m.email,
                "language": m.language,
                "is_verified": True,  # the founding roll is the one verified by the founders
                "joined_at": now,
            }
            for m in plan.members
        ]
    )
    ids = {m.username: m.id for m in uow.members.list()}
    uow.memberships.add_many(
        [
            {"member_id": ids[m.username], "unit_id": unit_ids[m.unit], "start_at": now}
            for m in plan.members
        ]
    )
    return [[ids[m.username], m.unit] for m in plan.members]


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
