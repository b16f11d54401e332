"""Secret votes in councils and assemblies (DESIGN.md 2.8, 2.11; issue 22), held to the rules of
secret elections: allowed only where standing orders allow them; no running tally while the vote
is open; the log names nobody while it is open and the voters once, at the close, in no order of
casting; the ballots enter the log at the close in random order; no row keeps an order that
pairs a voter with a ballot (SQLite's rowid, PostgreSQL's ctid and xmin); a secret vote can be
neither instructed (2.3) nor taken by a show of hands. Tested like
tests/e2e/web/test_audit_secret_ballot.py tests secret elections."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from dualpower.domain import errors
from dualpower.services import instructions, motions, sessions, views_sessions
from dualpower.services.export import export
from dualpower.services.invariants import sessions as invariants
from dualpower.store import tables as t
from dualpower.store import tables_sessions as ts
from dualpower.store.sequencer import sequence, settle
from factories import close_vote_in_time, username
from fixtures_services import show_of_hands
from sessions_helpers import adopt_orders, deputies, give_chair

NORTH = "North Council"
TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_export.py"
MEMBER_KEYS = {"member", "member_id", "voter", "voter_id", "members"}


def _allow(fed, allowed: bool = True) -> int:  # type: ignore[no-untyped-def]
    """North Council's standing orders allow (or stop allowing) secret votes; returns its chair."""
    chair = deputies(fed, NORTH)[0]
    if not getattr(fed, "chair_given", False):
        give_chair(fed, NORTH, chair)
        fed.chair_given = True
    adopt_orders(fed, NORTH, allows_secret_votes=allowed)
    return chair


def _forge(fed) -> list[int]:  # type: ignore[no-untyped-def]
    return [fed.members[username("Forge", i)] for i in range(1, 13)]


def _assembly_motion(fed, title: str = "Strike fund") -> int:  # type: ignore[no-untyped-def]
    cmd = motions.DraftMotion(fed.units["Forge"], None, title, "Levy 1 %.", is_secret=True)
    return motions.draft_motion(fed.system.uow(), _forge(fed)[0], cmd)


def _log(fed, after: int = 0) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    sequence(fed.system.engine)
    log = t.audit_log
    with fed.system.engine.connect() as conn:
        rows = conn.execute(select(log).where(log.c.id > after).order_by(log.c.id)).mappings()
        return [dict(r) | {"payload": json.loads(r["payload"])} for r in rows]


def _last_id(fed) -> int:  # type: ignore[no-untyped-def]
    with fed.system.engine.connect() as conn:
        return int(conn.execute(select(func.max(t.audit_log.c.id))).scalar() or 0)


def _count(fed, table) -> int:  # type: ignore[no-untyped-def]
    with fed.system.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_an_assembly_follows_its_council_s_standing_orders(federation):
    fed = federation
    before = _count(fed, ts.motions)
    with pytest.raises(errors.NotAllowed, match="standing orders"):
        _assembly_motion(fed)
    assert _count(fed, ts.motions) == before  # refused: nothing drafted
    _allow(fed)
    motion = _assembly_motion(fed)
    _allow(fed, False)  # the standing orders changed before the vote opened
    with pytest.raises(errors.Conflict, match="standing orders"):
        motions.open_vote(fed.system.uow(), motion, _forge(fed)[1])
    with fed.system.uow() as uow:
        assert uow.motions.get(motion).status == "draft"


def _secret_vote(fed, title: str, positions: list[str]) -> tuple[int, dict[int, str]]:  # type: ignore[no-untyped-def]
    """A secret assembly vote in Forge, every member voting; (motion, voter -> receipt)."""
    motion = _assembly_motion(fed, title)
    forge = _forge(fed)
    motions.open_vote(fed.system.uow(), motion, forge[0])
    receipts = {}
    for voter, position in zip(forge, positions, strict=True):
        receipts[voter] = motions.cast_vote(fed.system.uow(), motion, voter, position)
    return motion, receipts


POSITIONS = ["yes"] * 5 + ["no"] * 4 + ["abstain"] * 3


