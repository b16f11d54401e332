"""Whether a process can serve (services/health.py): a database that cannot be read makes it
unready with the driver's sentence, and the sealer's lag unknown; a working one is ready."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import create_engine

from dualpower.services import health
from dualpower.store.uow import utcnow
from factories import Small


def test_a_database_that_cannot_be_read_is_not_ready(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'no such directory' / 'x.db'}")
    try:
        assert health.sealer_lag(engine) is None
        report = health.readiness(SimpleNamespace(engine=engine, background={}))
    finally:
        engine.dispose()
    assert report["ready"] is False
    assert report["checks"]["database"]["ok"] is False
    assert "unable to open database file" in report["checks"]["database"]["error"]
    assert set(report["checks"]) == {"database"}  # nothing more is asked of it


def test_a_working_database_is_ready_and_a_silent_task_is_not(federation: Small) -> None:
    system = federation.system
    ready = health.readiness(SimpleNamespace(engine=system.engine, background={}))
    assert ready["ready"] and ready["checks"]["database"] == {"ok": True}
    assert ready["checks"]["sealer"]["ok"]
    assert health.pool_use(system.engine).keys() <= {"in_use", "idle", "size"}
    stale = utcnow() - health.BACKGROUND_STALE - timedelta(seconds=1)
    report = health.readiness(SimpleNamespace(engine=system.engine, background={"clock": stale}))
    assert not report["ready"] and not report["checks"]["clock"]["ok"]
