"""A federation lives without the demo (DESIGN.md 2.9), driven only through the CLI and HTTP.

Founded from a plan of three levels (a chief council over two district councils over two
buildings each), it holds its founding elections level by level until the chief council sits,
recalls a chief-council deputy by vote (the clock decides it) and a district deputy directly, and
fills both seats by by-elections that the clock closes. Members get in by invitation (the
operator never sees a password). Two `serve` processes run on the same database, each with its
clock: every due act happens once. Then `check`, `audit verify` and the
export's verifier pass. No Python call into `dualpower` is made here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

EXE = Path(sys.executable).with_name("dualpower")
DUALPOWER = str(EXE) if EXE.exists() else shutil.which("dualpower")
ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"
NOMINATIONS, VOTING = (
    20,
    120,
)  # room for a loaded machine  # seconds; every vote here closes early, all electors voting
DISTRICTS = {"North": ("North A", "North B"), "South": ("South A", "South B")}
PER_BUILDING = 3

pytestmark = pytest.mark.slow


def _plan() -> dict[str, Any]:
    windows = {"nominations_seconds": NOMINATIONS, "voting_seconds": VOTING}
    councils = [
        {
            "name": "Federation Council",
            "parent": None,
            "recall_rule": "vote",
            "recall_trigger_bp": 5000,
            "seat_method": "block",
            "apportionment": {"default": {"rule": "fixed", "seats": 1}},
            "windows": windows,
            "secret_elections": True,
        }
    ] + [
        {
            "name": f"{d} Council",
            "parent": "Federation Council",
            "recall_rule": "direct",
            "apportionment": {"default": {"rule": "fixed", "seats": 1}},
            "windows": windows,
        }
        for d in DISTRICTS
    ]
    units = [
        {"name": b, "kind": "building", "section": "tenants", "council": f"{d} Council"}
        for d, buildings in DISTRICTS.items()
        for b in buildings
    ]
    members = [
        {"username": _user(b, i), "name": f"Tenant {i} of {b}", "unit": b}
        for buildings in DISTRICTS.values()
        for b in buildings
        for i in range(1, PER_BUILDING + 1)
    ]
    return {
        "name": "Three Levels Tenants",
        "sections": ["tenants"],
        "factions": [{"name": "Tenants United", "short": "TU", "colour": "#0072b2"}],
        "councils": councils,
        "units": units,
        "members": members,
    }


def _user(building: str, i: int) -> str:
    return f"{building.lower().replace(' ', '')}{i}"


def _cli(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert DUALPOWER, "the dualpower console script is not installed"
    done = subprocess.run(
        [DUALPOWER, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "DUALPOWER_DATABASE_URL": url},
        timeout=300,
    )
    assert done.returncode == 0, f"dualpower {' '.join(args)}: {done.stderr}"
    return done


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def servers(database_url: str) -> Iterator[tuple[str, list[str]]]:
    """The federation founded from the plan, with passwords set, and two `serve` processes."""
    plan = Path(os.environ.get("TMPDIR", "/tmp")) / f"plan-{os.getpid()}-{time.time_ns()}.json"
    plan.write_text(json.dumps(_plan()), encoding="utf-8")
    _cli(database_url, "init", "--plan", str(plan))
    codes = _cli(database_url, "invitations", "issue", "--csv", "-").stdout
    invitations = {
        line.split(",")[0]: line.split(",")[1]
        for line in codes.splitlines()[1:]
        if line.count(",") == 2
    }
    assert len(invitations) == len(_plan()["members"])
    env = {
        **os.environ,
        "DUALPOWER_DATABASE_URL": database_url,
        "DUALPOWER_CLOCK_SECONDS": "0.3",
        # every member joins at once, one after another: not a flood to pace (web/guards.py)
        "DUALPOWER_PASSWORD_CHECK_SHARE": "1",
    }
    procs, urls = [], []
    log = plan.with_suffix(".log").open("w")
    for _ in range(2):
        port = _port()
        procs.append(
            subprocess.Popen(
                [DUALPOWER, "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            _wait_up(url)
        for code in invitations.values():  # each member sets their own password
            answer = httpx.post(
                f"{urls[0]}/api/v1/auth/join",
                json={"code": code, "password": PASSWORD},
                timeout=60,
            )
            assert answer.status_code == 201, answer.text
        yield database_url, urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        plan.unlink(missing_ok=True)
        plan.with_suffix(".log").unlink(missing_ok=True)


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


class Api:
    """One member's client; requests alternate between the two servers."""

    def __init__(self, urls: list[str], username: str) -> None:
        self.urls, self.turn = urls, 0
        token = self.call("POST", "/auth/login", {"username": username, "password": PASSWORD})
        self.headers = {"Authorization": f"Bearer {token['token']}"}
        self.me = self.call("GET", "/me")

    def call(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        self.turn += 1
        url = f"{self.urls[self.turn % len(self.urls)]}/api/v1{path}"
        answer = httpx.request(
            method, url, json=body, headers=getattr(self, "headers", {}), timeout=30
        )
        if expect is not None:
            assert answer.status_code == expect, (method, path, answer.status_code, answer.text)
        else:
            assert answer.status_code < 400, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None


def _until(what: str, ready: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = ready()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _open(anyone: Api, kind: str | None = None) -> list[dict[str, Any]]:
    found = anyone.call("GET", "/elections?status=open")
    details = [anyone.call("GET", f"/elections/{e['id']}") for e in found]
    return [e for e in details if kind is None or e["kind"] == kind]


def _hold(votes: list[tuple[dict[str, Any], dict[int, Api], int]]) -> None:
    """Elections held together: in each, one elector stands while nominations are open (a
    ballot then is refused: 409), then, once nominations close, every elector votes for them;
    the clock closes each at once."""
    standing = []
    for election, members, candidate in votes:
        members[candidate].call("POST", f"/elections/{election['id']}/candidates", {}, 201)
        detail = members[candidate].call("GET", f"/elections/{election['id']}")
        first = detail["candidates"][0]["id"]
        early = members[candidate].call(
            "POST", f"/elections/{election['id']}/ballots", {"choices": [first]}, expect=409
        )
        assert "voting opens at" in early["detail"]
        standing.append((detail, members, first))
    _wait_past(max(detail["nominations_close_at"] for detail, _, _ in standing))
    for detail, members, first in standing:
        for client in members.values():
            client.call("POST", f"/elections/{detail['id']}/ballots", {"choices": [first]}, 201)


def _wait_past(moment: str) -> None:
    from datetime import UTC, datetime

    at = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    time.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.3)


def _closed(anyone: Api, election_id: int) -> Any:
    try:
        return _until(
            f"election {election_id} closed",
            lambda: anyone.call("GET", f"/elections/{election_id}")["status"] != "open",
        )
    except AssertionError:
        raise AssertionError(anyone.call("GET", f"/elections/{election_id}")) from None


def test_a_federation_of_three_levels_runs_its_own_cycle(servers, tmp_path):  # type: ignore[no-untyped-def]
    url, urls = servers
    clients = {user: Api(urls, user) for user in (m["username"] for m in _plan()["members"])}
    by_id = {c.me["id"]: c for c in clients.values()}
    unit_of = {c.me["id"]: c.me["unit_id"] for c in clients.values()}
    anyone = next(iter(clients.values()))

    # Founding, level 1: the operator opens the buildings' elections; each elects one deputy.
    opened = _cli(url, "elections", "open-founding").stdout
    assert "opened 4 founding election(s)" in opened
    votes = []
    for election in _open(anyone, "founding"):
        electors = {m: c for m, c in by_id.items() if unit_of[m] == election["electorate"]["id"]}
        votes.append((election, electors, min(electors)))
    _hold(votes)
    votes = []
    upper = _until(
        "the districts' founding",
        lambda: [e for e in _open(anyone, "founding") if e["electorate"]["kind"] == "council"],
    )
    assert not [e for e in _open(anyone, "founding") if e["electorate"]["kind"] == "unit"]
    assert len(upper) == 2
    for election in upper:
        # Level 2: the clock opened each district's delegation to the chief council.
        council = anyone.call("GET", f"/councils/{election['electorate']['id']}/mandates")
        electors = {md["holder_id"]: by_id[md["holder_id"]] for md in council}
        votes.append((election, electors, min(electors)))
    _hold(votes)
    chief = _until(
        "the chief council to sit",
        lambda: [
            c
            for c in anyone.call("GET", "/councils")
            if c["parent_id"] is None
            and len(anyone.call("GET", f"/councils/{c['id']}/mandates")) == 2
        ],
    )[0]

    # A chief-council deputy recalled by vote: the clock decides it when every elector voted.
    target = anyone.call("GET", f"/councils/{chief['id']}/mandates")[0]
    district = target["electorate"]["id"]
    district_deputies = {
        md["holder_id"]: by_id[md["holder_id"]]
        for md in anyone.call("GET", f"/councils/{district}/mandates")
    }
    opener = next(iter(district_deputies.values()))
    petition = opener.call("POST", "/recalls", {"mandate_id": target["id"]}, expect=201)
    if petition["status"] == "open":
        petition = opener.call("POST", f"/recalls/{petition['id']}/signatures", {})
    assert petition["status"] == "vote_open"
    vote_id = opener.call("GET", f"/recalls/{petition['id']}")["vote_election_id"]
    for client in district_deputies.values():
        client.call("POST", f"/elections/{vote_id}/ballots", {"choices": [1]}, expect=201)
    _closed(anyone, vote_id)
    decided = _until(
        "the recall decided",
        lambda: (
            (p := anyone.call("GET", f"/recalls/{petition['id']}"))["status"] == "recalled" and p
        ),
    )
    assert anyone.call("GET", f"/mandates/{target['id']}")["is_active"] is False
    by_chief = anyone.call("GET", f"/elections/{decided['by_election_id']}")
    assert (by_chief["kind"], by_chief["is_secret"]) == ("by", True)  # as the general one
    # While its nominations are open, the recalled delegate stands again (a deputy of the
    # district still).
    by_id[target["holder_id"]].call("POST", f"/elections/{by_chief['id']}/candidates", {}, 201)

    # A district deputy recalled directly by the members of their building.
    district_seat = next(
        md
        for md in anyone.call("GET", f"/councils/{district}/mandates")
        if md["holder_id"] != target["holder_id"]
    )
    building = district_seat["electorate"]["id"]
    tenants = {m: c for m, c in by_id.items() if unit_of[m] == building}
    signer = next(c for m, c in tenants.items() if m != district_seat["holder_id"])
    direct = signer.call("POST", "/recalls", {"mandate_id": district_seat["id"]}, expect=201)
    for client in tenants.values():
        if direct["status"] != "open":
            break
        direct = client.call("POST", f"/recalls/{direct['id']}/signatures", {})
    assert direct["status"] == "recalled"

    # Both seats filled by by-elections that the clock closes: the building's first, whose new
    # deputy then votes in the chief council's by-election with the district's other deputy.
    by_unit = anyone.call("GET", f"/elections/{direct['by_election_id']}")
    assert by_unit["kind"] == "by" and by_unit["electorate"] == {"kind": "unit", "id": building}
    _hold([(by_unit, tenants, max(tenants))])
    _closed(anyone, by_unit["id"])
    district_now = anyone.call("GET", f"/councils/{district}/mandates")
    assert len(district_now) == 2
    _wait_past(by_chief["nominations_close_at"])
    chief_candidate = anyone.call("GET", f"/elections/{by_chief['id']}")["candidates"][0]["id"]
    for md in district_now:
        by_id[md["holder_id"]].call(
            "POST", f"/elections/{by_chief['id']}/ballots", {"choices": [chief_candidate]}, 201
        )
    _closed(anyone, by_chief["id"])
    _until(
        "every seat filled",
        lambda: all(
            len(anyone.call("GET", f"/councils/{c['id']}/mandates")) == c["seats"]
            for c in anyone.call("GET", "/councils")
        ),
    )

    # Each due act once, though two servers' clocks ran.
    entries = anyone.call("GET", "/audit/entries?start=0&end=100000")
    entries = entries["entries"] if isinstance(entries, dict) else entries
    closes = Counter(
        e["payload"]["election"] for e in entries if e["act"] in ("election.close", "election.void")
    )
    assert closes and max(closes.values()) == 1
    assert any(e.get("actor") == "clock" for e in entries)

    _cli(url, "check")
    _cli(url, "audit", "verify")
    _cli(url, "export", str(tmp_path / "export"))
    verified = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "verify_export.py"), str(tmp_path / "export")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