def test_no_running_tally_while_open_and_the_full_count_at_the_close(federation):
    fed = federation
    _allow(fed)
    motion, receipts = _secret_vote(fed, "Levy", POSITIONS)
    view = views_sessions.motion(fed.system.uow(), motion, _forge(fed)[0])
    assert view["status"] == "voting" and view["tally"] is None and "ballots" not in view
    assert view["viewer"]["has_voted"] is True
    listed = views_sessions.motions_of(fed.system.uow(), unit_id=fed.units["Forge"])
    assert [m["tally"] for m in listed if m["id"] == motion] == [None]
    decision = close_vote_in_time(fed.system, motion, _forge(fed)[0])
    assert (decision.yes, decision.no, decision.abstain) == (5, 4, 3)
    view = views_sessions.motion(fed.system.uow(), motion)
    assert view["tally"] == {"yes": 5, "no": 4, "abstain": 3}
    assert sorted(b["receipt"] for b in view["ballots"]) == sorted(receipts.values())
    assert view["roll_call"] == []


def test_the_log_names_no_voter_while_open_and_all_of_them_once_at_the_close(federation):
    fed = federation
    _allow(fed)
    start = _last_id(fed)
    motion, receipts = _secret_vote(fed, "Levy", POSITIONS)
    while_open = _log(fed, start)
    for entry in while_open:
        if entry["act"] in ("motion.draft", "motion.open_vote"):
            continue
        assert entry["act"] == "motion.ballot", entry
        assert entry["payload"] == {"motion": motion} and entry["actor"] is None, entry
    assert len([e for e in while_open if e["act"] == "motion.ballot"]) == len(receipts)
    middle = _last_id(fed)
    close_vote_in_time(fed.system, motion, _forge(fed)[0])
    at_close = _log(fed, middle)
    acts = [e["act"] for e in at_close]
    assert acts[:2] == ["motion.participate", "motion.adopt"], acts
    roll = at_close[0]["payload"]
    assert roll == {"motion": motion, "members": sorted(receipts)}  # ascending: no order of casting
    published = at_close[1]["payload"]["ballots"]
    assert sorted(b["receipt"] for b in published) == sorted(receipts.values())
    cast_order = list(receipts.values())
    assert [b["receipt"] for b in published] != cast_order  # 1 in 12! by chance
    assert not MEMBER_KEYS & set(at_close[1]["payload"])


def _order_attacks(fed, motion: int) -> dict[str, tuple[list[int], list[str]]]:  # type: ignore[no-untyped-def]
    """The voters and the ballots in every order the database keeps besides the key."""
    engine = fed.system.engine
    hidden = ["rowid"] if engine.dialect.name == "sqlite" else ["ctid", "xmin::text"]
    out: dict[str, tuple[list[int], list[str]]] = {}
    with engine.connect() as conn:
        for key in hidden:
            voters = conn.execute(
                text(
                    "SELECT member_id FROM motion_participations WHERE motion_id = :m"
                    f" ORDER BY {key}"
                ),
                {"m": motion},
            ).scalars()
            ballots = conn.execute(
                text(f"SELECT receipt FROM motion_ballots WHERE motion_id = :m ORDER BY {key}"),
                {"m": motion},
            ).scalars()
            out[key] = (list(voters), list(ballots))
        if engine.dialect.name == "postgresql":  # rows written by one transaction
            rows = conn.execute(
                text(
                    "SELECT p.member_id, b.receipt FROM motion_participations p"
                    " JOIN motion_ballots b ON p.xmin::text = b.xmin::text"
                    " AND p.motion_id = b.motion_id"
                    " WHERE p.motion_id = :m"
                ),
                {"m": motion},
            ).all()
            out["same transaction"] = ([r.member_id for r in rows], [r.receipt for r in rows])
    return out


def test_no_order_of_the_rows_pairs_voters_with_ballots(federation):
    """Pairing participation rows and ballots by a hidden order links no more voters than chance
    (as for secret elections: one vote is refused when all but one of its voters are linked, the
    three together when half are)."""
    fed = federation
    _allow(fed)
    total: dict[str, list[int]] = {}
    for n in range(3):
        motion, receipts = _secret_vote(fed, f"Levy {n}", POSITIONS)
        close_vote_in_time(fed.system, motion, _forge(fed)[0])
        with fed.system.engine.connect() as conn:
            columns = {c.name for c in ts.motion_ballots.c} | {
                c.name for c in ts.motion_participations.c
            }
            assert columns == {"receipt", "motion_id", "position", "member_id"}
            assert conn.execute(select(func.count()).select_from(ts.motion_votes)).scalar() == 0
        for attack, (voters, ballots) in _order_attacks(fed, motion).items():
            hits = sum(receipts.get(v) == rc for v, rc in zip(voters, ballots, strict=False))
            assert hits < len(receipts) - 1, f"{attack} links {hits} of {len(receipts)} voters"
            sums = total.setdefault(attack, [0, 0])
            sums[0], sums[1] = sums[0] + hits, sums[1] + len(receipts)
    for attack, (hits, voters) in total.items():
        assert hits < voters // 2, f"{attack} links {hits} of {voters} voters in all"
    with fed.system.uow() as uow:
        assert invariants.check(uow) == []


