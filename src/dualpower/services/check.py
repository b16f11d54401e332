"""The invariant checker (DESIGN.md 2.1-2.4) over the whole database.

- 2.1 power from below: every active mandate was won in a closed election of its own
  electorate, by its holder; a higher-council mandate rests on an active mandate of the same
  holder in the council that elected it, and so on down to a base unit's vote.
- Seats: no electorate has more active mandates than its seats, and the seats in force are
  those its latest general election filled.
- 2.2: no active office term rests on an ended mandate; every vacant seat has an open
  by-election (or its electorate an open general election).
"""

from __future__ import annotations

from dualpower.domain.model import Election, Mandate
from dualpower.services.invariants import checkers
from dualpower.store.uow import UnitOfWork


def check(uow: UnitOfWork) -> list[str]:
    """Every violation found, as one sentence each; empty when every invariant holds."""
    with uow:
        mandates = {md.id: md for md in uow.mandates.list()}
        elections = {e.id: e for e in uow.elections.list()}
        won = uow.elections.winning_members()
        winners = {e.id: won.get(e.id, set()) for e in elections.values()}
        electorates = {e.id: e for e in uow.electorates.list()}
        problems: list[str] = []
        for md in mandates.values():
            if md.is_active:
                problems += _trace(md, mandates, elections, winners, electorates)
        problems += _seats(uow, mandates, elections, winners)
        problems += [
            f"office term {term} rests on ended mandate {mandate}"
            for term, mandate in uow.offices.terms_on_ended_mandates()
        ]
        problems += _vacancies(mandates, elections, electorates)
        for topic_check in checkers():
            problems += topic_check(uow)
    return problems


def _trace(md, mandates, elections, winners, electorates) -> list[str]:  # type: ignore[no-untyped-def]
    where = f"mandate {md.id} (holder {md.holder_id}, council {md.council_id})"
    election = elections.get(md.election_id)
    if election is None or election.status == "open":
        return [f"{where}: no closed election gave it"]
    if election.electorate_id != md.electorate_id:
        return [f"{where}: its election was not of its electorate"]
    if md.holder_id not in winners[election.id]:
        return [f"{where}: its holder did not win election {election.id}"]
    electorate = electorates[md.electorate_id]
    if electorate.kind == "unit":
        return []
    below: Mandate | None = mandates.get(md.depends_on_id)
    if below is None or not below.is_active:
        return [f"{where}: it rests on no active mandate in the council below"]
    if below.holder_id != md.holder_id or below.council_id != electorate.source_id:
        return [f"{where}: it rests on a mandate of another holder or council"]
    return _trace(below, mandates, elections, winners, electorates)


def _seats(
    uow: UnitOfWork,
    mandates: dict[int, Mandate],
    elections: dict[int, Election],
    winners: dict[int, set[int]],
) -> list[str]:
    """Seats in force: those of the latest general election that seated anyone, or of a later
    one that seated nobody (void) where no deputy held a seat when it opened (its apportionment
    is in force at once there; where deputies sat, theirs stands until winners replace them)."""
    problems = []
    for electorate in uow.electorates.list():
        active = [
            md for md in mandates.values() if md.is_active and md.electorate_id == electorate.id
        ]
        if len(active) > electorate.seats:
            problems.append(
                f"electorate {electorate.id} has {len(active)} deputies "
                f"for {electorate.seats} seats"
            )
        general = sorted(
            (
                e
                for e in elections.values()
                if e.electorate_id == electorate.id
                and e.kind in ("founding", "general")
                and e.status != "open"
            ),
            key=lambda e: e.id,
        )
        seated = [e for e in general if winners.get(e.id)]
        since = [e for e in general if not seated or e.id >= seated[-1].id]
        latest = seated[-1] if seated else (general[-1] if general else None)
        if latest is not None and electorate.seats not in {e.seats for e in since}:
            problems.append(
                f"electorate {electorate.id} has {electorate.seats} seats in force but its "
                f"latest election filled {latest.seats}"
            )
    return problems


def _vacancies(mandates, elections, electorates) -> list[str]:  # type: ignore[no-untyped-def]
    """Every seat that was filled and is empty now has an open by-election."""
    problems = []
    for electorate in electorates.values():
        held = {md.seat_no for md in mandates.values() if md.electorate_id == electorate.id}
        filled = {
            md.seat_no
            for md in mandates.values()
            if md.electorate_id == electorate.id and md.is_active
        }
        open_here = [
            e for e in elections.values() if e.electorate_id == electorate.id and e.status == "open"
        ]
        if any(e.kind in ("general", "founding") for e in open_here):
            continue
        covered = {e.seat_no for e in open_here if e.kind == "by"}
        for seat in sorted(held - filled - covered):
            if seat <= electorate.seats:
                problems.append(
                    f"seat {seat} of electorate {electorate.id} is vacant with no by-election"
                )
    return problems
