"""Ending a mandate, with its cascade (DESIGN.md 2.2).

When a mandate ends, every higher-council mandate that depended on it ends in the same
transaction, and so does every office term held on it: no power outlives the mandate it rests on.
"""

from __future__ import annotations

from datetime import datetime

from dualpower.domain.events import CompositionChanged
from dualpower.domain.model import Mandate
from dualpower.store.uow import UnitOfWork


def end_mandate(
    uow: UnitOfWork, mandate: Mandate, reason: str, at: datetime, *, actor: str | None
) -> list[Mandate]:
    """End `mandate` and, recursively, whatever rested on it. Returns every mandate ended."""
    if not end_row(uow, mandate, reason, at, actor=actor):
        return []  # already ended (a concurrent end won)
    return [mandate, *release(uow, mandate, at, actor=actor)]


def end_row(
    uow: UnitOfWork, mandate: Mandate, reason: str, at: datetime, *, actor: str | None
) -> bool:
    """End this mandate only; False when it had ended already."""
    if not uow.recall_paths.end_mandate(mandate.id, at, reason):
        return False
    _ended(uow, mandate, reason, actor)
    return True


def _ended(uow: UnitOfWork, mandate: Mandate, reason: str, actor: str | None) -> None:
    uow.record(
        "mandate.end",
        {"mandate": mandate.id, "holder": mandate.holder_id, "reason": reason},
        actor=actor,
    )
    uow.emit(CompositionChanged(mandate.council_id))


def release(uow: UnitOfWork, mandate: Mandate, at: datetime, *, actor: str | None) -> list[Mandate]:
    """End the office terms and higher mandates resting on an ended mandate, at every level;
    returns the mandates ended, depth first (each before those resting on it, siblings by id).

    One statement per level of the cascade ends the mandates resting on the level below, one
    more every office term on the mandates ended. Each gets its audit entry, in the order of the
    cascade: a mandate's end, then its terms', then those resting on it."""
    dependants = uow.recall_paths.end_dependants(mandate.id, at, "cascade")
    ids = [mandate.id, *(md.id for md in dependants)]
    terms_on: dict[int, list[int]] = {}
    for term_id, mandate_id in uow.recall_paths.end_terms_on(ids, at, "cascade"):
        terms_on.setdefault(mandate_id, []).append(term_id)
    resting_on: dict[int, list[Mandate]] = {}
    for md in sorted(dependants, key=lambda md: md.id):
        resting_on.setdefault(md.depends_on_id or 0, []).append(md)
    ended: list[Mandate] = []
    seen: set[int] = set()

    def walk(current: Mandate, *, is_dependant: bool) -> None:
        if current.id in seen:
            return
        seen.add(current.id)
        if is_dependant:
            _ended(uow, current, "cascade", actor)
            ended.append(current)
        for term_id in terms_on.get(current.id, []):
            uow.record("office.end", {"term": term_id, "mandate": current.id, "reason": "cascade"})
        for dependant in resting_on.get(current.id, []):
            walk(dependant, is_dependant=True)

    walk(mandate, is_dependant=False)
    # One resting on a mandate that a concurrent act ended first: ended here all the same.
    for stray in sorted(dependants, key=lambda md: md.id):
        walk(stray, is_dependant=True)
    return ended


def hand_over(uow: UnitOfWork, old: Mandate, new: Mandate) -> None:
    """A re-elected holder keeps what rested on the old mandate: it now rests on the new one."""
    uow.mandates.move_dependants(old.id, new.id)
    uow.offices.move_terms(old.id, new.id)
