"""Crash recovery, the reduced run of bench/crash.py (issue 7, item 2): `dualpower serve` takes
ballots and signatures from concurrent writers and is killed with SIGKILL at random moments,
restarted each time; afterwards every acknowledged write is present, SQLite's integrity check
passes, and `dualpower audit verify` and `dualpower check` exit 0. The full run (100 kills) is
`.venv/bin/python bench/crash.py`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "crash.py"
PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
RUNS = [("sqlite", 5)] + ([("postgresql", 3)] if PG_URL else [])


def crash_run(db: str, kills: int, workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["--db", db, "--kills", str(kills), "--members", "240", "--writers", "4"]
    args += ["--min", "0.3", "--max", "1.0", "--workdir", str(workdir), *extra]
    if db == "postgresql":
        assert PG_URL is not None
        name = f"dp_crash_{uuid.uuid4().hex[:8]}"  # parallel workers keep apart
        args += ["--pg-url", PG_URL, "--pg-database", name, "--drop"]
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
@pytest.mark.parametrize(("db", "kills"), RUNS, ids=[db for db, _ in RUNS])
def test_every_acknowledged_write_survives_sigkill(db: str, kills: int, tmp_path: Path) -> None:
    done = crash_run(db, kills, tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert f"{db}: {kills} kills" in out
    assert "  missing: 0" in out
    assert "unexpected answers (5xx or other): 0" in out
    assert "dualpower audit verify: exit 0" in out
    assert "dualpower check: exit 0" in out
    if db == "sqlite":
        assert "integrity_check: ok" in out
    acknowledged = int(out.split("acknowledged writes: ")[1].split()[0])
    assert acknowledged > 0
