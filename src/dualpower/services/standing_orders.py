"""A council changes its standing orders by a motion it adopts (DESIGN.md 2.9).

A deputy puts "set these standing orders" to the council (a motion of the council, decided by
its roll-call vote in a session like any other); its adoption applies every change in the
adoption's own transaction (`council.standing_orders`), so no adopted change is left unapplied
and none is made without one. The rules a motion may set and their ranges are
domain/standing_orders.py's. New windows apply to the votes opened after the change.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain import errors
from dualpower.domain import standing_orders as rules
from dualpower.domain.motions import Motion, check_majority
from dualpower.services import limits, motions, office_terms, pay
from dualpower.store.uow import UnitOfWork

KIND = "standing_orders"


def propose_standing_orders(
    uow: UnitOfWork,
    member_id: int,
    council_id: int,
    changes: dict[str, Any],
    majority: str = "simple",
) -> int:
    """A deputy of the council proposes changes to its standing orders; returns the motion."""
    check_majority(majority)
    checked = rules.check_changes(changes)
    with uow:
        limits.hit(uow, limits.POSTS, member_id)
        council = uow.councils.get(council_id)
        if council is None:
            raise errors.NotFound(f"no council {council_id}")
        if member_id not in office_terms.deputies(uow, council.id):
            raise errors.NotAllowed("only the council's deputies propose its standing orders")
        spec = {
            "key": "standing_orders",
            "council": council.name,
            "changes": rules.describe(checked),
        }
        motion = motions.draft_written_in(uow, member_id, council.id, spec, majority)
        uow.standing_motions.add(motion.id, checked)
        uow.record(
            "standing_orders.propose",
            {"motion": motion.id, "council": council.id, "changes": checked},
            actor=str(member_id),
        )
        uow.commit()
    return motion.id


def check_before_vote(uow: UnitOfWork, motion: Motion) -> None:
    """Nothing to check before the vote: the changes were checked when proposed."""


def on_adopted(uow: UnitOfWork, motion: Motion) -> None:
    """Apply the changes the adopted motion names, in the adoption's transaction."""
    changes = motions.to_apply(uow, uow.standing_motions, motion, "standing-orders")
    if changes is None:
        return
    assert motion.council_id is not None
    apply_changes(uow, motion.council_id, changes, motion.id)


def apply_changes(
    uow: UnitOfWork, council_id: int, changes: dict[str, Any], motion_id: int | None = None
) -> None:
    """Set the council's standing orders to the (checked) changes, inside the caller's
    transaction: the adoption of the motion that names them."""
    on_council = {k: v for k, v in changes.items() if k in rules.ON_COUNCIL}
    on_units = {k: v for k, v in changes.items() if k in rules.ON_UNITS}
    orders = {k: v for k, v in changes.items() if k not in rules.ON_COUNCIL + rules.ON_UNITS}
    if on_council:
        uow.councils.set(council_id, **on_council)
    if orders:
        uow.standing_orders.put(council_id=council_id, **orders)
    if on_units:
        for unit in uow.units.list(uow.units.table.c.council_id == council_id):
            uow.standing_orders.put(unit_id=unit.id, **on_units)
    uow.record("council.standing_orders", {"council": council_id, "motion": motion_id, **changes})
    if "pay_cap_scope" in changes:  # stipends above the new cap come down, as at a wage report
        pay.enforce(uow, None)


motions.KINDS[KIND] = motions.MotionKind(check_before_vote, on_adopted)
