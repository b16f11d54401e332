"""Invariants of offices and pay (DESIGN.md 2.1, 2.4), run by `dualpower check`.

- No capability without an office from a closed election: every active term was given by a
  closed election of its own office, won by its holder.
- No office term on an ended mandate; the mandate is its holder's, in the office's council.
- No stipend above its council's cap, and no person's stipends together above their cap.
- Every stipend traces to the council: a stipend above 0 was set by the latest applied stipend
  motion of the office, adopted by the office's council (or, never set so, by the founding
  bootstrap), and is no more than it set (the cap may have lowered it since). Every adopted
  stipend motion was applied, and only adopted ones were.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain import offices as rules
from dualpower.services import pay


def check(uow: Any) -> list[str]:
    problems: list[str] = []
    offices = {o.id: o for o in uow.offices.list()}
    council_caps = pay.caps(uow)
    by_holder: dict[int, list[int]] = {}
    for term in uow.office_terms.active():
        office = offices[term.office_id]
        by_holder.setdefault(term.holder_id, []).append(office.id)
        problems += _term(uow, term, office)
    for office in offices.values():
        limit = rules.allowed(council_caps[office.council_id])
        if office.stipend > limit:
            problems.append(
                f"office {office.id} ({office.name}) pays {office.stipend}, above its cap {limit}"
            )
    problems += _traces(uow, offices)
    for holder, held in by_holder.items():
        total = sum(offices[o].stipend for o in held)
        limit = rules.person_cap(council_caps[offices[o].council_id] for o in held)
        if total > limit:
            problems.append(
                f"member {holder} is paid {total} in stipends together, above their cap {limit}"
            )
    return problems


def _term(uow: Any, term: Any, office: Any) -> list[str]:
    where = f"office term {term.id} ({office.name}, holder {term.holder_id})"
    election = uow.elections.get(term.election_id)
    if election is None or election.status == "open" or election.office_id != office.id:
        return [f"{where}: no closed election of this office gave it"]
    winners = (uow.elections.result(election.id) or {}).get("winners", [])
    by_candidate = {c.id: c.member_id for c in uow.elections.candidates(election.id)}
    if term.holder_id not in {by_candidate.get(int(w)) for w in winners}:
        return [f"{where}: its holder did not win election {election.id}"]
    mandate = uow.mandates.get(term.mandate_id) if term.mandate_id is not None else None
    if mandate is None or not mandate.is_active:
        return [f"{where}: it rests on no mandate in force"]
    if mandate.holder_id != term.holder_id or mandate.council_id != office.council_id:
        return [f"{where}: it rests on a mandate of another holder or council"]
    return []


def _traces(uow: Any, offices: dict[int, Any]) -> list[str]:
    problems: list[str] = []
    latest = uow.stipend_motions.latest_applied()
    founding = uow.stipend_motions.founding_stipends()
    for row in uow.stipend_motions.all():
        motion = uow.motions.get(row["motion_id"])
        applied = row["applied_at"] is not None
        lapsed = row["lapsed_reason"] is not None
        if motion.status == "adopted" and not applied and not lapsed:
            problems.append(f"stipend motion {motion.id} was adopted but never applied")
        if applied and lapsed:
            problems.append(f"stipend motion {motion.id} was both applied and lapsed")
        if lapsed and motion.status != "adopted":
            problems.append(f"stipend motion {motion.id} lapsed but is {motion.status}")
        if applied and motion.status != "adopted":
            problems.append(f"stipend motion {motion.id} was applied but is {motion.status}")
    for office in offices.values():
        if office.stipend == 0:
            continue
        where = f"office {office.id} ({office.name}) pays {office.stipend}"
        if office.id in latest:
            motion_id, amount = latest[office.id]
            motion = uow.motions.get(motion_id)
            if motion.council_id != office.council_id:
                problems.append(f"{where} by motion {motion_id} of another council")
            elif office.stipend > amount:
                problems.append(f"{where}, more than its motion {motion_id} set ({amount})")
        elif office.stipend > founding.get(office.id, 0):
            problems.append(f"{where}: no adopted motion of its council and no founding act set it")
    return problems
