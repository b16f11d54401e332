"""Migration 0032_h25 (issue 25, defect 7): a stipend motion put before it keeps the stipend it
would change, read back from its `stipend.propose` entry in the audit log ("from"), so its text
can be said again in the reader's language; the log still verifies."""

from __future__ import annotations

from sqlalchemy import text

from dualpower.services import stipends
from dualpower.services.audit import verify_log
from dualpower.store.migrate import downgrade, upgrade
from offices_support import setup_offices


def test_the_stipend_before_is_read_back_from_the_log(system, federation) -> None:  # type: ignore[no-untyped-def]
    o = setup_offices(federation, stipend=300)
    motion = stipends.propose_stipend(system.uow(), o.deputies[1], o.office["chair"], 450)
    with system.uow() as uow:
        assert uow.stipend_motions.previous(motion) == 300
    downgrade(system.engine, "0031")  # as a database of before the column was
    upgrade(system.engine, "0032_h25")
    with system.engine.connect() as conn:
        query = text("SELECT previous FROM stipend_motions WHERE motion_id = :motion")
        assert conn.execute(query, {"motion": motion}).scalar_one() == 300
    upgrade(system.engine)
    assert verify_log(system.engine).ok
