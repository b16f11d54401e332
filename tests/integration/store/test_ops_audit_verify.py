"""`audit verify` only reads (issue 23): sealing is the sequencer's alone, so an entry written
behind its back is reported, never sealed by the verifier and then found intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from dualpower.bootstrap import System
from dualpower.services.audit import SEALED_WITHIN, verify_log
from dualpower.store import tables as t
from dualpower.store.sequencer import settle

LOG, HEADS = t.audit_log, t.audit_heads


def _act(system: System, n: int) -> None:
    with system.uow() as uow:
        uow.record("test.act", {"n": n}, actor="tester")
        uow.commit()
    settle(system.engine)


def _insert_unsealed(system: System, recorded_at: datetime) -> None:
    with system.engine.begin() as conn:
        conn.execute(
            insert(LOG).values(
                act="test.forged",
                payload="{}",
                actor=None,
                is_operator=False,
                recorded_at=recorded_at.isoformat(),
            )
        )


def _counts(system: System) -> tuple[int, int]:
    with system.engine.connect() as conn:
        unsealed = conn.execute(select(func.count()).where(LOG.c.seq.is_(None))).scalar_one()
        heads = conn.execute(select(func.count()).select_from(HEADS)).scalar_one()
    return unsealed, heads


def test_an_old_unsealed_entry_is_reported_and_left_alone(system: System) -> None:
    for n in range(3):
        _act(system, n)
    now = datetime.now(UTC)
    _insert_unsealed(system, now - SEALED_WITHIN - timedelta(seconds=5))
    before = _counts(system)
    report = verify_log(system.engine, now=now)
    assert not report.ok and report.first_bad == 3
    assert "test.forged" in report.reason and "unsealed" in report.reason
    assert _counts(system) == before == (1, 3)  # verify sealed nothing, published no head


def test_a_fresh_unsealed_entry_is_not_yet_a_fault(system: System) -> None:
    _act(system, 0)
    now = datetime.now(UTC)
    _insert_unsealed(system, now)
    report = verify_log(system.engine, now=now)
    assert report.ok and report.size == 1, report.reason
    assert _counts(system) == (1, 1)
    assert not verify_log(system.engine, now=now + SEALED_WITHIN * 2).ok
