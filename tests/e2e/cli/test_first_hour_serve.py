"""Issue 25, defect 11: `dualpower serve` after `dualpower demo`, in the same directory and with
no DUALPOWER_DATABASE_URL, opened (and left behind) an empty ./dualpower.db. It now creates
nothing, exits 2 and says which database it looked for and how to serve the demo's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from test_cli import DUALPOWER


def test_serve_without_a_database_names_the_demo_one_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "dualpower-demo.db").write_bytes(b"")  # as `dualpower demo` leaves it here
    env = {k: v for k, v in os.environ.items() if k != "DUALPOWER_DATABASE_URL"}
    assert DUALPOWER
    done = subprocess.run(
        [DUALPOWER, "serve", "--port", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    said = done.stderr.strip()
    assert len(said.splitlines()) == 1 and "Traceback" not in said
    assert "dualpower.db" in said and "dualpower init" in said
    assert "DUALPOWER_DATABASE_URL=sqlite:///dualpower-demo.db dualpower serve" in said
    assert not (tmp_path / "dualpower.db").exists()
