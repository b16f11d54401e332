"""An upgrade from the previous release's schema (revision 0015, issue 23), on SQLite and
PostgreSQL: a backup of a database at 0015 with a little data is restored into a new database,
migrated by `dualpower migrate`, and then passes `check` and `audit verify` with its data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ops_support import dualpower
from ops_support import new_database as new_database  # a fixture
from sqlalchemy import MetaData, Table, insert, select

from dualpower.store.db import make_engine
from dualpower.store.migrate import upgrade


def _database_at_0015(url: str) -> None:
    """The schema of revision 0015, and rows written as that release wrote them."""
    engine = make_engine(url)
    upgrade(engine, "0015")
    tables = MetaData()
    federations = Table("federations", tables, autoload_with=engine)
    factions = Table("factions", tables, autoload_with=engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        fed = conn.execute(
            insert(federations)
            .values(name="Old Soviet", founded_at=now, sections=[], is_demo=False)
            .returning(federations.c.id)
        ).scalar_one()
        conn.execute(
            insert(factions).values(
                federation_id=fed, name="Workers' Party", short="W", colour="#aa0000", platform=""
            )
        )
    engine.dispose()


def test_a_0015_backup_is_restored_migrated_and_checked(new_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old = new_database()
    _database_at_0015(old)
    file = tmp_path / "release-0015.backup"
    assert dualpower(old, "backup", str(file)).returncode == 0

    target = new_database()
    restored = dualpower(target, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "run `dualpower migrate`" in restored.stdout
    refused = dualpower(target, "check")
    assert refused.returncode == 2 and "dualpower migrate" in refused.stderr

    migrated = dualpower(target, "migrate")
    assert migrated.returncode == 0 and "from 0015 to" in migrated.stdout, migrated.stderr
    checked = dualpower(target, "check")
    assert checked.returncode == 0, checked.stderr
    assert dualpower(target, "audit", "verify").returncode == 0
    engine = make_engine(target)
    names = Table("federations", MetaData(), autoload_with=engine).c.name
    with engine.connect() as conn:
        assert conn.execute(select(names)).scalars().all() == ["Old Soviet"]
    engine.dispose()
