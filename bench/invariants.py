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

What is checked after every step (the CI test's checks, made cheaper in three ways, said here):

- `services.check.check` -- every invariant `dualpower check` runs -- after every step, with one
  cache: an election's winners are read once per example and election status (a result is
  written when the election closes; `check` never uses an open election's winners);
- a refused act left the audit log as it was; an act that raised anything but a DomainError
  is a violation;
- the audit log *incrementally*: the entries sealed since the last step are verified as
  `dualpower audit verify` does (seq continues, each entry's hash matches its content,
  prev_hash chains, every newly published tree head equals the RFC 9162 root over its first k
  entries, no sealed entry beyond the last head), and the last entry verified before is re-read
  to check its hash did not change;
- on SQLite, a step after which nothing was committed (`PRAGMA data_version` unchanged) keeps
  the previous step's verdict: `check` reads only the database, so it cannot change (an accepted
  act with `data_version` unchanged is itself counted as a violation);
- every `--full-every` steps (default 25) and at the end of every example: the full, uncached
  `check` and the full `verify_log` from entry 0 (`--full-every 1`: the CI test's checks).

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
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "property")]

import hypothesis.core  # noqa: E402
import test_state_machine as machine  # noqa: E402
from hypothesis.stateful import invariant  # noqa: E402
from sqlalchemy import select  # noqa: E402

import dualpower.services.check as check_module  # noqa: E402
from dualpower.audit.chain import GENESIS  # noqa: E402
from dualpower.audit.merkle import MerkleAccumulator  # noqa: E402
from dualpower.audit.verify import _Bad, _check_entry  # noqa: E402
from dualpower.services.audit import verify_log  # noqa: E402
from dualpower.store import tables as t  # noqa: E402
from dualpower.store.sequencer import sealed_entries, sequence  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"

# `check` finds its topic checkers anew on every call (pkgutil); find them once, the same ones.
_CHECKERS = check_module.checkers()
check_module.checkers = lambda: _CHECKERS
_winning_members = check_module._winning_members


class Winners:
    """An election's winners, read once per example and status: a result is written when the
    election closes (its status changes) and no act rewrites it; `check` looks at an open
    election's winners never. Off for the full checks."""

    on = True
    known: dict[tuple[int, str], set[int]] = {}


def _cached_winners(uow: Any, election: Any) -> set[int]:
    if not Winners.on:
        return _winning_members(uow, election)
    key = (election.id, election.status)
    if key not in Winners.known:
        Winners.known[key] = _winning_members(uow, election)
    return Winners.known[key]


check_module._winning_members = _cached_winners


class LogFollower:
    """`verify`'s checks, carried forward from the last step instead of redone from entry 0."""

    def __init__(self) -> None:
        self.acc = MerkleAccumulator()
        self.prev_hash = GENESIS
        self.heads_size = -1  # the largest head size checked so far

    def step(self, engine: Any) -> str | None:
        sequence(engine)
        log, heads = t.audit_log, t.audit_heads
        with engine.connect() as conn:
            if self.acc.size:  # the last entry verified before is still what it was
                last = conn.execute(
                    select(log.c.entry_hash).where(log.c.seq == self.acc.size - 1)
                ).scalar()
                if last != self.prev_hash:
                    return f"entry {self.acc.size - 1} changed after it was verified"
            query = select(heads.c.size, heads.c.root).where(heads.c.size > self.heads_size)
            pending = sorted((int(s), r.lower()) for s, r in conn.execute(query))
            try:
                self._heads(pending)
                for entry in sealed_entries(conn, start=self.acc.size):
                    _check_entry(entry, self.acc.size, self.prev_hash)
                    self.acc.append(entry.leaf())
                    self.prev_hash = entry.entry_hash
                    self._heads(pending)
            except _Bad as bad:
                return bad.reason
        if pending:
            return f"a tree head of size {pending[-1][0]} but only {self.acc.size} entries"
        if self.acc.size > max(self.heads_size, 0):
            return f"entries from {self.heads_size} on are covered by no published tree head"
        return None

    def _heads(self, pending: list[tuple[int, str]]) -> None:
        while pending and pending[0][0] <= self.acc.size:
            size, root = pending.pop(0)
            if size != self.acc.size or root != self.acc.root().hex():
                raise _Bad(size, f"the tree head published for size {size} does not match")
            self.heads_size = size


class BenchMachine(machine.FederationMachine):
    full_every: int = 25

    def __init__(self) -> None:
        super().__init__()
        self.follower = LogFollower()
        self.own_steps = 0
        Winners.known = {}  # a new database
        self.version: int | None = None
        self.accepted = 0
        self.watch = None
        if self.source.backend == "sqlite":  # sees every commit made by any other connection
            self.watch = sqlite3.connect(self.source.made[-1], isolation_level=None)

    def _data_version(self) -> int | None:
        if self.watch is None:
            return None
        return int(self.watch.execute("PRAGMA data_version").fetchone()[0])

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
        type(self).steps += 1
        self.own_steps += 1
        if self.own_steps % self.full_every == 0:
            self._full_check("")
            self._full_verify()
        elif self.version is not None and self._data_version() == self.version:
            type(self).unchanged += 1  # nothing committed since the last step's checks
            if self._accepted() != self.accepted:  # an accepted act commits: never here
                self._violation("an accepted act left PRAGMA data_version unchanged")
        else:
            for problem in check_module.check(self.system.reader()):
                self._violation(f"check: {problem}")
            reason = self.follower.step(self.system.engine)
            if reason is not None:
                self._violation(f"audit verify (incremental): {reason}")
                self.follower = LogFollower()  # start again from entry 0 next step
        self.version, self.accepted = self._data_version(), self._accepted()

    def _accepted(self) -> int:
        """Acts accepted so far, but the clock's: a run with nothing due commits nothing."""
        return sum(a for name, (a, _) in type(self).acts.items() if name != "clock.due")

    def _full_verify(self) -> None:
        type(self).full_verifies += 1
        report = verify_log(self.system.engine)
        if not report.ok:
            self._violation(f"audit verify: {report.reason}")

    def _full_check(self, when: str) -> None:
        type(self).full_checks += 1
        Winners.on = False
        try:
            for problem in check_module.check(self.system.reader()):
                self._violation(f"check{when}: {problem}")
        finally:
            Winners.on = True

    def teardown(self) -> None:
        self._full_check(" (end of example)")
        self._full_verify()
        if self.watch is not None:
            self.watch.close()
        super().teardown()


BenchMachine.full_verifies = BenchMachine.full_checks = BenchMachine.unchanged = 0  # type: ignore[attr-defined]


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
        " (winners cached) + incremental audit verify; "
        f"{full_checks} by the full check + full audit verify (every --full-every steps); "
        f"{full} full audit verifications in all; "
        f"{unchanged} steps committed nothing (PRAGMA data_version), so the previous verdict"
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
