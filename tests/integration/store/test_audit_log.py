"""The audit log on SQLite and PostgreSQL (DESIGN.md 2.8, issue 2): append-only by trigger, one
transaction with the act, one unbroken chain under concurrent writers, and tampering caught."""

from __future__ import annotations

import json
import os
import threading

import pytest
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from dualpower.audit.chain import Draft, seal
from dualpower.bootstrap import System
from dualpower.domain.errors import NotFound
from dualpower.services.accounts import set_password
from dualpower.services.audit import verify_log
from dualpower.store import tables as t
from dualpower.store.sequencer import sequence, settle
from factories import Small

LOG, HEADS = t.audit_log, t.audit_heads
ACTS = 8

SQLITE_TRIGGERS = ("log_no_delete", "log_no_update", "heads_no_delete", "heads_no_update")


def drop_audit_triggers(engine: Engine) -> None:
    """What an attacker with write access to the database would do first."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for name in SQLITE_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER audit_{name}"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE audit_heads DISABLE TRIGGER USER"))


def record_acts(system: System, n: int = ACTS, *, prefix: str = "test") -> None:
    """n acts, one commit each, so a tree head is published after every entry (on PostgreSQL
    the background sealer is let finish after each act, so it does not batch two)."""
    for i in range(n):
        with system.uow() as uow:
            uow.record(f"{prefix}.act", {"n": i, "text": f"act {i}"}, actor="tester")
            uow.commit()
        settle(system.engine)


def seqs(engine: Engine) -> list[int]:
    settle(engine)  # PostgreSQL seals in the background just after commit
    with engine.connect() as conn:
        return list(conn.execute(select(LOG.c.seq).order_by(LOG.c.seq)).scalars())


def refused(engine: Engine, statement) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        with pytest.raises(DBAPIError) as info:
            conn.execute(statement)
            conn.commit()
        conn.rollback()
    return str(info.value)


# Triggers


@pytest.mark.parametrize(
    "statement",
    [
        update(LOG).where(LOG.c.seq == 2).values(payload='{"n":99}'),
        update(LOG).where(LOG.c.seq == 2).values(act="test.forged"),
        update(LOG).where(LOG.c.seq == 2).values(actor="someone else"),
        update(LOG).where(LOG.c.seq == 2).values(seq=100),
        update(LOG).where(LOG.c.seq == 2).values(entry_hash="00" * 32),
        delete(LOG).where(LOG.c.seq == 2),
        delete(LOG),
        update(HEADS).where(HEADS.c.size == 2).values(root="00" * 32),
        delete(HEADS).where(HEADS.c.size == 2),
        delete(HEADS),
    ],
    ids=[
        "payload",
        "act",
        "actor",
        "seq",
        "hash",
        "delete-one",
        "delete-all",
        "head-root",
        "head-delete",
        "heads-delete-all",
    ],
)
def test_triggers_refuse_update_and_delete(system: System, statement) -> None:  # type: ignore[no-untyped-def]
    record_acts(system, 4)
    message = refused(system.engine, statement)
    assert "append-only" in message
    assert seqs(system.engine) == [0, 1, 2, 3]
    report = verify_log(system.engine)
    assert report.ok and report.size == 4, report.reason


# TRUNCATE exists on PostgreSQL only: the test runs on that database alone (not skipped on
# SQLite, simply not generated for it).
@pytest.mark.parametrize(
    "database_url", ["postgresql"] if os.environ.get("DUALPOWER_TEST_PG_URL") else [], indirect=True
)
@pytest.mark.parametrize("table", ["audit_log", "audit_heads"])
def test_truncate_refused_on_postgresql(system: System, table: str) -> None:
    assert system.engine.dialect.name == "postgresql"
    record_acts(system, 2)
    assert "append-only" in refused(system.engine, text(f"TRUNCATE {table}"))
    assert seqs(system.engine) == [0, 1]


def test_an_unsealed_entry_cannot_be_rewritten_either(system: System) -> None:
    with system.engine.begin() as conn:
        conn.execute(
            insert(LOG).values(
                act="test.act",
                payload="{}",
                actor=None,
                is_operator=False,
                recorded_at="2030-01-01T00:00:00+00:00",
            )
        )
    assert "append-only" in refused(system.engine, update(LOG).values(payload='{"x":1}'))
    # sealing without a hash is not the sequencer's update either
    assert "append-only" in refused(system.engine, update(LOG).values(seq=0))


def test_the_sequencers_update_is_allowed(system: System) -> None:
    with system.engine.begin() as conn:
        for i in range(3):
            conn.execute(
                insert(LOG).values(
                    act="test.act",
                    payload=f'{{"n":{i}}}',
                    actor=None,
                    is_operator=False,
                    recorded_at="2030-01-01T00:00:00+00:00",
                )
            )
    assert sequence(system.engine) == 3
    assert seqs(system.engine) == [0, 1, 2]
    with system.engine.connect() as conn:
        assert conn.execute(select(func.max(HEADS.c.size))).scalar() == 3
    assert verify_log(system.engine).ok
    # once sealed, even the sequencer's columns are frozen
    assert "append-only" in refused(
        system.engine, update(LOG).where(LOG.c.seq == 0).values(prev_hash="11" * 32)
    )


# One transaction with the act


def test_every_act_lands_in_the_log(federation: Small) -> None:
    engine = federation.system.engine
    before = seqs(engine)
    set_password(federation.system.uow(), "farm2", "a new password", actor="operator")
    settle(engine)
    with engine.connect() as conn:
        last = conn.execute(select(LOG).order_by(LOG.c.seq.desc()).limit(1)).one()
    assert seqs(engine) == list(range(len(before) + 1))
    assert last.act == "member.set_password" and last.is_operator
    assert "password" not in last.payload.replace("set_password", "")  # no password, no hash
    assert verify_log(engine).ok


def test_acts_of_one_commit_land_in_order_with_their_text_intact(system: System) -> None:
    """The acts of a commit are written in one statement (on PostgreSQL one JSON parameter):
    in the order recorded, each payload and actor exactly as given, the chain whole."""
    odd = 'quote " backslash \\ newline \n tab \t {"x": "q\\"r"} Ж é 😀'
    with system.uow() as uow:
        for i in range(5):
            uow.record("test.batch", {"n": i, "text": f"{odd} {i}"}, actor=f"{odd} actor")
        uow.commit()
    settle(system.engine)
    with system.engine.connect() as conn:
        rows = conn.execute(
            select(LOG.c.payload, LOG.c.actor, LOG.c.is_operator)
            .where(LOG.c.act == "test.batch")
            .order_by(LOG.c.id)
        ).all()
    assert [json.loads(p)["n"] for p, _, _ in rows] == list(range(5))
    assert [json.loads(p)["text"] for p, _, _ in rows] == [f"{odd} {i}" for i in range(5)]
    assert {(actor, operator) for _, actor, operator in rows} == {(f"{odd} actor", False)}
    assert seqs(system.engine) == sorted(seqs(system.engine))
    assert verify_log(system.engine).ok


def test_a_refused_act_leaves_no_entry(federation: Small) -> None:
    engine = federation.system.engine
    before = seqs(engine)
    with pytest.raises(NotFound):
        set_password(federation.system.uow(), "nobody", "a new password", actor="operator")
    assert seqs(engine) == before


def test_a_failing_act_leaves_neither_change_nor_entry(system: System) -> None:
    with pytest.raises(RuntimeError):
        with system.uow() as uow:
            uow.federations.add(name="Gone", founded_at=uow.now(), sections=[], is_demo=False)
            uow.record("federation.found", {"name": "Gone"})
            raise RuntimeError("the act fails after its change and its entry")
    with system.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.federations)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(LOG)).scalar() == 0


def test_when_the_entry_cannot_be_written_the_act_is_undone(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dualpower.store import repositories

    def broken(self, rows):  # type: ignore[no-untyped-def]
        raise RuntimeError("the log is unwritable")

    monkeypatch.setattr(repositories.AuditRepo, "append_many", broken)
    with pytest.raises(RuntimeError):
        with system.uow() as uow:
            uow.federations.add(name="Gone", founded_at=uow.now(), sections=[], is_demo=False)
            uow.record("federation.found", {"name": "Gone"})
            uow.commit()
    with system.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.federations)).scalar() == 0


# The sequencer under concurrency

WRITERS, EACH = 6, 8


@pytest.mark.slow
def test_concurrent_writers_make_one_unbroken_chain(system: System) -> None:
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        barrier.wait()
        try:
            for i in range(EACH):
                with system.uow() as uow:
                    uow.record("test.act", {"writer": w, "n": i})
                    uow.record("test.other", {"writer": w, "n": i})
                    uow.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    # After commit a writer's sealing gives way to a sealer already running (PostgreSQL), so
    # the last entries may wait for the next sealer; readers of the log always run one first.
    sequence(system.engine)
    total = WRITERS * EACH * 2
    assert seqs(system.engine) == list(range(total))
    with system.engine.connect() as conn:
        unsealed = conn.execute(select(func.count()).where(LOG.c.seq.is_(None))).scalar()
        top = conn.execute(select(func.max(HEADS.c.size))).scalar()
        rows = conn.execute(select(LOG.c.payload, LOG.c.act).order_by(LOG.c.seq)).all()
    assert unsealed == 0 and top == total
    # the two entries of one act stay together and in order within each writer
    for w in range(WRITERS):
        mine = [r.act for r in rows if json.loads(r.payload)["writer"] == w]
        assert mine == ["test.act", "test.other"] * EACH
    report = verify_log(system.engine)
    assert report.ok and report.size == total, report.reason


# Tampering, with the triggers dropped


def _tampered(system: System, *statements) -> object:  # type: ignore[no-untyped-def]
    record_acts(system)
    assert verify_log(system.engine).ok
    drop_audit_triggers(system.engine)
    with system.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)
    return verify_log(system.engine)


def test_rewritten_payload_is_named(system: System) -> None:
    report = _tampered(
        system, update(LOG).where(LOG.c.seq == 3).values(payload='{"n":3,"text":"forged"}')
    )
    assert not report.ok and report.first_bad == 3  # type: ignore[attr-defined]
    assert "entry 3" in report.reason  # type: ignore[attr-defined]


def test_rewritten_and_rehashed_entry_is_named(system: System) -> None:
    """Rewriting an entry and its hash breaks the next entry's link and the published heads."""
    record_acts(system)
    with system.engine.connect() as conn:
        row = conn.execute(select(LOG).where(LOG.c.seq == 3)).one()
    forged = seal(
        Draft(row.act, {"n": 3, "text": "forged"}, row.actor, row.is_operator, row.recorded_at),
        3,
        row.prev_hash,
    )
    drop_audit_triggers(system.engine)
    with system.engine.begin() as conn:
        conn.execute(
            update(LOG)
            .where(LOG.c.seq == 3)
            .values(payload='{"n":3,"text":"forged"}', entry_hash=forged.entry_hash)
        )
    report = verify_log(system.engine)
    assert not report.ok and report.first_bad == 3, report.reason


