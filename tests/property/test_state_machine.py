"""A state machine over the acts of a small federation (issue 7, item 13): found, import a roll,
elect (open, nominate, cast, close), sign and withdraw recall signatures, recall (direct and by
vote), instruct, take stances. After every step `dualpower check`'s invariants hold
(services/check.check: DESIGN.md 2.1-2.4), the audit log verifies (services/audit.verify_log),
and an act the services refused (a DomainError) left the log as it was.

What "after every step" costs is kept linear in the example's length:
- the log: the entries sealed since the last step are verified, chained from the hash and the
  Merkle frontier the last verification ended with (`verify_log(since=)`: the same checks on
  each entry and head); the whole log from entry 0 at the end of every example;
- the invariants: a step that accepted no act, committed nothing to the database (SQLite's
  `PRAGMA data_version` seen from a connection of the test's own; PostgreSQL's next transaction
  id, which any commit anywhere moves) and left the clock where it was cannot change what
  `check` reads: the last step's verdict stands. Every other step runs the whole `check`, and
  so does the end of every example (the real clock moved meanwhile).

Acts are picked by hypothesis with whatever arguments it draws, so many are refused (a ballot
from a non-elector, a second signature, a close of a closed election): the point is that no
sequence of acts, accepted or refused, breaks an invariant.

In CI: SQLite 30 examples of up to 50 steps, PostgreSQL 8 of 30. `bench/invariants.py` runs the
same machine for many more steps and counts violations instead of stopping at the first.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from dualpower.audit.verify import Verified
from dualpower.bootstrap import System, build
from dualpower.domain.errors import DomainError
from dualpower.domain.founding import CouncilPlan, FactionPlan, FoundingPlan, MemberPlan, UnitPlan
from dualpower.services import elections, instructions, motions, recall, roll
from dualpower.services import register as reg
from dualpower.services.audit import verify_log
from dualpower.services.check import check
from dualpower.services.due import run_due
from dualpower.services.elections import OpenElection
from dualpower.services.founding import found_federation
from dualpower.store import tables as t
from dualpower.store.db import rebuildable
from dualpower.store.sequencer import settle
from factories import ShiftedClock, close_vote_in_time, password_hash
from fixtures_services import (
    FoundingVote,
    cast_many,
    close_election,
    founding_election,
    open_election,
    show_of_hands,
)
from pg_copies import Dropper, Spares

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
PASSWORD_HASH = password_hash("machine")  # the lowest cost (tests/factories.py)
OPERATOR = reg.Actor(None, is_operator=True)
UNITS = (("Forge", "North"), ("Yard", "North"), ("Mill", "South"), ("Farm", "South"))
PICK = st.integers(0, 10**6)


def plan(size: int) -> FoundingPlan:
    """Chief council over North (direct recall) and South (recall by vote), two units each."""
    one = {"default": {"rule": "fixed", "seats": 1}}
    two = {"default": {"rule": "fixed", "seats": 2}}
    return FoundingPlan(
        name="Machine Federation",
        factions=(FactionPlan("Reds", "R", "#c00000"), FactionPlan("Greens", "G", "#00a000")),
        councils=(
            CouncilPlan("Chief", None, apportionment=one),
            CouncilPlan("North", "Chief", apportionment=two),
            CouncilPlan("South", "Chief", recall_rule="vote", apportionment=two),
        ),
        units=tuple(UnitPlan(u, "factory", "workers", c) for u, c in UNITS),
        members=tuple(
            MemberPlan(f"{u.lower()}{i}", f"{u} {i}", u, PASSWORD_HASH)
            for u, _ in UNITS
            for i in range(1, size + 1)
        ),
    )


# -- where each example's database comes from ------------------------------------------------


class Source:
    """A migrated, empty database per example: a copy of one migrated SQLite file, or a
    PostgreSQL database made from a migrated template (the next copy made, and the last one
    dropped, on threads of their own while an example runs: tests/pg_copies.py)."""

    def __init__(self, backend: str, workdir: Path, pg_url: str | None = None) -> None:
        self.backend, self.workdir, self.pg_url = backend, workdir, pg_url
        self.made: list[str] = []
        if backend == "sqlite":
            self.template = str(workdir / "template.db")
        else:
            assert pg_url is not None
            self.dropper = Dropper(pg_url)
            self.spares = Spares(pg_url, self.dropper)
            self.template = f"dp_sm_tmpl_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{self.template}"')
        build(self._url(self.template)).engine.dispose()

    def _url(self, where: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{where}"
        assert self.pg_url is not None
        return make_url(self.pg_url).set(database=where).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        assert self.pg_url is not None
        admin = create_engine(
            make_url(self.pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(sql))
        admin.dispose()

    def fresh(self) -> System:
        if self.backend == "sqlite":
            target = str(self.workdir / f"ex_{uuid.uuid4().hex[:8]}.db")
            shutil.copyfile(self.template, target)
        else:
            target = self.spares.take(self.template)
        self.made.append(target)
        return build(self._url(target), migrate=False)

    def drop(self, system: System) -> None:
        system.engine.dispose()
        where = self.made.pop()
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(where + suffix).unlink(missing_ok=True)
        else:
            self.dropper.drop(where)

    def close(self) -> None:
        if self.backend == "postgresql":
            self.spares.finish()  # its spares dropped
            self.dropper.drop(self.template)
            self.dropper.finish()


class Commits:
    """A number that moves whenever something is committed to the example's database: SQLite's
    `PRAGMA data_version` on a connection of its own (it changes with every commit of any other
    connection), PostgreSQL's next transaction id (cluster-wide: a commit elsewhere moves it
    too, a write here always does)."""

    def __init__(self, source: Source, system: System) -> None:
        self.system = system
        self.watch = None
        if source.backend == "sqlite":
            self.watch = sqlite3.connect(source.made[-1], isolation_level=None)

    def version(self) -> int:
        settle(self.system.engine)  # the background sealer's commit belongs to the step
        if self.watch is not None:
            return int(self.watch.execute("PRAGMA data_version").fetchone()[0])
        with self.system.engine.connect() as conn:
            query = text("SELECT txid_snapshot_xmax(txid_current_snapshot())")
            return int(conn.execute(query).scalar_one())

    def close(self) -> None:
        if self.watch is not None:
            self.watch.close()


# -- the machine --------------------------------------------------------------------------------


class FederationMachine(RuleBasedStateMachine):
    source: ClassVar[Source]
    strict: ClassVar[bool] = True  # False (the bench): count violations instead of failing
    steps: ClassVar[int] = 0
    unchanged: ClassVar[int] = 0  # steps after which nothing had changed
    acts: ClassVar[dict[str, list[int]]] = {}  # act -> [accepted, refused]
    violations: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__()
        self.system = self.source.fresh()
        # What is checked is the acts' invariants and the log, not the disk: commits do not
        # wait for it (store/db.py rebuildable); locks and what a commit shows are the same.
        self.durability = ExitStack()
        self.durability.enter_context(rebuildable(self.system.engine))
        self.commits = Commits(self.source, self.system)
        self.imported = 0
        self.accepted = 0  # acts accepted in this example
        self.seen: tuple[Any, ...] | None = None  # what the last checks saw
        self.verified: Verified | None = None  # where the last log verification ended
        self.failed = False

    def teardown(self) -> None:
        """The whole check and the whole log, unless the example failed already."""
        try:
            if not self.failed:
                self._check(" (end of example)")
                self._verify_log(None)
        finally:
            self.commits.close()
            self.durability.close()
            self.source.drop(self.system)

    # helpers

    def _log_size(self) -> int:
        with self.system.reader() as uow:
            return int(uow.conn.execute(select(func.count()).select_from(t.audit_log)).scalar())

    def _do(self, name: str, act: Callable[[], Any]) -> Any:
        """Run an act; a refusal must leave the audit log as it was."""
        before, moment = self._log_size(), getattr(self.system.clock, "offset", None)
        tally = type(self).acts.setdefault(name, [0, 0])
        try:
            result = act()
        except DomainError:
            tally[1] += 1
            if self._log_size() != before:
                self._violation(f"refused {name} changed the audit log")
            result = None
        except Exception as exc:  # not a clear refusal: a bug
            if self.strict:
                self.failed = True
                raise
            self._violation(f"{name} raised {type(exc).__name__}: {exc}")
            return None
        else:
            tally[0] += 1
            self.accepted += 1
        if name != "clock.due" and getattr(self.system.clock, "offset", None) != moment:
            # the act let time run (to a vote's closing time): as in `serve`, the clock runs
            self._do("clock.due", lambda: run_due(self.system.uow))
        return result

    def _violation(self, what: str) -> None:
        type(self).violations.append(what)
        if self.strict:
            self.failed = True
            raise AssertionError(what)

    def _pick(self, items: list[Any], n: int) -> Any:
        return items[n % len(items)] if items else None

    def _members(self) -> list[int]:
        with self.system.reader() as uow:
            return sorted(m.id for m in uow.members.list())

    def _elections(self, **where: str) -> list[Any]:
        with self.system.reader() as uow:
            found = uow.elections.list()
        return [e for e in found if all(getattr(e, k) == v for k, v in where.items())]

    def _mandates(self) -> list[Any]:
        with self.system.reader() as uow:
            return sorted(uow.mandates.active(), key=lambda m: m.id)

    def _voter(self, electorate_id: int, n: int) -> int:
        """Mostly an elector of the electorate; one time in four anyone (to be refused)."""
        with self.system.reader() as uow:
            electorate = uow.electorates.get(electorate_id)
            electors = sorted(elections.electors(uow, electorate)) if electorate else []
        if n % 4 == 0 or not electors:
            return int(self._pick(self._members(), n // 4))
        return int(self._pick(electors, n // 4))

    def _council(self, name: str) -> int:
        with self.system.reader() as uow:
            return next(c.id for c in uow.councils.list() if c.name == name)

    # acts

    @initialize(size=st.integers(3, 6))
    def found(self, size: int) -> None:
        """The bootstrap act: the founding roll and the founding elections, bottom up."""
        found_federation(self.system.uow(), plan(size))
        with self.system.uow() as uow:
            members = {m.username: m.id for m in uow.members.list()}
            units = {u.id: u.name for u in uow.units.list()}
            electorates = uow.electorates.list()
        for e in [e for e in electorates if e.kind == "unit"]:
            unit = units[e.unit_id].lower()
            cands = [(members[f"{unit}1"], None), (members[f"{unit}2"], None)]
            ballots = [(members[f"{unit}{i}"], [i % 2]) for i in range(1, size + 1)]
            founding_election(self.system.uow(), FoundingVote(e.id, cands, ballots))
        for e in [e for e in electorates if e.kind == "council"]:
            with self.system.uow() as uow:
                deputies = uow.mandates.active_in_council(e.source_id)
            cands = [(md.holder_id, None) for md in deputies]
            ballots = [(md.holder_id, [0]) for md in deputies]
            founding_election(self.system.uow(), FoundingVote(e.id, cands, ballots))

    @rule(unit=PICK, count=st.integers(1, 3))
    def import_roll(self, unit: int, count: int) -> None:
        name = UNITS[unit % len(UNITS)][0]
        rows = [f"new{self.imported + i},Newcomer {self.imported + i}" for i in range(count)]
        csv = "username,name\n" + "\n".join(rows) + "\n"
        added = self._do(
            "roll.import",
            lambda: roll.import_roll(
                self.system.uow(), csv, name, actor="operator", is_operator=True
            ),
        )
        if added:
            self.imported += count

    @rule(electorate=PICK, secret=st.booleans(), method=st.sampled_from(["block", "plurality"]))
    def open_election(self, electorate: int, secret: bool, method: str) -> None:
        with self.system.reader() as uow:
            ids = sorted(e.id for e in uow.electorates.list())
        cmd = OpenElection(self._pick(ids, electorate), method, is_secret=secret)
        self._do("election.open", lambda: open_election(self.system.uow(), cmd))

    @rule(election=PICK, member=PICK)
    def nominate(self, election: int, member: int) -> None:
        open_ = [e for e in self._elections(status="open") if e.kind != "recall"]
        e, m = self._pick(open_, election), self._pick(self._members(), member)
        if e is not None:
            self._do(
                "election.nominate",
                lambda: elections.nominate(self.system.uow(), e.id, m, None, None),
            )

    @rule(election=PICK, member=PICK, choice=PICK)
    def cast(self, election: int, member: int, choice: int) -> None:
        e = self._pick(self._elections(status="open"), election)
        if e is None:
            return
        m = self._voter(e.electorate_id, member)
        if e.kind == "recall":
            choices = [choice % 2]
        else:
            with self.system.reader() as uow:
                cands = sorted(c.id for c in uow.elections.candidates(e.id))
            choices = [self._pick(cands, choice)] if cands else []
        self._do("ballot.cast", lambda: elections.cast_ballot(self.system.uow(), e.id, m, choices))

    @rule(election=PICK)
    def close(self, election: int) -> None:
        e = self._pick(self._elections(status="open"), election)
        if e is None:
            return
        if e.kind == "recall":
            self._do("recall.close_vote", lambda: recall.close_recall_vote(self.system.uow(), e.id))
        else:
            self._do("election.close", lambda: close_election(self.system.uow(), e.id))

    def _electors(self, electorate_id: int) -> list[int]:
        with self.system.reader() as uow:
            electorate = uow.electorates.get(electorate_id)
            return sorted(elections.electors(uow, electorate)) if electorate else []

    @rule(electorate=PICK, votes=PICK, secret=st.booleans())
    def elect(self, electorate: int, votes: int, secret: bool) -> None:
        """A whole election: open, two candidates, every elector votes, close."""
        with self.system.reader() as uow:
            eid = self._pick(sorted(e.id for e in uow.electorates.list()), electorate)
        cmd = OpenElection(eid, "plurality", is_secret=secret)
        election = self._do("election.open", lambda: open_election(self.system.uow(), cmd))
        if election is None:
            return
        electors = self._electors(eid)
        cands = [
            self._do(
                "election.nominate",
                lambda m=m: elections.nominate(self.system.uow(), election, m, None, None),
            )
            for m in electors[:2]
        ]
        cands = [c for c in cands if c is not None]
        if cands:
            ballots = [(m, [cands[(votes >> i) % len(cands)]]) for i, m in enumerate(electors)]
            self._do(
                "ballot.cast_many",
                lambda: cast_many(self.system.uow(), election, ballots),
            )
        self._do("election.close", lambda: close_election(self.system.uow(), election))

    @rule(mandate=PICK, share=st.integers(0, 100), votes=PICK)
    def recall_cycle(self, mandate: int, share: int, votes: int) -> None:
        """A petition signed by `share` % of the electors; a recall vote, if one opens, voted
        on by every elector and closed."""
        md = self._pick(self._mandates(), mandate)
        if md is None:
            return
        electors = self._electors(md.electorate_id)
        if not electors:
            return
        opened = self._do(
            "recall.open", lambda: recall.open_recall(self.system.uow(), md.id, electors[0])
        )
        if opened is None:
            return
        signers = electors[: len(electors) * share // 100]
        state = self._do(
            "recall.sign_many", lambda: recall.sign_many(self.system.uow(), opened.id, signers)
        )
        if state is None or state.status != "vote_open":
            return
        with self.system.reader() as uow:
            vote = uow.recalls.get(opened.id).vote_election_id
        ballots = [(m, [(votes >> i) & 1]) for i, m in enumerate(electors)]
        self._do("ballot.cast_many", lambda: cast_many(self.system.uow(), vote, ballots))
        self._do("recall.close_vote", lambda: recall.close_recall_vote(self.system.uow(), vote))

    @rule(mandate=PICK, member=PICK)
    def open_recall(self, mandate: int, member: int) -> None:
        md = self._pick(self._mandates(), mandate)
        if md is not None:
            m = self._voter(md.electorate_id, member)
            self._do("recall.open", lambda: recall.open_recall(self.system.uow(), md.id, m))

    def _petitions(self) -> list[int]:
        p = t.recall_petitions
        with self.system.reader() as uow:
            query = select(p.c.id).where(p.c.status == "open").order_by(p.c.id)
            return list(uow.conn.execute(query).scalars())

    @rule(petition=PICK, member=PICK, many=st.booleans())
    def sign(self, petition: int, member: int, many: bool) -> None:
        pid = self._pick(self._petitions(), petition)
        if pid is None:
            return
        members = self._members()
        if many:  # a whole unit signs at once (enough to cross a threshold)
            with self.system.reader() as uow:
                unit = uow.members.current_unit_id(self._pick(members, member))
                mm = t.memberships
                query = select(mm.c.member_id).where(mm.c.unit_id == unit, mm.c.end_at.is_(None))
                signers = sorted(uow.conn.execute(query).scalars())
            self._do("recall.sign_many", lambda: recall.sign_many(self.system.uow(), pid, signers))
        else:
            m = self._pick(members, member)
            with self.system.reader() as uow:
                petition = uow.recalls.get(pid)
                on = petition.mandate_id if petition else None
                mandate = uow.mandates.get(on) if on is not None else None
            if mandate is not None:
                m = self._voter(mandate.electorate_id, member)
            self._do("recall.sign", lambda: recall.sign_recall(self.system.uow(), pid, m))

    @rule(petition=PICK, member=PICK)
    def withdraw(self, petition: int, member: int) -> None:
        pid, m = self._pick(self._petitions(), petition), self._pick(self._members(), member)
        if pid is not None:
            self._do(
                "recall.withdraw", lambda: recall.withdraw_signature(self.system.uow(), pid, m)
            )

    @rule(mandate=PICK, position=st.sampled_from(["yes", "no", "abstain"]), voters=PICK)
    def instruct(self, mandate: int, position: str, voters: int) -> None:
        """A deputy drafts a motion in their council; one of their units instructs them on it
        (the instruction motion is put to the unit's assembly and voted on)."""
        md = self._pick([m for m in self._mandates() if self._unit_of(m)], mandate)
        if md is None:
            return
        unit = self._unit_of(md)
        draft = motions.DraftMotion(
            unit_id=None, council_id=md.council_id, title="Peace", text="Now."
        )
        target = self._do(
            "motion.draft", lambda: motions.draft_motion(self.system.uow(), md.holder_id, draft)
        )
        if target is None:
            return
        with self.system.reader() as uow:
            mm = t.memberships
            query = select(mm.c.member_id).where(mm.c.unit_id == unit, mm.c.end_at.is_(None))
            electors = sorted(uow.conn.execute(query).scalars())
        caller = electors[0]
        proposed = self._do(
            "instruction.propose",
            lambda: instructions.propose_instruction(
                self.system.uow(), caller, unit, None, target, position
            ),
        )
        if proposed is None:
            return
        self._do("motion.open_vote", lambda: motions.open_vote(self.system.uow(), proposed, caller))
        votes = [(m, "yes" if (voters >> i) & 1 else "no") for i, m in enumerate(electors)]
        self._do("motion.cast_many", lambda: show_of_hands(self.system.uow(), proposed, votes))
        self._do("motion.close_vote", lambda: close_vote_in_time(self.system, proposed, caller))

    def _unit_of(self, md: Any) -> int | None:
        with self.system.reader() as uow:
            e = uow.electorates.get(md.electorate_id)
        return e.unit_id if e is not None and e.kind == "unit" else None

    @rule(
        council=st.sampled_from(["Chief", "North", "South"]),
        kind=st.sampled_from(["endorse", "support_conditionally", "countermand"]),
        directive=PICK,
    )
    def stance(self, council: str, kind: str, directive: int) -> None:
        council_id = self._council(council)
        with self.system.reader() as uow:
            directives = sorted(d["id"] for d in uow.register.directives())
            authorities = uow.register.authorities()
        if not directives or directive % 3 == 0:  # now and then a new directive
            if not authorities:
                cmd = reg.RecordAuthority("Provisional Government", council_id)
                self._do(
                    "authority.record",
                    lambda: reg.record_authority(self.system.uow(), cmd, OPERATOR),
                )
                with self.system.reader() as uow:
                    authorities = uow.register.authorities()
            rd = reg.RecordDirective(
                authorities[0]["id"], council_id, f"Order {directive}", date(1917, 5, 1)
            )
            self._do(
                "directive.record", lambda: reg.record_directive(self.system.uow(), rd, OPERATOR)
            )
            with self.system.reader() as uow:
                directives = sorted(d["id"] for d in uow.register.directives())
        did = self._pick(directives, directive)
        conditions = "in so far as" if kind == "support_conditionally" else ""
        cmd = reg.TakeStance(did, council_id, kind, conditions=conditions)
        self._do("stance.take", lambda: reg.take_stance(self.system.uow(), cmd, OPERATOR))

    @rule(days=st.integers(0, 12), minutes=st.integers(1, 600))
    def let_time_pass(self, days: int, minutes: int) -> None:
        """Time passes and the clock does what is due (DESIGN.md 2.9): closes the votes whose
        time has come, decides recall votes, reopens a by-election with nothing to count."""
        clock = self.system.clock
        if not isinstance(clock, ShiftedClock):
            clock = ShiftedClock()
        clock.offset += timedelta(days=days, minutes=minutes)
        self.system.clock = clock
        self._do("clock.due", lambda: run_due(self.system.uow))

    # after every step

    @invariant()
    def invariants_hold(self) -> None:
        type(self).steps += 1
        seen = (self.commits.version(), self.accepted, getattr(self.system.clock, "offset", None))
        if seen == self.seen:  # no act, no commit, no time: the last verdict stands
            type(self).unchanged += 1
            return
        self.seen = seen
        self._check("")
        self._verify_log(self.verified)

    def _check(self, when: str) -> None:
        for problem in check(self.system.reader()):
            self._violation(f"check{when}: {problem}")

    def _verify_log(self, since: Verified | None) -> None:
        """From entry 0, or only what was added after `since` (chained from it)."""
        report = verify_log(self.system.engine, since=since)
        self.verified = report.verified  # None after a failure: from entry 0 next time
        if not report.ok:
            where = "" if since is None else " (since the last step)"
            self._violation(f"audit verify{where}: {report.reason}")


# -- in CI ---------------------------------------------------------------------------------------


def run(source: Source, examples: int, steps: int, *, strict: bool = True) -> None:
    FederationMachine.source = source
    FederationMachine.strict = strict
    run_state_machine_as_test(
        FederationMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


@pytest.mark.slow
def test_sqlite_state_machine(tmp_path: Path) -> None:
    FederationMachine.steps, FederationMachine.unchanged, FederationMachine.violations = 0, 0, []
    run(Source("sqlite", tmp_path), examples=30, steps=50)
    assert FederationMachine.violations == []
    assert FederationMachine.steps > 300


@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="DUALPOWER_TEST_PG_URL is not set")
def test_postgresql_state_machine() -> None:
    FederationMachine.steps, FederationMachine.unchanged, FederationMachine.violations = 0, 0, []
    source = Source("postgresql", Path(tempfile.gettempdir()), PG_URL)
    try:
        run(source, examples=8, steps=30)
    finally:
        source.close()
    assert FederationMachine.violations == []
