"""The cap of ordinary pay, read inside an act's transaction (DESIGN.md 2.4; the rules are in
domain/offices.py). Used by the office use cases, by elections when an office's holder takes
office, and after every wage report, which may lower a cap and the stipends above it."""

from __future__ import annotations

from typing import Any

from dualpower.domain import offices as rules
from dualpower.domain.model import Council, Office
from dualpower.store.uow import UnitOfWork


def caps(uow: UnitOfWork) -> dict[int, int | None]:
    """Each council's cap now: its territory's median wage or the federation's."""
    councils = uow.councils.list()
    parents = {c.id: c.parent_id for c in councils}
    units = uow.units.list()
    by_unit = uow.wages.amounts_by_unit()  # read once, not once a council
    federation = rules.median(a for amounts in by_unit.values() for a in amounts)
    out: dict[int, int | None] = {}
    for council in councils:
        if council.pay_cap_scope == "territory" and not council.is_chief:
            under = rules.territory_councils(parents, council.id)
            unit_ids = [u.id for u in units if u.council_id in under]
            out[council.id] = rules.median(a for u in unit_ids for a in by_unit.get(u, []))
        else:
            out[council.id] = federation
    return out


def cap_of(uow: UnitOfWork, council: Council) -> int | None:
    """One council's cap, as `caps` gives it, reading its own territory only (a council's
    page: not every council's territory of the federation)."""
    if council.pay_cap_scope != "territory" or council.is_chief:
        return federation_cap(uow)
    under = rules.territory_councils(uow.councils.parents(), council.id)
    return rules.median(uow.wages.amounts(uow.units.ids_in_councils(under)))


def federation_cap(uow: UnitOfWork) -> int | None:
    return rules.median(uow.wages.amounts())


def check_holder(
    uow: UnitOfWork,
    member_id: int,
    *,
    taking: Office | None = None,
    changed: dict[int, int] | None = None,
    known_caps: dict[int, int | None] | None = None,
) -> None:
    """Refuse when `member_id`'s stipends together (with the office they are `taking`, and
    with `changed` stipends by office id) would exceed their cap."""
    council_caps = known_caps if known_caps is not None else caps(uow)
    held: dict[int, Office] = {}
    for term in uow.office_terms.active_of_holder(member_id):
        office = uow.offices.get(term.office_id)
        assert office is not None
        held[office.id] = office
    if taking is not None:
        held[taking.id] = taking
    amounts = [(changed or {}).get(o.id, o.stipend) for o in held.values()]
    who = _name(uow, member_id)
    rules.check_together(amounts, [council_caps[o.council_id] for o in held.values()], who)


def _name(uow: UnitOfWork, member_id: int) -> str:
    member = uow.members.get(member_id)
    return member.display_name if member else f"member {member_id}"


def enforce(uow: UnitOfWork, actor: str | None, is_operator: bool = False) -> list[dict[str, Any]]:
    """Lower every stipend above its council's cap, then every person's stipends above their
    cap together (latest terms first). Each change is logged as `office.lower_stipend`. Every
    office is locked first, so a stipend adopted meanwhile is read after its commit."""
    uow.pay_locks.all_offices()
    council_caps = caps(uow)
    changes: list[dict[str, Any]] = []

    def lower(office: Office, amount: int) -> None:
        uow.offices.set(office.id, stipend=amount)
        change = {"office": office.id, "from": office.stipend, "to": amount}
        changes.append(change)
        uow.record("office.lower_stipend", change, actor=actor, is_operator=is_operator)
        office.stipend = amount

    offices = {o.id: o for o in uow.offices.list()}
    for office in offices.values():
        limit = rules.allowed(council_caps[office.council_id])
        if office.stipend > limit:
            lower(office, limit)
    holders: dict[int, list[int]] = {}
    for term in sorted(uow.office_terms.active(), key=lambda t: t.id, reverse=True):
        holders.setdefault(term.holder_id, []).append(term.office_id)  # latest term first
    for office_ids in holders.values():
        held = [offices[i] for i in office_ids]
        limit = rules.person_cap(council_caps[o.council_id] for o in held)
        for office, amount in zip(
            held, rules.lowered([o.stipend for o in held], limit), strict=True
        ):
            if amount != office.stipend:
                lower(office, amount)
    return changes