def test_deleted_middle_entry_is_named(system: System) -> None:
    report = _tampered(system, delete(LOG).where(LOG.c.seq == 4))
    assert not report.ok and report.first_bad == 4  # type: ignore[attr-defined]
    assert "entry 4" in report.reason  # type: ignore[attr-defined]


def test_deleted_tail_is_caught_by_the_heads(system: System) -> None:
    report = _tampered(system, delete(LOG).where(LOG.c.seq >= ACTS - 2))
    assert not report.ok and report.first_bad == ACTS - 2  # type: ignore[attr-defined]
    assert "dropped" in report.reason  # type: ignore[attr-defined]


def test_inserted_forged_entry_is_named(system: System) -> None:
    """A forged entry slipped in at place 5, the later ones moved up by one."""
    record_acts(system)
    with system.engine.connect() as conn:
        before = conn.execute(select(LOG).where(LOG.c.seq == 4)).one()
    forged = seal(
        Draft("test.act", {"n": 99, "text": "forged"}, "tester", False, before.recorded_at),
        5,
        before.entry_hash,
    )
    drop_audit_triggers(system.engine)
    with system.engine.begin() as conn:
        conn.execute(update(LOG).where(LOG.c.seq >= 5).values(seq=LOG.c.seq + 1000))
        conn.execute(update(LOG).where(LOG.c.seq >= 1000).values(seq=LOG.c.seq - 999))
        conn.execute(
            insert(LOG).values(
                seq=5,
                act=forged.act,
                payload='{"n":99,"text":"forged"}',
                actor=forged.actor,
                is_operator=False,
                recorded_at=forged.recorded_at,
                prev_hash=forged.prev_hash,
                entry_hash=forged.entry_hash,
            )
        )
    report = verify_log(system.engine)
    assert not report.ok and report.first_bad == 5, report.reason


