"""Secret ballots leave no link between a member and their choice (DESIGN.md 2.8, issue 7 item
12): after secret elections close (through the services), every column of every table, the audit
log, the public export and the API (as the voter, as another member, anonymously) are searched
for one. The test knows the true link, so it can try the attacks that would recover it: a row or
an object holding both, a time or an order shared by the participation roll and the ballots
(SQLite's rowid, PostgreSQL's physical order and inserting transaction), the order of the log."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, inspect, select, text

from audit_support import Busy, busy_federation
from dualpower.services.export import export
from dualpower.store import tables as t
from factories import PASSWORD

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app

API = "/api/v1"
SECRET = ("secret", "irv", "referendum")
MEMBER_KEYS = {"voter_id", "member_id", "member", "voter", "holder_id", "username", "actor"}
CHOICE_KEYS = {"choices", "choice", "ranking", "receipt", "vote", "position"}


@pytest.fixture
def busy(federation) -> Busy:  # type: ignore[no-untyped-def]
    return busy_federation(federation)


def receipts(busy: Busy) -> dict[str, int]:
    """receipt -> voter, for every secret ballot (the link that must not be recoverable)."""
    return {rc: v for name in SECRET for v, rc in busy.receipts[name].items()}


def test_no_row_of_any_table_holds_a_voter_with_their_receipt(busy: Busy) -> None:
    engine = busy.fed.system.engine
    secret = receipts(busy)
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    for rc in secret:
                        if rc in str(value):
                            found[f"{table}.{column}"] = found.get(f"{table}.{column}", 0) + 1
                if table == "ballots" and row["receipt"] in secret:
                    assert row["voter_id"] is None
    # receipts live in the ballots and in the close acts of the log, nowhere else
    assert set(found) == {"ballots.receipt", "audit_log.payload"}, found
    assert found["ballots.receipt"] == len(secret)


def test_ballots_and_the_participation_roll_carry_no_time_and_no_id(busy: Busy) -> None:
    engine = busy.fed.system.engine
    columns = {c["name"]: c for c in inspect(engine).get_columns("ballots")}
    assert set(columns) == {"receipt", "election_id", "choices", "voter_id"}
    roll = {c["name"]: c for c in inspect(engine).get_columns("participations")}
    assert set(roll) == {"election_id", "member_id"}
    for table in (t.ballots, t.participations):
        assert not any(isinstance(c.type, DateTime) for c in table.columns)
        assert "id" not in table.c


def order_attacks(busy: Busy, election: int) -> dict[str, list[Any]]:
    """The voters and the ballots in every order the database keeps besides the key."""
    engine = busy.fed.system.engine
    out: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            hidden = ["rowid"]
        else:
            hidden = ["ctid", "xmin"]
        for column in hidden:
            key = f"{column}::text" if column == "xmin" else column
            voters = conn.execute(
                text(f"SELECT member_id FROM participations WHERE election_id = :e ORDER BY {key}"),
                {"e": election},
            ).scalars()
            ballots = conn.execute(
                text(f"SELECT receipt FROM ballots WHERE election_id = :e ORDER BY {key}"),
                {"e": election},
            ).scalars()
            out[column] = [list(voters), list(ballots)]
        if engine.dialect.name == "postgresql":  # rows written by one transaction
            rows = conn.execute(
                text(
                    "SELECT p.member_id, b.receipt FROM participations p JOIN ballots b "
                    "ON p.xmin::text = b.xmin::text AND p.election_id = b.election_id "
                    "WHERE p.election_id = :e"
                ),
                {"e": election},
            ).all()
            out["same transaction"] = [r.member_id for r in rows], [r.receipt for r in rows]
    return out


def test_no_order_of_the_roll_matches_the_order_of_the_ballots(busy: Busy) -> None:
    """Pairing the roll and the ballots by a hidden order must link no more voters than chance.
    Unlinked, the pairing is a random permutation, whose matches are about Poisson(1) whatever
    the number of voters: a few happen (4 or more of 8 about once in 50), so one election alone
    is refused only when all but one or more of its voters are linked (by chance: 1 / n!, 2.5e-5
    for 8), and all the elections together when half their voters are (by chance: 7e-5 for
    24)."""
    total: dict[str, list[int]] = {}
    for name in SECRET:
        truth = busy.receipts[name]  # voter -> receipt
        assert len(truth) >= 8
        for attack, (voters, ballots) in order_attacks(busy, busy.elections[name]).items():
            pairs = list(zip(voters, ballots, strict=False))
            hits = sum(truth.get(v) == rc for v, rc in pairs)
            assert hits < len(truth) - 1, f"{name}: {attack} links {hits} of {len(truth)} voters"
            sums = total.setdefault(attack, [0, 0])
            sums[0], sums[1] = sums[0] + hits, sums[1] + len(truth)
    for attack, (hits, voters) in total.items():
        assert hits < voters // 2, f"{attack} links {hits} of {voters} voters in all"


def test_the_log_records_participation_and_the_ballots_apart(busy: Busy) -> None:
    engine = busy.fed.system.engine
    with engine.connect() as conn:
        log = [
            (row.act, json.loads(row.payload))
            for row in conn.execute(select(t.audit_log).order_by(t.audit_log.c.seq))
        ]
    secret = receipts(busy)
    follow = voters = 0
    for name in SECRET:
        election = busy.elections[name]
        took_part = [
            member
            for act, p in log
            if act == "election.participate" and p["election"] == election
            for member in p["members"]
        ]
        assert sorted(took_part) == sorted(busy.receipts[name])
        for act, p in log:  # no entry names a voter of this election beside a choice
            for obj in walk(p):
                if act != "election.close" and p.get("election") == election:
                    linked = MEMBER_KEYS & set(obj) and CHOICE_KEYS & set(obj)
                    assert not linked, f"a {act} entry links a member to a choice: {obj}"
        for act, p in log:
            if act != "election.close" and any(rc in json.dumps(p) for rc in secret):
                pytest.fail(f"a secret receipt in a {act} entry")
        (closed,) = [p for act, p in log if act == "election.close" and p["election"] == election]
        assert all(set(b) == {"receipt", "choices"} for b in closed["ballots"])
        cast_order = [busy.receipts[name][v] for v in took_part]
        published = [b["receipt"] for b in closed["ballots"]]
        assert sorted(published) == sorted(cast_order)
        hits = sum(a == b for a, b in zip(cast_order, published, strict=True))
        assert hits < len(published) - 1, f"the published order follows the log in {hits}"
        follow, voters = follow + hits, voters + len(published)
    # as in the test above: matches by chance are about Poisson(1) per election, so only the
    # elections together are held to half their voters
    assert follow < voters // 2, f"the published order follows the log for {follow} of {voters}"


def walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def no_receipt_beside_a_member(value: Any, where: str, secret: dict[str, int]) -> None:
    for obj in walk(value):
        text_ = json.dumps(obj)
        if any(rc in text_ for rc in secret) and isinstance(obj.get("receipt"), str):
            assert not MEMBER_KEYS & set(obj), f"{where}: {obj}"


def test_the_export_holds_no_link(busy: Busy, tmp_path: Path) -> None:
    out = tmp_path / "public"
    export(busy.fed.system.uow(), out)
    secret = receipts(busy)
    for path in out.iterdir():
        data = json.loads(path.read_text())
        no_receipt_beside_a_member(data, path.name, secret)
    elections = json.loads((out / "elections.json").read_text())
    for name in SECRET:
        e = next(x for x in elections if x["id"] == busy.elections[name])
        assert all(set(b) == {"receipt", "choices"} for b in e["ballots"])
        # published in receipt order (random), not in the order cast
        assert [b["receipt"] for b in e["ballots"]] == sorted(b["receipt"] for b in e["ballots"])


def test_the_api_shows_the_voter_nothing_that_others_do_not_see(busy: Busy) -> None:
    fed = busy.fed
    voter = next(iter(busy.receipts["secret"]))
    name = next(u for u, i in fed.members.items() if i == voter)
    other = next(u for u, i in fed.members.items() if i not in busy.receipts["secret"])
    secret = receipts(busy)
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as client:
        views: dict[str, dict[str, Any]] = {}
        for who in (name, other, None):
            headers = {}
            if who is not None:
                r = client.post(f"{API}/auth/login", json={"username": who, "password": PASSWORD})
                headers = {"Authorization": f"Bearer {r.json()['token']}"}
            seen: dict[str, Any] = {}
            for e in (busy.elections[n] for n in SECRET):
                for path in (
                    f"/elections/{e}",
                    f"/elections/{e}/result",
                    "/elections?status=closed",
                ):
                    r = client.get(f"{API}{path}", headers=headers)
                    seen[path] = (r.status_code, r.json())
            if who is not None:
                me = client.get(f"{API}/me", headers=headers).json()
                no_receipt_beside_a_member(me, f"/me as {who}", secret)
                assert not any(rc in json.dumps(me) for rc in secret)
            entries = client.get(f"{API}/audit/entries").json()
            no_receipt_beside_a_member(entries, "/audit/entries", secret)
            for path, (_, body) in seen.items():
                no_receipt_beside_a_member(body, path, secret)
            views[str(who)] = seen
        assert views[name] == views[other] == views["None"]
