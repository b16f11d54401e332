"""Founding a federation: the one bootstrap act (DESIGN.md 2.4).

`found_federation` writes the structure, the factions and the founding roll, and apportions the
seats, in one transaction logged as `federation.found`. The first deputies are then elected
bottom-up in founding elections with the windows of the standing orders, like every later
election: the operator opens the base units' (`dualpower elections open-founding`,
services/cycle.py), the clock the next level's once a level is seated (services/due.py).
"""

from __future__ import annotations

from dualpower.domain.errors import FoundingError
from dualpower.domain.founding import FoundingPlan, check_plan, council_windows
from dualpower.services.apportion import create_electorates
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
