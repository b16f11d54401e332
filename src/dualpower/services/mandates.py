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
    if not uow.mandates.end(mandate.id, at, reason):
        return False
    uow.record(
        "mandate.end",
        {"mandate": mandate.id, "holder": mandate.holder_id, "reason": reason},
        actor=actor,
    )
    uow.emit(CompositionChanged(mandate.council_id))
    return True


def release(uow: UnitOfWork, mandate: Mandate, at: datetime, *, actor: str | None) -> list[Mandate]:
    """End the office terms and higher mandates resting on an ended mandate (recursively)."""
    for term_id in uow.offices.active_terms_on(mandate.id):
        uow.offices.end_term(term_id, at, "cascade")
        uow.record("office.end", {"term": term_id, "mandate": mandate.id, "reason": "cascade"})
    ended: list[Mandate] = []
    for dependant in uow.mandates.dependants(mandate.id):
        ended += end_mandate(uow, dependant, "cascade", at, actor=actor)
    return ended


def hand_over(uow: UnitOfWork, old: Mandate, new: Mandate) -> None:
    """A re-elected holder keeps what rested on the old mandate: it now rests on the new one."""
    uow.mandates.move_dependants(old.id, new.id)
    uow.offices.move_terms(old.id, new.id)
