"""Invariants of the cycle (DESIGN.md 2.9): no vote past its time is still open; no empty seat
lacks an open election.

A vote is "past its time" once its closing time is behind the clock by more than GRACE (the
clock runs every second or so; a check run between two of its passes must not cry wolf). A seat
is empty when its electorate, having had mandates, holds fewer than its seats: then an election
of that electorate (a by-election, or a general one) must be open.
"""

from __future__ import annotations

from datetime import timedelta

from dualpower.store.uow import UnitOfWork

GRACE = timedelta(minutes=5)


def check(uow: UnitOfWork) -> list[str]:
    now = uow.now()
    problems = [
        f"election {e}: its time has passed ({GRACE} ago or more) and it is still open"
        for e in uow.elections.due(now - GRACE, 1000)
    ]
    seated = uow.mandates.seated_by_electorate()
    ever = uow.mandates.ever_seated()
    for electorate in uow.electorates.list():
        if electorate.id not in ever:
            continue  # not founded yet: its founding election is opened level by level
        if seated.get(electorate.id, 0) < electorate.seats and not uow.elections.has_open(
            electorate.id
        ):
            problems.append(
                f"electorate {electorate.id}: {seated.get(electorate.id, 0)} of "
                f"{electorate.seats} seats filled and no election open for the rest"
            )
    return problems
