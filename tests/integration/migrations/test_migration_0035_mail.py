"""Migration 0035_mail (issue 27: mail survives a crash): notices written before it count as
mailed (their mail went, or was lost, with the process that wrote them): a mailer started after
the upgrade sends none of them, and the ones written after it wait for their mail."""

from __future__ import annotations

from sqlalchemy import text

from dualpower.services import notify
from dualpower.store.migrate import downgrade, upgrade

PENDING = text("SELECT count(*) FROM notifications WHERE mailed_at IS NULL")


def test_notices_from_before_count_as_mailed(system, federation) -> None:  # type: ignore[no-untyped-def]
    members = list(federation.members.values())[:5]
    downgrade(system.engine, "0034_h24b")  # as a database of before the columns were
    with system.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO notifications (member_id, kind, subject, link, created_at) "
                "VALUES (:member, 'election', 'Before', '/me', CURRENT_TIMESTAMP)"
            ),
            [{"member": m} for m in members],
        )
    upgrade(system.engine)
    with system.engine.connect() as conn:
        assert conn.execute(PENDING).scalar_one() == 0
        mailed = conn.execute(text("SELECT mailed_at, created_at FROM notifications")).all()
    assert len(mailed) == 5 and all(at == created for at, created in mailed)
    with system.uow() as uow:
        notify.notify(uow, members, "election", "After", "/me")
        uow.commit()
    with system.engine.connect() as conn:
        assert conn.execute(PENDING).scalar_one() == 5
