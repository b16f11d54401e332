"""Invariants of offices and pay (DESIGN.md 2.1, 2.4), run by `dualpower check`.

- No capability without an office from a closed election: every active term was given by a
  closed election of its own office, won by its holder.
- No office term on an ended mandate; the mandate is its holder's, in the office's council.
- No stipend above its council's cap, and no person's stipends together above their cap.
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
