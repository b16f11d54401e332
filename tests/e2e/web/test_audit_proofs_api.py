"""A member's client checks the audit log through the API (DESIGN.md 2.8, issue 7 item 4): that
the log only grew between two heads it saw (consistency proof) and that its own act is in it
(inclusion proof), against the heads it kept itself; and a rewritten log fails both checks.

The client side here uses nothing of dualpower's but the RFC 9162 verifiers, and computes the
leaf hash of an entry itself from the documented canonical JSON."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text, update

from dualpower.audit.proofs import verify_consistency, verify_inclusion
from dualpower.services.elections import OpenElection, nominate
from dualpower.store import tables as t
from factories import PASSWORD, username
from fixtures_services import open_election as open_

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app

API = "/api/v1"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def leaf(entry: dict[str, Any]) -> bytes:
    """SHA-256(0x00 || canonical JSON of the entry with its hash), as audit/canonical.py says."""
    body = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + body.encode()).digest()


def login(client: TestClient, name: str) -> dict[str, str]:
    r = client.post(f"{API}/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def consistent(client: TestClient, old: dict[str, Any], new: dict[str, Any]) -> bool:
    r = client.get(
        f"{API}/audit/proof/consistency", params={"first": old["size"], "second": new["size"]}
    )
    assert r.status_code == 200, r.text
    proof = [bytes.fromhex(p) for p in r.json()["proof"]]
    return verify_consistency(
        old["size"],
        new["size"],
        bytes.fromhex(old["root"]),
        bytes.fromhex(new["root"]),
        proof,
    )


def included(client: TestClient, seq: int, head: dict[str, Any]) -> bool:
    r = client.get(f"{API}/audit/proof/inclusion", params={"seq": seq, "size": head["size"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["entry"]["seq"] == seq
    proof = [bytes.fromhex(p) for p in body["proof"]]
    return verify_inclusion(
        leaf(body["entry"]), seq, head["size"], proof, bytes.fromhex(head["root"])
    )


def open_forge_election(federation) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    uow = federation.system.uow
    with uow() as w:
        electorate = w.electorates.for_unit(federation.units["Forge"])
    election = open_(uow(), OpenElection(electorate.id, "plurality"))
    candidate = nominate(
        uow(), election, federation.members[username("Forge", 1)], federation.factions["R"], None
    )
    return election, candidate


def test_a_member_checks_that_the_log_grew_and_holds_their_ballot(client, federation) -> None:  # type: ignore[no-untyped-def]
    election, candidate = open_forge_election(federation)
    voter = username("Forge", 5)
    auth = login(client, voter)
    before = client.get(f"{API}/audit/head").json()  # the client keeps this head

    r = client.post(
        f"{API}/elections/{election}/ballots", json={"choices": [candidate]}, headers=auth
    )
    assert r.status_code == 201, r.text
    receipt = r.json()["receipt"]
    after = client.get(f"{API}/audit/head").json()
    assert after["size"] > before["size"]

    assert consistent(client, before, after)
    me = federation.members[voter]
    entries = client.get(f"{API}/audit/entries", params={"start": before["size"]}).json()
    mine = [e for e in entries if e["act"] == "ballot.cast" and e["payload"]["member"] == me]
    assert len(mine) == 1 and mine[0]["payload"]["receipt"] == receipt
    assert included(client, mine[0]["seq"], after)
    # every act of the log is in the latest tree, and every head extends the ones before it
    heads = client.get(f"{API}/audit/heads").json()
    assert heads[-1]["size"] == after["size"] and heads[-1]["root"] == after["root"]
    assert {"size": before["size"], "root": before["root"]} in [
        {"size": h["size"], "root": h["root"]} for h in heads
    ]
    for h in heads[-5:]:
        assert consistent(client, h, after)
    for seq in range(after["size"]):
        assert included(client, seq, after)
    # a proof for the wrong entry or against another head does not hold
    assert not verify_inclusion(
        leaf(mine[0]), mine[0]["seq"] - 1, after["size"], [], bytes.fromhex(after["root"])
    )


def test_a_rewritten_log_fails_the_members_checks(client, federation) -> None:  # type: ignore[no-untyped-def]
    kept = client.get(f"{API}/audit/head").json()
    victim = kept["size"] // 2
    open_forge_election(federation)  # the log grows after the kept head
    engine = federation.system.engine
    with engine.begin() as conn:  # an operator with write access, triggers off
        if engine.dialect.name == "sqlite":
            for name in ("log_no_delete", "log_no_update", "heads_no_delete", "heads_no_update"):
                conn.execute(text(f"DROP TRIGGER audit_{name}"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(
            update(t.audit_log)
            .where(t.audit_log.c.seq == victim)
            .values(payload=json.dumps({"forged": True}))
        )
    now = client.get(f"{API}/audit/head").json()
    assert now["size"] > kept["size"]
    assert not consistent(client, kept, now)
    assert not included(client, victim, kept)
    # the server's own verification names the entry too
    report = client.get(f"{API}/audit/entries").json()
    assert report[victim]["payload"] == {"forged": True}


def test_impossible_proofs_are_clear_4xx(client, federation) -> None:  # type: ignore[no-untyped-def]
    size = client.get(f"{API}/audit/head").json()["size"]
    cases = [
        ("inclusion", {"seq": size}),
        ("inclusion", {"seq": 0, "size": size + 1}),
        ("inclusion", {"seq": 3, "size": 2}),
        ("inclusion", {}),
        ("inclusion", {"seq": -1}),
        ("consistency", {"first": size + 1}),
        ("consistency", {"first": 3, "second": 2}),
        ("consistency", {"first": 1, "second": size + 5}),
        ("consistency", {}),
    ]
    for kind, params in cases:
        r = client.get(f"{API}/audit/proof/{kind}", params=params)
        assert r.status_code == 422, (kind, params, r.status_code)
        assert isinstance(r.json()["detail"], str) and r.json()["detail"]
    r = client.get(f"{API}/audit/heads", params={"start": 5, "end": 2})
    assert r.status_code == 422
    # the trivial proofs exist: the empty tree and a tree against itself
    r = client.get(f"{API}/audit/proof/consistency", params={"first": 0})
    assert r.status_code == 200 and r.json()["proof"] == []
    r = client.get(f"{API}/audit/proof/consistency", params={"first": size, "second": size})
    assert r.status_code == 200 and r.json()["proof"] == []
