"""Read-only views of offices and pay, for the API and the pages: public, one transaction each.

`/pay` lists every office's stipend (holder null when vacant) and the cap: the federation's median
wage (null while no wage is reported); each council's own cap is listed beside it.

What a council's page reads (`council_pay_in`) is typed (the TypedDicts below).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from dualpower.domain import errors
from dualpower.services import office_terms, pay
from dualpower.services.authority import capabilities_of
from dualpower.services.cycle import runs_elections
from dualpower.store.uow import UnitOfWork


class OfficeRow(TypedDict):
    """An office with its holder now (None when vacant), stipend and capabilities."""

    id: int
    council_id: int
    name: str
    holder_id: int | None
    holder_name: str | None
    term_id: int | None
    since: datetime | None
    stipend: int
    capabilities: list[str]


class CouncilPay(TypedDict):
    """A council's offices, its cap and whose median wage gives it."""

    council_id: int
    scope: str  # "federation" or "territory"
    cap: int | None
    offices: list[OfficeRow]


def _names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    table = uow.members.table
    return {m.id: m.display_name for m in uow.members.list(table.c.id.in_(list(ids)))}


def _ended_posts(uow: UnitOfWork) -> set[int]:
    """The steward posts of closed sessions: their term ended with the session (issue 25), so
    they are no offices of the council any more, vacant or paid; the session's page keeps them."""
    posts = uow.steward_posts.all()
    closed = {s: uow.sessions.get(s) for s in set(posts.values())}
    return {
        o for o, s in posts.items() if (found := closed[s]) is not None and found.status == "closed"
    }


def _rows(uow: UnitOfWork, council_id: int | None = None) -> list[OfficeRow]:
    table = uow.offices.table
    where = [table.c.council_id == council_id] if council_id is not None else []
    offices = [o for o in uow.offices.list(*where) if o.id not in _ended_posts(uow)]
    where_terms = []
    if council_id is not None:  # the council's offices' terms, not every council's
        where_terms = [uow.office_terms.table.c.office_id.in_([o.id for o in offices])]
    terms = {t.office_id: t for t in uow.office_terms.active(*where_terms)}
    names = _names(uow, {t.holder_id for t in terms.values()})
    rows: list[OfficeRow] = []
    for office in offices:
        term = terms.get(office.id)
        rows.append(
            {
                "id": office.id,
                "council_id": office.council_id,
                "name": office.name,
                "holder_id": term.holder_id if term else None,
                "holder_name": names.get(term.holder_id, "") if term else None,
                "term_id": term.id if term else None,
                "since": term.start_at if term else None,
                "stipend": office.stipend,
                "capabilities": list(office.capabilities),
            }
        )
    return rows


def council_offices(uow: UnitOfWork, council_id: int) -> list[OfficeRow]:
    """A council's offices with their holders now, stipends and capabilities."""
    with uow:
        errors.must_exist(uow.councils.get(council_id), f"there is no council {council_id}")
        return _rows(uow, council_id)


def council_pay(uow: UnitOfWork, council_id: int) -> CouncilPay:
    with uow:
        return council_pay_in(uow, council_id)


def council_pay_in(uow: UnitOfWork, council_id: int) -> CouncilPay:
    """The council's offices, its cap and whose median gives it."""
    council = uow.councils.get(council_id)
    if council is None:
        raise errors.NotFound(f"there is no council {council_id}")
    return {
        "council_id": council.id,
        "scope": council.pay_cap_scope if not council.is_chief else "federation",
        "cap": pay.cap_of(uow, council),
        "offices": _rows(uow, council_id),
    }


def pay_listing(uow: UnitOfWork) -> dict[str, Any]:
    """Every stipend and the cap (DESIGN.md 4.1 `GET /pay`), with each council's cap."""
    with uow:
        council_caps = pay.caps(uow)
        councils = {c.id: c for c in uow.councils.list()}
        rows = _rows(uow)
        reported = uow.wages.by_unit()
        fed = uow.federations.only()
        return {
            "currency": fed.currency if fed else "XXX",
            "cap": pay.federation_cap(uow),
            "wages_reported": sum(n for n, _ in reported.values()),
            "units_reporting": len(reported),
            "stipends": [
                {
                    "office_id": r["id"],
                    "office_name": r["name"],
                    "council_id": r["council_id"],
                    "council_name": councils[r["council_id"]].name,
                    "holder_id": r["holder_id"],
                    "holder_name": r["holder_name"],
                    "amount": r["stipend"],
                    "cap": council_caps[r["council_id"]],
                }
                for r in rows
            ],
            "councils": [
                {
                    "id": c.id,
                    "name": c.name,
                    "scope": "federation" if c.is_chief else c.pay_cap_scope,
                    "cap": council_caps[c.id],
                }
                for c in councils.values()
            ],
        }


