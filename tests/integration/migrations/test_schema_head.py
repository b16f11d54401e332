"""The head a command checks its database against without Alembic (store/migrate.py `HEAD`) is
the newest revision of the migration scripts, and a current database is found current, an older
or a newer one not, whichever way the answer is reached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from dualpower.store import migrate
from dualpower.store.db import make_engine


def test_head_is_the_newest_revision_of_the_scripts() -> None:
    assert migrate.head_revisions() == {migrate.HEAD}, (
        "a migration was added: set store/migrate.py HEAD to its revision"
    )


def test_a_current_database_is_found_current_without_loading_alembic(
    sqlite_template: Path,
) -> None:
    probe = (
        "import sys\n"
        "from dualpower.store.db import make_engine\n"
        "from dualpower.store.migrate import schema_status\n"
        f"status = schema_status(make_engine({f'sqlite:///{sqlite_template}'!r}))\n"
        "assert status.is_current, status\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_older_newer_and_empty_databases_are_told_apart(
    tmp_path: Path, sqlite_template: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert migrate.schema_status(engine).state == "empty"
    copy = tmp_path / "copy.db"
    copy.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{copy}")
    assert migrate.schema_status(engine).state == "current"
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0034_h24b'"))
    assert migrate.schema_status(engine).state == "outdated"
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_later'"))
    assert migrate.schema_status(engine).state == "newer"
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    assert migrate.schema_status(engine).state == "foreign"
    engine.dispose()
