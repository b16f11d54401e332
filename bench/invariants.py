"""The federation state machine at length (issue 7, item 13): many random sequences of acts
(found, import a roll, elect, sign, withdraw, recall, recall vote, instruct, stance), with
`dualpower check`'s invariants and the audit log's verification after every step. Violations are
counted, not stopped at (target: 0).

    .venv/bin/python bench/invariants.py                          # 6,000 steps on SQLite
    .venv/bin/python bench/invariants.py --steps 1000000 --jobs 2 # the issue's figure
    .venv/bin/python bench/invariants.py --db postgresql --steps 2000

The machine is tests/property/test_state_machine.py's; each example starts from a new database
(a copy of one migrated SQLite file on tmpfs, or a PostgreSQL database made from a migrated
template: nothing is migrated per example) and runs up to `--per-example` steps.

What is checked after every step: the CI test's checks (its docstring says how they are kept
linear in an example's length) --

- `services.check.check` -- every invariant `dualpower check` runs -- after every step that
  accepted an act, committed anything (SQLite: `PRAGMA data_version`; PostgreSQL: the next
  transaction id) or moved the clock; after any other step the previous verdict stands;
- a refused act left the audit log as it was; an act that raised anything but a DomainError
  is a violation;
- the audit log *incrementally*: the entries sealed since the last step are verified as
  `dualpower audit verify` does, chained from where the last verification ended
  (`verify_log(since=)`);
- at the end of every example and, here, every `--full-every` steps (default 25): the full
  `check` and the full `verify_log` from entry 0 (`--full-every 1`: full checks every step).

Several worker processes (`--jobs`) run in parallel with different seeds; the figures are the
sum. It prints the steps, the acts accepted and refused, the violations, steps/s, and how long a
million steps take at that rate; with `--progress N` each worker prints a line every N steps.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "property")]

import hypothesis.core  # noqa: E402
import test_state_machine as machine  # noqa: E402
from hypothesis.stateful import invariant  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"


class BenchMachine(machine.FederationMachine):
    """The CI test's machine and checks (incremental log verification, the last verdict kept
    after a step that changed nothing), with a full check and full verification every
    `full_every` steps of an example besides the one at its end."""

    full_every: int = 25
    full_checks: ClassVar[int] = 0
    full_verifies: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self.own_steps = 0

    tag = ""
    chunk = 0
    shown: set[str] = set()

    def _violation(self, what: str) -> None:
        """Count it (the summary) and print it at once, the first time each text is met, with
        what reproduces it: the worker, the chunk (`--seed`, `--first-chunk`) and the step."""
        super()._violation(what)
        if what not in self.shown:
            self.shown.add(what)
            print(
                f"[{self.tag}] VIOLATION at step {self.steps} (chunk {self.chunk}, step "
                f"{self.own_steps} of its example): {what}",
                flush=True,
            )

    @invariant()
    def invariants_hold(self) -> None:  # replaces the CI test's (same name)
        self.own_steps += 1
        if self.own_steps % self.full_every == 0:
            type(self).steps += 1
            type(self).full_checks += 1
            type(self).full_verifies += 1
            self._check(" (full)")
            self._verify_log(None)
            self.seen = None  # the next step checks again
        else:
            super().invariants_hold()


def work(args: argparse.Namespace, seed: int, steps: int, tag: str) -> dict[str, Any]:
    """One worker: run the machine until `steps` steps; return its figures."""
    base = "/dev/shm" if args.db == "sqlite" and os.path.isdir("/dev/shm") else None
    source = machine.Source(args.db, Path(tempfile.mkdtemp(dir=base)), args.pg_url)
    bm = BenchMachine
    bm.steps, bm.violations, bm.acts = 0, [], {}
    bm.full_verifies = bm.full_checks = bm.unchanged = 0
    bm.full_every = args.full_every
    began, cpu = time.monotonic(), time.process_time()
    bm.tag, bm.shown = tag, set()
    shown, chunk = 0, args.first_chunk
    try:
        while bm.steps < steps:
            # at least 5: hypothesis starts every run with its simplest example (no acts)
            examples = max(5, min(args.chunk, (steps - bm.steps) // args.per_example))
            hypothesis.core.global_force_seed = seed * 100_000 + chunk  # reproducible
            bm.chunk = chunk
            chunk += 1
            run(source, examples, args.per_example)
            if args.progress and bm.steps - shown >= args.progress:
                shown = bm.steps
                rate = bm.steps / (time.monotonic() - began)
                print(
                    f"[{tag}] {bm.steps} steps, {len(bm.violations)} violations, "
                    f"{rate:.1f} steps/s, {time.monotonic() - began:.0f} s",
                    flush=True,
                )
    finally:
        source.close()
        shutil.rmtree(source.workdir, ignore_errors=True)
    return {
        "steps": bm.steps,
        "violations": list(bm.violations),
        "acts": {k: list(v) for k, v in bm.acts.items()},
        "full_verifies": bm.full_verifies,
        "full_checks": bm.full_checks,
        "unchanged": bm.unchanged,
        "seconds": time.monotonic() - began,
        "cpu": time.process_time() - cpu,
    }


def run(source: machine.Source, examples: int, steps: int) -> None:
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    BenchMachine.source = source
    BenchMachine.strict = False
    run_state_machine_as_test(
        BenchMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


def _work(job: tuple[argparse.Namespace, int, int, str]) -> dict[str, Any]:
    return work(*job)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--steps", type=int, default=6000, help="at least this many steps")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--seed", type=int, default=None, help="worker i uses seed+i")
    parser.add_argument("--per-example", type=int, default=100)
    parser.add_argument("--full-every", type=int, default=25, help="full audit verify period")
    parser.add_argument("--chunk", type=int, default=100, help="examples per hypothesis run")
    parser.add_argument("--progress", type=int, default=0, help="print every N steps")
    parser.add_argument(
        "--first-chunk", type=int, default=0, help="start at this chunk (to replay a violation)"
    )
    parser.add_argument("--pg-url", default=os.environ.get("DUALPOWER_TEST_PG_URL", PG_URL))
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    share = -(-args.steps // args.jobs)
    jobs = [(args, seed + i, share, f"w{i}") for i in range(args.jobs)]
    print(
        f"{args.db}: {args.steps} steps, {args.jobs} worker(s), "
        f"seeds {seed}..{seed + args.jobs - 1}, "
        f"full audit verify every {args.full_every} steps and after every example",
        flush=True,
    )
    began = time.monotonic()
    if args.jobs == 1:
        results = [_work(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(_work, jobs)
    seconds = time.monotonic() - began
    steps = sum(r["steps"] for r in results)
    violations = [v for r in results for v in r["violations"]]
    acts: dict[str, list[int]] = {}
    for r in results:
        for act, (a, f) in r["acts"].items():
            acts.setdefault(act, [0, 0])
            acts[act][0] += a
            acts[act][1] += f
    full = sum(r["full_verifies"] for r in results)
    cpu = sum(r["cpu"] for r in results)
    print(f"{args.db}: {steps} steps in {seconds:.0f} s ({steps / seconds:.1f} steps/s)")
    print(f"  CPU time of the workers: {cpu:.0f} s ({steps / cpu:.1f} steps per CPU second)")
    full_checks = sum(r["full_checks"] for r in results)
    unchanged = sum(r["unchanged"] for r in results)
    print(
        f"  checked after each of the {steps} steps: {steps - full_checks - unchanged} by check"
        " + incremental audit verify; "
        f"{full_checks} by the full check + full audit verify (every --full-every steps); "
        f"{full} full audit verifications in all; "
        f"{unchanged} steps changed nothing (no act, commit or time), so the previous verdict"
        " stands; and a full check + verify at the end of every example"
    )
    accepted = sum(a for a, _ in acts.values())
    refused = sum(r for _, r in acts.values())
    print(f"  acts: {accepted} accepted, {refused} refused")
    for act, (a, r) in sorted(acts.items()):
        print(f"    {act:24} {a:7} accepted {r:7} refused")
    print(f"  violations: {len(violations)}")
    for what, n in Counter(violations).most_common(10):
        print(f"    {n} x {what}")
    hours = 1_000_000 / (steps / seconds) / 3600
    print(f"  a million steps at this rate: {hours:.1f} h")
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