def _council_secret_motion(fed) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    chair = _allow(fed)
    north = deputies(fed, NORTH)
    cmd = motions.DraftMotion(None, fed.councils[NORTH], "Secret", "A secret vote.", is_secret=True)
    motion = motions.draft_motion(fed.system.uow(), north[0], cmd)
    session = sessions.convene_session(fed.system.uow(), chair, fed.councils[NORTH], "S", [motion])
    sessions.open_session(fed.system.uow(), chair, session)
    for n in north:
        sessions.register_attendance(fed.system.uow(), session, n)
    return motion, chair


def test_a_secret_vote_cannot_be_instructed_nor_taken_by_show_of_hands(federation):
    """The imperative mandate (2.3) checks a deputy's recorded vote; a secret vote records none,
    so an instruction on it is refused (nothing drafted), and a show of hands entered by the
    secretary would not be secret."""
    fed = federation
    motion, chair = _council_secret_motion(fed)
    before = _count(fed, ts.motions)
    with pytest.raises(errors.Conflict, match="secret"):
        instructions.propose_instruction(
            fed.system.uow(), _forge(fed)[2], fed.units["Forge"], None, motion, "yes"
        )
    assert _count(fed, ts.motions) == before
    motions.open_vote(fed.system.uow(), motion, chair)
    north = deputies(fed, NORTH)
    with pytest.raises(errors.Conflict, match="show of hands"):
        show_of_hands(fed.system.uow(), motion, [(north[1], "yes")])
    assert _count(fed, ts.motion_ballots) == 0 and _count(fed, ts.motion_participations) == 0


THREADS = 12


@pytest.mark.slow
def test_concurrent_secret_votes_of_one_deputy_leave_one_ballot(federation):
    fed = federation
    motion, chair = _council_secret_motion(fed)
    motions.open_vote(fed.system.uow(), motion, chair)
    voter = deputies(fed, NORTH)[1]
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def vote(i: int) -> None:
        barrier.wait()
        try:
            outcome: object = motions.cast_vote(
                fed.system.uow(), motion, voter, ("yes", "no")[i % 2]
            )
        except Exception as error:  # noqa: BLE001 - every outcome is checked
            outcome = error
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, errors.AlreadyVoted) for o in outcomes) == THREADS - 1, outcomes
    assert _count(fed, ts.motion_ballots) == 1 and _count(fed, ts.motion_participations) == 1
    assert [e["act"] for e in _log(fed) if e["act"] == "motion.ballot"] == ["motion.ballot"]


def test_the_export_of_a_secret_vote_verifies_and_a_forged_ballot_is_caught(federation, tmp_path):
    """tools/verify_export.py recounts a secret vote's totals from its published ballots and
    holds one ballot per voter of its `motion.participate` act; the export names no voter."""
    fed = federation
    _allow(fed)
    motion, receipts = _secret_vote(fed, "Levy", POSITIONS)
    close_vote_in_time(fed.system, motion, _forge(fed)[0])
    settle(fed.system.engine)
    export(fed.system.uow(), tmp_path / "public")
    done = _verify(tmp_path / "public")
    assert done.returncode == 0, done.stdout + done.stderr
    record = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "public").glob("*.json")}
    (call,) = [c for c in record["roll_calls"] if c["motion_id"] == motion]
    assert call["is_secret"] and not call.get("votes") and (call["yes"], call["no"]) == (5, 4)
    log = tmp_path / "public" / "audit_log.json"
    entries = json.loads(log.read_text())
    decision = next(
        e for e in entries if e["act"] == "motion.adopt" and e["payload"]["motion"] == motion
    )
    forged = decision["payload"]["ballots"][0]
    forged["position"] = "no" if forged["position"] == "yes" else "yes"
    log.write_text(json.dumps(entries))
    done = _verify(tmp_path / "public")
    assert done.returncode == 1 and f"secret_vote motion {motion}" in done.stdout, done.stdout


def _verify(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # -I -S: the standard library alone
        [sys.executable, "-I", "-S", str(TOOL), str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
