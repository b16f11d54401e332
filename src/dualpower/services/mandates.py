"""Ending a mandate, with its cascade (DESIGN.md 2.2).

When a mandate ends, every higher-council mandate that depended on it ends in the same
transaction, and so does every office term held on it: no power outlives the mandate it rests on.
"""

from __future__ import annotations

from datetime import datetime

from dualpower.domain.model import Mandate
from dualpower.store.uow import UnitOfWork


def end_mandate(
    uow: UnitOfWork, mandate: Mandate, reason: str, at: datetime, *, actor: str | None
) -> list[Mandate]:
    """End `mandate` and, recursively, whatever rested on it. Returns every mandate ended."""
    if not uow.mandates.end(mandate.id, at, reason):
        return []  # already ended (a concurrent end won)
    uow.record(
        "mandate.end",
        {"mandate": mandate.id, "holder": mandate.holder_id, "reason": reason},
        actor=actor,
    )
    ended = [mandate]
    for term_id in uow.offices.active_terms_on(mandate.id):
        uow.offices.end_term(term_id, at, "cascade")
        uow.record("office.end", {"term": term_id, "mandate": mandate.id, "reason": "cascade"})
    for dependant in uow.mandates.dependants(mandate.id):
        ended += end_mandate(uow, dependant, "cascade", at, actor=actor)
    return ended
