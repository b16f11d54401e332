"""The Petrograd demo built once per test run (issue 27: a build is ~16 s of CPU on SQLite,
and a dozen modules walk it), shared by the xdist workers of the run.

The first user of the run builds it, under an exclusive lock on a file in the directory the
run's workers share, closes it, and leaves the database (one file), the summary it printed and
the moment of its last act beside the lock; every other user of the run waits on the lock and
finds them there. The build is reproducible (tests/e2e/cli/test_demo_reproducible.py: the same
seed, the same database row for row) and its clock is the replay's fixed 1917 clock, so a copy of
this build is what a build of its own would be. Each user gets a fresh copy: never the build."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from backends import copy_sqlite
from dualpower.bootstrap import System, build


@dataclass(frozen=True)
class Built:
    path: Path  # the demo as built, closed, in one file: copy it, never open it
    summary: str  # what the build printed (`dualpower demo` prints it)
    at: datetime  # the moment of its last act, where the demo's clock stands


def _shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's directory: under xdist each worker's base temp is a child of it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The run's demo, built by whoever asks first."""
    where = _shared(tmp_path_factory) / "petrograd-demo"
    where.mkdir(exist_ok=True)
    done = where / "built.json"  # written last: the build is whole when it is there
    with open(where / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            _build(where, done)
        found = json.loads(done.read_text(encoding="utf-8"))
    return Built(where / "demo.db", found["summary"], datetime.fromisoformat(found["at"]))


def _build(where: Path, done: Path) -> None:
    from dualpower.scenarios.petrograd import build_demo

    system, summary = build_demo(f"sqlite:///{where / 'build.db'}")
    at = system.clock()
    system.engine.dispose()  # its sealer seals what is pending, then stops
    with sqlite3.connect(where / "build.db") as src, sqlite3.connect(where / "demo.db") as dst:
        src.backup(dst)  # one file, whatever the write-ahead log still held
    src.close()
    dst.close()
    written = where / "built.json.part"
    written.write_text(json.dumps({"summary": summary, "at": at.isoformat()}), encoding="utf-8")
    written.replace(done)


def copy(demo: Built, target: Path) -> System:
    """A fresh copy of the demo at `target`, with a system on it as the build left it: the
    demo's fixed clock at its last act (as `build_demo` returns it)."""
    from dualpower.scenarios.petrograd import ScenarioClock

    copy_sqlite(demo.path, target)
    system = build(f"sqlite:///{target}", migrate=False)
    system.clock = ScenarioClock(demo.at)
    return system
