"""`dualpower export DIR`: the public record, never a secret ballot's voter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dualpower.services.elections import OpenElection, cast_ballot, nominate
from factories import username
from fixtures_services import close_election
from fixtures_services import open_election as open_

DUALPOWER = str(Path(sys.executable).with_name("dualpower"))


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DUALPOWER_DATABASE_URL": url}
    return subprocess.run([DUALPOWER, *args], env=env, capture_output=True, text=True, timeout=120)


def test_export_writes_the_public_record_without_secret_voters(federation, database_url, tmp_path):  # type: ignore[no-untyped-def]
    fed = federation
    uow = fed.system.uow
    with uow() as w:
        electorate = w.electorates.for_unit(fed.units["Forge"])
    election = open_(uow(), OpenElection(electorate.id, "block", is_secret=True))
    forge = [fed.members[username("Forge", i)] for i in range(1, 13)]
    a = nominate(uow(), election, forge[0], fed.factions["R"], None)
    b = nominate(uow(), election, forge[1], fed.factions["G"], None)
    receipts = [cast_ballot(uow(), election, v, [a if i % 2 else b]) for i, v in enumerate(forge)]
    close_election(uow(), election)

    out = tmp_path / "public"
    done = _run(database_url, "export", str(out))
    assert done.returncode == 0, done.stderr
    files = {p.name for p in out.iterdir()}
    assert {"councils.json", "mandates.json", "elections.json", "audit_log.json"} <= files
    elections = json.loads((out / "elections.json").read_text())
    secret = next(e for e in elections if e["id"] == election)
    assert sorted(b["receipt"] for b in secret["ballots"]) == sorted(receipts)
    assert all(set(b) == {"receipt", "choices"} for b in secret["ballots"])
    open_ones = [e for e in elections if not e["is_secret"] and e["status"] == "closed"]
    assert open_ones and all("voter_id" in b for e in open_ones for b in e["ballots"])
    head = json.loads((out / "audit_head.json").read_text())
    log = json.loads((out / "audit_log.json").read_text())
    assert head["size"] == len(log) and len(head["root"]) == 64
    # A secret ballot's choices never sit next to a member id anywhere in the log.
    for entry in log:
        if entry["act"] == "election.participate":
            assert "choices" not in entry["payload"]

    again = _run(database_url, "export", str(out))
    assert again.returncode == 2
    assert "not an empty directory" in again.stderr and "Traceback" not in again.stderr