def _append_forged(
    system: System, payload: dict[str, object], at: str, seq: int, prev: str
) -> None:
    """A sealed entry written behind the sequencer's back (the triggers dropped) as `seq`."""
    forged = seal(Draft("test.act", payload, None, False, at), seq, prev)
    drop_audit_triggers(system.engine)
    with system.engine.begin() as conn:
        conn.execute(
            insert(LOG).values(
                seq=seq,
                act=forged.act,
                payload=json.dumps(payload, separators=(",", ":")),
                actor=None,
                is_operator=False,
                recorded_at=forged.recorded_at,
                prev_hash=forged.prev_hash,
                entry_hash=forged.entry_hash,
            )
        )


def test_forged_entry_appended_at_the_tail_is_named(system: System) -> None:
    """A well-chained forgery after the last entry: no published tree head covers it."""
    record_acts(system)
    with system.engine.connect() as conn:
        last = conn.execute(select(LOG).where(LOG.c.seq == ACTS - 1)).one()
    _append_forged(system, {"forged": 1}, last.recorded_at, ACTS, last.entry_hash)
    report = verify_log(system.engine)
    assert not report.ok and report.first_bad == ACTS, report.reason
    assert f"entry {ACTS} inserted" in report.reason


def test_untouched_log_verifies_after_dropping_the_triggers(system: System) -> None:
    report = _tampered(system)
    assert report.ok and report.size == ACTS  # type: ignore[attr-defined]


