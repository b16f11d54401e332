"""Whether a server process can serve (issue 23): its database answers, the schema is the one
this code needs, the audit sealer keeps up, and the background tasks (the clock) run.

Background tasks report themselves in `System.background` (task name -> when it last ran, an
aware datetime or a `time.time()`); a task silent for longer than BACKGROUND_STALE makes the
process unready.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dualpower.store import health as probe
from dualpower.store.db import Database
from dualpower.store.migrate import schema_status
from dualpower.store.uow import utcnow

SEALER_LAG_MAX = timedelta(seconds=60)  # as services/audit.py's SEALED_WITHIN
BACKGROUND_STALE = timedelta(minutes=5)


def sealer_lag(engine: Database, now: datetime | None = None) -> float | None:
    """Seconds the oldest unsealed audit entry has waited (0.0 when none); None when the
    database cannot be read."""
    try:
        oldest = probe.oldest_unsealed_at(engine)
    except probe.Unreadable:
        return None
    if oldest is None:
        return 0.0
    try:
        waited = (now or utcnow()) - datetime.fromisoformat(oldest)
    except (TypeError, ValueError):
        return None
    return max(waited.total_seconds(), 0.0)


def pool_use(engine: Database) -> dict[str, int]:
    return probe.pool_use(engine)


def background_ages(system: Any, now: datetime | None = None) -> dict[str, float]:
    """Seconds since each task last ran; a task notes an aware datetime or time.time()."""
    now = now or utcnow()
    tasks: dict[str, Any] = dict(getattr(system, "background", None) or {})
    ages = {}
    for name, at in tasks.items():
        ran = datetime.fromtimestamp(at, UTC) if isinstance(at, int | float) else at
        ages[name] = max((now - ran).total_seconds(), 0.0)
    return ages


def readiness(system: Any) -> dict[str, Any]:
    """Each check with `ok` and what it found; `ready` when all hold."""
    engine: Database = system.engine
    checks: dict[str, dict[str, Any]] = {}
    try:
        probe.answers(engine)
        checks["database"] = {"ok": True}
    except probe.Unreadable as error:
        checks["database"] = {"ok": False, "error": str(error)}
    if checks["database"]["ok"]:
        status = schema_status(engine)
        checks["schema"] = {"ok": status.is_current, "state": status.state, **status.revisions()}
        lag = sealer_lag(engine)
        checks["sealer"] = {
            "ok": lag is not None and lag <= SEALER_LAG_MAX.total_seconds(),
            "lag_seconds": lag,
        }
    for name, age in background_ages(system).items():
        checks[name] = {"ok": age <= BACKGROUND_STALE.total_seconds(), "last_run_seconds": age}
    return {"ready": all(c["ok"] for c in checks.values()), "checks": checks}
