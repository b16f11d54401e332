"""Read-only views of offices and pay, for the API and the pages: public, one transaction each.

`/pay` lists every office's stipend (holder null when vacant) and the cap: the federation's median
wage (null while no wage is reported); each council's own cap is listed beside it.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain import errors
from dualpower.services import pay
from dualpower.store.uow import UnitOfWork


def _names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    table = uow.members.table
    return {m.id: m.display_name for m in uow.members.list(table.c.id.in_(list(ids)))}


def _rows(uow: UnitOfWork, council_id: int | None = None) -> list[dict[str, Any]]:
    table = uow.offices.table
    where = [table.c.council_id == council_id] if council_id is not None else []
    offices = uow.offices.list(*where)
    terms = {t.office_id: t for t in uow.office_terms.active()}
    names = _names(uow, {t.holder_id for t in terms.values()})
    rows = []
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


def council_offices(uow: UnitOfWork, council_id: int) -> list[dict[str, Any]]:
    """A council's offices with their holders now, stipends and capabilities."""
    with uow:
        council = uow.councils.get(council_id)
        if council is None:
            raise errors.NotFound(f"there is no council {council_id}")
        return _rows(uow, council_id)


def council_pay(uow: UnitOfWork, council_id: int) -> dict[str, Any]:
    """The council's offices, its cap and whose median gives it."""
    with uow:
        council = uow.councils.get(council_id)
        if council is None:
            raise errors.NotFound(f"there is no council {council_id}")
        return {
            "council_id": council.id,
            "scope": council.pay_cap_scope if not council.is_chief else "federation",
            "cap": pay.caps(uow)[council.id],
            "offices": _rows(uow, council_id),
        }


def pay_listing(uow: UnitOfWork) -> dict[str, Any]:
    """Every stipend and the cap (DESIGN.md 4.1 `GET /pay`), with each council's cap."""
    with uow:
        council_caps = pay.caps(uow)
        councils = {c.id: c for c in uow.councils.list()}
        rows = _rows(uow)
        reported = uow.wages.by_unit()
        return {
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