def test_a_resumed_verification_checks_what_was_added_since(system: System) -> None:
    record_acts(system)
    first = verify_log(system.engine)
    assert first.ok and first.verified is not None
    record_acts(system, prefix="later")
    resumed = verify_log(system.engine, since=first.verified)
    assert resumed == verify_log(system.engine) and resumed.size == 2 * ACTS
    with system.engine.connect() as conn:
        last = conn.execute(select(LOG).where(LOG.c.seq == 2 * ACTS - 1)).one()
    _append_forged(system, {}, last.recorded_at, 2 * ACTS, "ab" * 32)
    report = verify_log(system.engine, since=resumed.verified)
    assert not report.ok and report.first_bad == 2 * ACTS, report.reason
    assert "prev_hash is not the hash of entry" in report.reason


def test_a_head_dropped_after_a_verification_makes_the_next_one_start_from_0(
    system: System,
) -> None:
    record_acts(system)
    first = verify_log(system.engine)
    drop_audit_triggers(system.engine)
    with system.engine.begin() as conn:
        conn.execute(update(LOG).where(LOG.c.seq == 2).values(payload='{"n":2,"text":"forged"}'))
        conn.execute(delete(HEADS).where(HEADS.c.size == 3))
    report = verify_log(system.engine, since=first.verified)
    assert not report.ok and report.first_bad == 2, report.reason
