"""`dualpower backup FILE` and `dualpower restore FILE` (issue 23) on SQLite and PostgreSQL:
the copy holds everything, a restore goes only into an empty database and checks the audit log
and the invariants after loading."""

from __future__ import annotations

from pathlib import Path

from ops_support import dualpower
from ops_support import new_database as new_database  # a fixture
from sqlalchemy import func, select
from test_cli import one_clear_line

from dualpower.bootstrap import build
from dualpower.store import tables as t
from dualpower.store.db import make_engine
from dualpower.store.migrate import is_empty
from factories import small_federation


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.members, t.councils, t.audit_log, t.audit_heads, t.auth_tokens)
        }
    engine.dispose()
    return found


def test_backup_then_restore_into_an_empty_database(new_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = new_database()
    system = build(source)
    small_federation(system, elect=False)
    system.engine.dispose()
    file = tmp_path / "federation.backup"
    done = dualpower(source, "backup", str(file))
    assert done.returncode == 0 and file.stat().st_size > 0, done.stderr
    again = dualpower(source, "backup", str(file))
    assert again.returncode == 2 and "exists" in one_clear_line(again.stderr)

    target = new_database()
    restored = dualpower(target, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "entries intact" in restored.stdout and "every invariant holds" in restored.stdout
    assert _counts(target) == _counts(source) and _counts(target)["members"] > 0
    assert dualpower(target, "check").returncode == 0


def test_restore_refuses_a_database_that_is_not_empty(new_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = new_database()
    build(source).engine.dispose()
    file = tmp_path / "empty-federation.backup"
    assert dualpower(source, "backup", str(file)).returncode == 0
    before = _counts(source)
    refused = dualpower(source, "restore", str(file))
    assert refused.returncode == 2 and "not empty" in one_clear_line(refused.stderr)
    assert _counts(source) == before
    missing = dualpower(new_database(), "restore", str(tmp_path / "nothing.backup"))
    assert missing.returncode == 2 and "not a file" in one_clear_line(missing.stderr)


def test_a_file_that_is_no_backup_is_refused(new_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "notes.txt"
    file.write_text("not a database\n" * 100)
    target = new_database()
    refused = dualpower(target, "restore", str(file))
    assert refused.returncode == 2, refused.stderr
    one_clear_line(refused.stderr)
    engine = make_engine(target)
    assert is_empty(engine)  # nothing half-loaded
    engine.dispose()
