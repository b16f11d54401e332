"""A general election supersedes the by-elections still open in its electorate (found by
`bench/invariants.py`: a by-election closed after a general election had filled its seat hit the
one-holder-per-seat constraint and answered with a database error).

The rule: when a general election of an electorate closes, every by-election of that electorate
still open is closed as superseded (no count, no seat; logged `election.supersede`), so that the
seats are those the general election gave; a seat it left empty gets a by-election of its own.
Closing a superseded by-election is refused like any closed election (409)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dualpower.domain import errors
from dualpower.services import recall
from dualpower.services.audit import verify_log
from dualpower.services.check import check
from dualpower.services.elections import OpenElection, cast_ballot, nominate
from dualpower.services.export import export
from dualpower.store import tables as t
from dualpower.web.app import create_app
from factories import Small, to_voting
from fixtures_services import cast_many, close_election, open_election

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_export.py"


def _forge(federation: Small) -> tuple[int, list[int], list[int]]:
    """Forge's electorate, its members, and its deputies' mandates."""
    with federation.system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units["Forge"])
        assert electorate is not None
        voters = sorted(m.id for m in uow.members.of_unit(federation.units["Forge"]))
        held = uow.mandates.active(t.mandates.c.electorate_id == electorate.id)
    return electorate.id, voters, [md.id for md in held]


def _recall_first_deputy(
    federation: Small, electorate: int, mandates: list[int], voters: list[int]
) -> int:
    """Recall one Forge deputy (by signatures, and by the recall vote if the council asks for
    one); the id of the by-election that opens for the seat (others may open above it)."""
    uow = federation.system.uow
    petition = recall.open_recall(uow(), mandates[0], voters[0])
    state = petition
    for voter in voters:  # one signature at a time until the threshold is reached
        state = recall.sign_many(uow(), petition.id, [voter])
        if state.status != "open":
            break
    if state.status == "vote_open":
        with uow() as w:
            vote = w.recalls.get(petition.id).vote_election_id
        cast_many(uow(), vote, [(v, [1]) for v in voters])
        recall.close_recall_vote(uow(), vote)
    with uow() as w:
        opened = w.elections.list(
            t.elections.c.electorate_id == electorate,
            t.elections.c.kind == "by",
            t.elections.c.status == "open",
        )
    assert len(opened) == 1, opened
    return opened[0].id


def _general(federation: Small, electorate: int, voters: list[int], winners: list[int]) -> int:
    uow = federation.system.uow
    election = open_election(uow(), OpenElection(electorate, "block"))
    cands = [nominate(uow(), election, v, None, actor=None) for v in winners]
    for voter in voters:
        cast_ballot(uow(), election, voter, cands)
    return election


def _status(federation: Small, election: int) -> tuple[str, dict]:  # type: ignore[type-arg]
    with federation.system.uow() as uow:
        found = uow.elections.get(election)
        assert found is not None
        return found.status, uow.elections.result(election) or {}


def test_a_general_election_supersedes_an_open_by_election(
    federation: Small, tmp_path: Path
) -> None:
    uow = federation.system.uow
    electorate, voters, mandates = _forge(federation)
    by = _recall_first_deputy(federation, electorate, mandates, voters)
    nominee = nominate(uow(), by, voters[-1], None, actor=None)
    to_voting(federation.system, by)
    cast_ballot(uow(), by, voters[0], [nominee])
    general = _general(federation, electorate, voters, voters[-len(mandates) :])
    close_election(uow(), general)

    status, result = _status(federation, by)
    assert status == "closed" and result["superseded_by"] == general and result["winners"] == []
    with pytest.raises(errors.Conflict, match="already closed"):
        close_election(uow(), by)  # was: IntegrityError on (electorate, seat) -> a 500
    with pytest.raises(errors.Conflict):
        cast_ballot(uow(), by, voters[1], [nominee])
    with uow() as w:
        held = w.mandates.active(t.mandates.c.electorate_id == electorate)
    assert sorted(md.holder_id for md in held) == sorted(voters[-len(mandates) :])
    assert check(uow()) == []
    report = verify_log(federation.system.engine)
    assert report.ok, report.reason
    # its electors are told their by-election was closed uncounted, with a link to it
    with uow() as w:
        told = [
            n
            for n in w.notifications.list()
            if n.kind == "by_election" and n.link == f"/elections/{by}" and "uncounted" in n.subject
        ]
    assert sorted(n.member_id for n in told) == voters
    assert f"general election {general}" in told[0].subject

    # Shown as such on the page and in the API; the public record still verifies.
    with TestClient(create_app(federation.system)) as client:
        page = client.get(f"/elections/{by}")
        assert page.status_code == 200 and f'href="/elections/{general}"' in page.text
        assert "Not counted" in page.text
        api = client.get(f"/api/v1/elections/{by}/result")
        assert api.status_code == 200 and api.json()["superseded_by"] == general
        assert api.json()["winners"] == []
    export(uow(), tmp_path / "public")
    verified = subprocess.run(
        [sys.executable, "-I", "-S", str(TOOL), str(tmp_path / "public")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_general_election_with_too_few_candidates_opens_fresh_by_elections(
    federation: Small,
) -> None:
    """The superseded by-election's seat, left empty by the general election, gets a new one."""
    uow = federation.system.uow
    electorate, voters, mandates = _forge(federation)
    assert len(mandates) >= 2
    by = _recall_first_deputy(federation, electorate, mandates, voters)
    general = _general(federation, electorate, voters, voters[-1:])  # one winner only
    close_election(uow(), general)
    assert _status(federation, by)[0] == "closed"
    with uow() as w:
        fresh = w.elections.list(
            t.elections.c.electorate_id == electorate,
            t.elections.c.kind == "by",
            t.elections.c.status == "open",
        )
    assert sorted(e.seat_no for e in fresh) == list(range(2, len(mandates) + 1))
    assert check(uow()) == []


def test_closing_the_by_election_and_the_general_one_at_once(federation: Small) -> None:
    """Both closes at the same moment: whichever order the database gives them, no error other
    than the by-election's 409, and the seats are exactly the general election's."""
    uow = federation.system.uow
    electorate, voters, mandates = _forge(federation)
    by = _recall_first_deputy(federation, electorate, mandates, voters)
    nominee = nominate(uow(), by, voters[-1], None, actor=None)
    to_voting(federation.system, by)
    cast_ballot(uow(), by, voters[0], [nominee])
    general = _general(federation, electorate, voters, voters[: len(mandates)])
    start, outcomes = threading.Barrier(2), {}

    def close(election: int) -> None:
        start.wait()
        try:
            close_election(uow(), election)
            outcomes[election] = "closed"
        except errors.DomainError as refused:
            outcomes[election] = type(refused).__name__

    threads = [threading.Thread(target=close, args=(e,)) for e in (by, general)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes[general] == "closed"
    assert outcomes[by] in ("closed", "Conflict")
    with uow() as w:
        held = w.mandates.active(t.mandates.c.electorate_id == electorate)
    assert sorted(md.holder_id for md in held) == voters[: len(mandates)]
    assert check(uow()) == []
