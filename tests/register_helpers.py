"""Helpers for the register's tests: a council secretary holding record_directive."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from dualpower.domain.capabilities import RECORD_DIRECTIVE
from dualpower.store import tables as t

AT = datetime(1917, 4, 1, tzinfo=UTC)


def secretary(fed, council: str) -> int:  # type: ignore[no-untyped-def]
    """Give the first deputy of `council` an office carrying record_directive; their id."""
    council_id = fed.councils[council]
    with fed.system.uow() as uow:
        mandate = uow.mandates.active_in_council(council_id)[0]
        office = uow.offices.add(
            council_id=council_id, name="secretary", capabilities=[RECORD_DIRECTIVE], stipend=0
        )
        uow.conn.execute(
            insert(t.office_terms).values(
                office_id=office,
                holder_id=mandate.holder_id,
                mandate_id=mandate.id,
                election_id=mandate.election_id,
                start_at=AT,
            )
        )
        uow.commit()
    return mandate.holder_id