def stipend_motions(uow: UnitOfWork, council_id: int) -> list[dict[str, Any]]:
    """The council's stipend motions, newest first: office, amount, the motion's status."""
    with uow:
        offices = {o.id: o for o in uow.offices.list(uow.offices.table.c.council_id == council_id)}
        rows = []
        for row in reversed(uow.stipend_motions.all()):
            if row["office_id"] not in offices:
                continue
            motion = uow.motions.get(row["motion_id"])
            rows.append(
                {
                    "motion_id": row["motion_id"],
                    "office_name": offices[row["office_id"]].name,
                    "amount": row["amount"],
                    "status": motion.status if motion else "",
                    "applied_at": row["applied_at"],
                }
            )
        return rows


def council_acts(uow: UnitOfWork, council_id: int, member_id: int) -> dict[str, Any]:
    """What `member_id` may do here, for the page's forms: their capabilities in the council,
    whether they are its deputy, its open office elections, its units, their own terms."""
    with uow:
        held = capabilities_of(uow, member_id, council_id)
        deputies = office_terms.deputies(uow, council_id)
        is_deputy = member_id in deputies
        offices = {o.id: o for o in uow.offices.list(uow.offices.table.c.council_id == council_id)}
        table = uow.elections.table
        open_elections = [
            {
                "id": e.id,
                "office_name": offices[e.office_id].name,
                "is_candidate": any(
                    c.member_id == member_id for c in uow.elections.candidates(e.id)
                ),
            }
            for e in uow.elections.list(
                table.c.office_id.in_(list(offices)), table.c.status == "open"
            )
            if e.kind != "recall" and e.office_id is not None
        ]
        terms = [
            {"id": t.id, "office_name": offices[t.office_id].name, "holder_id": t.holder_id}
            for t in uow.office_terms.of_council(council_id)
        ]
        units = [u for u in uow.units.list() if u.council_id == council_id]
        return {
            "capabilities": held,
            "is_deputy": is_deputy,
            "may_run_elections": runs_elections(uow, member_id, council_id),
            "open_elections": open_elections,
            "terms": terms,
            "my_terms": [t for t in terms if t["holder_id"] == member_id],
            "units": [{"id": u.id, "name": u.name} for u in units],
        }


def member_id_by_username(uow: UnitOfWork, username: str) -> int:
    with uow:
        member = uow.members.by_username(username.strip())
        if member is None:
            raise errors.InvalidRequest(f"there is no member {username.strip()!r}")
        return member.id


def council_of(
    uow: UnitOfWork,
    *,
    office_id: int | None = None,
    election_id: int | None = None,
    term_id: int | None = None,
) -> int:
    """The council of an office, an office election or an office term (404 when none)."""
    with uow:
        if election_id is not None:
            office_id = office_terms.get_office_election(uow, election_id)[1].id
        if term_id is not None:
            term = uow.office_terms.get(term_id)
            if term is None:
                raise errors.NotFound(f"there is no office term {term_id}")
            office_id = term.office_id
        office = uow.offices.get(office_id or 0)
        if office is None:
            raise errors.NotFound(f"there is no office {office_id}")
        return int(office.council_id)


def office_listing(uow: UnitOfWork, council_id: int | None = None) -> list[dict[str, Any]]:
    """Every office (or a council's): council, holder, stipend, capabilities, and its cap."""
    with uow:
        councils = {c.id: c for c in uow.councils.list()}
        if council_id is not None and council_id not in councils:
            raise errors.NotFound(f"there is no council {council_id}")
        council_caps = pay.caps(uow)
        return [
            {
                **row,
                "council_name": councils[row["council_id"]].name,
                "cap": council_caps[row["council_id"]],
            }
            for row in _rows(uow, council_id)
        ]


def unit_id(uow: UnitOfWork, ref: str) -> int:
    """A base unit by its id or its exact name."""
    with uow:
        units = uow.units.list()
        found = [u for u in units if str(u.id) == ref.strip() or u.name == ref.strip()]
        if not found:
            raise errors.NotFound(f"there is no base unit {ref!r}")
        return int(found[0].id)
