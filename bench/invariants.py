"""The federation state machine at length (issue 7, item 13): many random sequences of acts
(found, import a roll, elect, sign, withdraw, recall, recall vote, instruct, stance), with
`dualpower check`'s invariants and the audit log's verification after every step. Violations are
counted, not stopped at (target: 0).

    .venv/bin/python bench/invariants.py                        # 6,000 steps on SQLite
    .venv/bin/python bench/invariants.py --steps 1000000        # the issue's figure (hours)
    .venv/bin/python bench/invariants.py --db postgresql --steps 2000

The machine is tests/property/test_state_machine.py's; each example starts from a new database
(a copied migrated SQLite file, or a PostgreSQL database made from a migrated template) and runs
up to `--per-example` steps. It prints the steps run, the acts accepted and refused, the
violations, and how long a million steps would take at the measured rate.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "property")]

import test_state_machine as machine  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--steps", type=int, default=6000, help="at least this many steps")
    parser.add_argument("--per-example", type=int, default=100)
    parser.add_argument("--pg-url", default=os.environ.get("DUALPOWER_TEST_PG_URL", PG_URL))
    args = parser.parse_args()
    # tmpfs when there is one: fsync there is free, and the figure is about the rules, not disks
    base = "/dev/shm" if args.db == "sqlite" and os.path.isdir("/dev/shm") else None
    source = machine.Source(args.db, Path(tempfile.mkdtemp(dir=base)), args.pg_url)
    fm = machine.FederationMachine
    fm.steps, fm.violations, fm.acts = 0, [], {}
    began = time.monotonic()
    try:
        while fm.steps < args.steps:
            left = args.steps - fm.steps
            examples = max(1, left // args.per_example)
            machine.run(source, examples, args.per_example, strict=False)
    finally:
        source.close()
    seconds = time.monotonic() - began
    print(f"{args.db}: {fm.steps} steps in {seconds:.0f} s ({fm.steps / seconds:.0f} steps/s)")
    accepted = sum(a for a, _ in fm.acts.values())
    refused = sum(r for _, r in fm.acts.values())
    print(f"  acts: {accepted} accepted, {refused} refused")
    for act, (a, r) in sorted(fm.acts.items()):
        print(f"    {act:24} {a:7} accepted {r:7} refused")
    print(f"  violations: {len(fm.violations)}")
    for what, n in Counter(fm.violations).most_common(10):
        print(f"    {n} x {what}")
    hours = 1_000_000 / (fm.steps / seconds) / 3600
    print(f"  a million steps at this rate: {hours:.1f} h")
    sys.exit(1 if fm.violations else 0)


if __name__ == "__main__":
    main()
