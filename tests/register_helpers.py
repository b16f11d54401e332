"""Helpers for the register's tests: a council secretary holding record_directive and the
record_stance the council gave it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from dualpower.domain.capabilities import RECORD_DIRECTIVE, RECORD_STANCE
from dualpower.store import tables as t

AT = datetime(1917, 4, 1, tzinfo=UTC)


def secretary(  # type: ignore[no-untyped-def]
    fed,
    council: str,
    capabilities: tuple[str, ...] = (RECORD_DIRECTIVE, RECORD_STANCE),
    *,
    deputy: int = 0,
    name: str = "secretary",
) -> int:
    """Give a deputy of `council` (the first) an office carrying record_directive and the
    record_stance the council gave it (or these `capabilities`); their id."""
    council_id = fed.councils[council]
    with fed.system.uow() as uow:
        mandate = uow.mandates.active_in_council(council_id)[deputy]
        office = uow.offices.add(
            council_id=council_id,
            name=name,
            capabilities=list(capabilities),
            stipend=0,
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
