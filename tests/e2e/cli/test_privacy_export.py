"""The public record keeps members private (DESIGN.md 2.11, issue 22) and stays verifiable
(issue 25 item 2).

A small federation with a secret election whose ballots were written in one batch (one
`election.participate` entry naming many voters), a comment, recall signatures and a recall:
- `tools/verify_export.py` accepts its export (it counted entries, not the voters they name);
- the export and the log name no member who holds no mandate or office: no username, name or
  e-mail (the log names members by number, the link lives in the `members` table);
- `dualpower member forget` on a member with signatures, ballots, a comment and a past mandate:
  their username, e-mail, sessions and wages are gone from every table, the log and the export
  still verify, `check` passes and every tally is the same; refused (exit 2) for a deputy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Text, select

from dualpower.services import ballot_batch as bb
from dualpower.services import motions
from dualpower.services.accounts import _issue
from dualpower.services.audit import verify_log
from dualpower.services.check import check
from dualpower.services.discussion import PostComment, post_comment
from dualpower.services.elections import OpenElection, nominate
from dualpower.services.export import export
from dualpower.services.forget import forget_member, forgotten_username
from dualpower.services.recall import open_recall, sign_recall
from dualpower.store import tables as t
from dualpower.store.sequencer import settle
from factories import Small
from fixtures_services import close_election, open_election
from sessions_helpers import deputies, open_session

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / "tools" / "verify_export.py"
DUALPOWER = str(Path(sys.executable).with_name("dualpower"))


@dataclass
class World:
    fed: Small
    secret: int  # the batched secret election
    motion: int  # a roll-call vote of the North Council
    target: str  # the member forgotten in the tests: a past deputy who signed, voted, spoke


def _token(fed: Small, name: str) -> str:
    with fed.system.uow() as uow:
        member = uow.members.get(fed.members[name])
        assert member is not None
        issued = _issue(uow, member, "api")
        uow.commit()
    return issued.token


def build_world(fed: Small) -> World:
    uow = fed.system.uow
    m = fed.members
    with uow() as u:
        forge = u.electorates.for_unit(fed.units["Forge"])
    assert forge is not None
    election = open_election(uow(), OpenElection(forge.id, "plurality", is_secret=True))
    cands = [nominate(uow(), election, m[f"forge{i}"], None, actor=None) for i in (10, 11, 12)]
    requests = [
        bb.BallotRequest(_token(fed, f"forge{i}"), election, [cands[i % 3]]) for i in range(1, 10)
    ]
    assert all(isinstance(o, str) for o in bb.cast_batch(uow(), requests))
    close_election(uow(), election)  # forge1, a founding deputy, is replaced: a past mandate
    target = m["forge1"]
    with uow() as u:
        assert not u.mandates.active_of_holder(target)
        assert any(md.holder_id == target for md in u.mandates.list())
        forge_ids = set(m[f"forge{i}"] for i in range(1, 13))
        seats = [
            md
            for md in u.mandates.active_in_council(fed.councils["North Council"])
            if md.holder_id in forge_ids
        ]
    # a roll-call in the North Council: public by deputy
    north = deputies(fed, "North Council")
    cmd = motions.DraftMotion(None, fed.councils["North Council"], "Eight hours", "The day.")
    motion = motions.draft_motion(uow(), north[0], cmd)
    _, chair = open_session(fed, "North Council", [motion], present=north)
    motions.open_vote(uow(), motion, chair)
    for deputy in north:
        motions.cast_vote(uow(), motion, deputy, "yes")
    motions.close_vote(uow(), motion, chair)
    # forge1 speaks and signs a petition against a new deputy, whom 7 of 12 recall
    petition = open_recall(uow(), seats[0].id, m["forge2"])
    post_comment(uow(), PostComment(target, "recall", petition.id, "Forge needs a new deputy."))
    state = petition
    for i in (1, 3, 4, 5, 6, 7, 8):
        state = sign_recall(uow(), petition.id, m[f"forge{i}"])
    assert state.status == "recalled", state
    return World(fed, election, motion, "forge1")


@pytest.fixture
def world(federation: Small) -> World:
    return build_world(federation)


def run_tool(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # -I -S: the standard library alone
        [sys.executable, "-I", "-S", str(TOOL), str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )


def exported(fed: Small, directory: Path) -> dict[str, Any]:
    settle(fed.system.engine)
    export(fed.system.uow(), directory)
    done = run_tool(directory)
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.stem: json.loads(p.read_text()) for p in directory.glob("*.json")}


def holders(fed: Small) -> set[int]:
    """Members who hold or held a mandate or an office (public by their office)."""
    with fed.system.reader() as uow:
        held = set(uow.conn.execute(select(t.mandates.c.holder_id)).scalars())
        return held | set(uow.conn.execute(select(t.office_terms.c.holder_id)).scalars())


def private_words(fed: Small) -> dict[str, int]:
    """username, name and e-mail of every member who never held a mandate or office."""
    public = holders(fed)
    words: dict[str, int] = {}
    with fed.system.reader() as uow:
        for row in uow.conn.execute(select(t.members)):
            if row.id in public:
                continue
            for word in (row.username, row.display_name, row.email):
                if word:
                    words[word] = row.id
    return words


def leaks(text: str, words: dict[str, int]) -> list[str]:
    # a username like "forge1" is inside "forge10": look for it as a JSON string
    return sorted(w for w in words if f'"{w}"' in text or f"{w} " in text)


def test_the_export_of_batched_secret_ballots_verifies(world: World, tmp_path: Path) -> None:
    record = exported(world.fed, tmp_path / "public")
    (election,) = [e for e in record["elections"] if e["id"] == world.secret]
    assert len(election["ballots"]) == 9
    batched = [
        e["payload"]["members"]
        for e in record["audit_log"]
        if e["act"] == "election.participate" and e["payload"]["election"] == world.secret
    ]
    assert batched and max(len(members) for members in batched) > 1  # a batch, not one by one


def test_the_public_record_names_no_member_who_holds_no_office(
    world: World, tmp_path: Path
) -> None:
    record = exported(world.fed, tmp_path / "public")
    words = private_words(world.fed)
    assert len(words) > 60  # most of the 40 members hold nothing: username and name each
    for name, rows in record.items():
        assert leaks(json.dumps(rows, ensure_ascii=False), words) == [], name


def every_text(fed: Small) -> str:
    """Every string in every table but the audit log's hashes, as one text."""
    out = []
    with fed.system.reader() as uow:
        for table in t.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            for row in uow.conn.execute(select(*columns)):
                out.extend(f'"{v}"' for v in row if v)
    return " ".join(out)


def tallies(record: dict[str, Any]) -> dict[int, Any]:
    return {e["id"]: e.get("result") for e in record["elections"]}


def test_forget_erases_the_member_and_the_record_still_verifies(
    world: World, tmp_path: Path
) -> None:
    fed = world.fed
    before = exported(fed, tmp_path / "before")
    member_id = fed.members[world.target]
    _token(fed, world.target)
    with fed.system.uow() as uow:
        uow.conn.execute(
            t.members.update().where(t.members.c.id == member_id).values(email="f1@example.org")
        )
        uow.commit()
    assert f'"{world.target}"' in every_text(fed) and "f1@example.org" in every_text(fed)
    done = forget_member(fed.system.uow(), world.target, actor="operator")
    assert done.member_id == member_id and done.kept_name  # a past deputy keeps their name
    text = every_text(fed)
    assert f'"{world.target}"' not in text and "f1@example.org" not in text
    with fed.system.reader() as uow:
        tokens = select(t.auth_tokens).where(t.auth_tokens.c.member_id == member_id)
        assert uow.conn.execute(tokens).first() is None
        assert uow.members.by_username(forgotten_username(member_id)) is not None
        assert uow.members.current_unit_id(member_id) is None  # off the roll
    assert verify_log(fed.system.engine).ok
    assert check(fed.system.uow()) == []
    after = exported(fed, tmp_path / "after")
    assert tallies(after) == tallies(before)
    assert [e["act"] for e in after["audit_log"]][-1] == "member.forget"


def test_forget_refuses_a_deputy_in_office_and_an_unknown_name(
    federation: Small, database_url: str
) -> None:
    with federation.system.reader() as uow:
        deputy = uow.mandates.active_in_council(federation.councils["North Council"])[0]
        holder = uow.members.get(deputy.holder_id)
    assert holder is not None
    env = os.environ | {"DUALPOWER_DATABASE_URL": database_url}
    for name, says in ((holder.username, "holds a mandate"), ("nobody", "no member")):
        done = subprocess.run(
            [DUALPOWER, "member", "forget", name],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and says in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    with federation.system.reader() as uow:
        assert uow.members.by_username(holder.username) is not None


def test_the_export_carries_the_roll_calls_by_deputy(world: World, tmp_path: Path) -> None:
    record = exported(world.fed, tmp_path / "public")
    (call,) = [c for c in record["roll_calls"] if c["motion_id"] == world.motion]
    north = deputies(world.fed, "North Council")
    assert call["status"] == "adopted" and call["yes"] == len(call["votes"]) >= 2
    with world.fed.system.reader() as uow:
        names = {
            m: uow.members.get(m).display_name for m in [v["member_id"] for v in call["votes"]]
        }  # type: ignore[union-attr]
    assert {v["member_id"]: v["name"] for v in call["votes"]} == names
    assert {v["position"] for v in call["votes"]} == {"yes"}
    assert {v["member_id"] for v in call["votes"]} <= set(north) | set(names)
    forged = tmp_path / "public" / "roll_calls.json"
    calls = json.loads(forged.read_text())
    next(c for c in calls if c["motion_id"] == world.motion)["votes"][0]["position"] = "no"
    forged.write_text(json.dumps(calls))
    done = run_tool(tmp_path / "public")
    assert done.returncode == 1 and "roll_calls.json" in done.stdout, done.stdout


def test_a_vote_the_clock_voided_verifies(world: World, tmp_path: Path) -> None:
    """The clock closes a vote with nothing to count uncounted (`election.void`): the export
    still verifies, and a forged reason or winner is caught."""
    from dualpower.services.due import void_in

    fed = world.fed
    with fed.system.uow() as uow:
        farm = uow.electorates.for_unit(fed.units["Farm"])
    assert farm is not None
    election = open_election(fed.system.uow(), OpenElection(farm.id, "block", is_secret=True))
    with fed.system.uow() as uow:
        void_in(uow, uow.elections.get(election), "the election has no candidates")
        uow.commit()
    exported(fed, tmp_path / "public")
    path = tmp_path / "public" / "elections.json"
    rows = json.loads(path.read_text())
    next(e for e in rows if e["id"] == election)["result"]["winners"] = ["1"]
    path.write_text(json.dumps(rows))
    done = run_tool(tmp_path / "public")
    assert done.returncode == 1 and f"election {election}" in done.stdout, done.stdout
