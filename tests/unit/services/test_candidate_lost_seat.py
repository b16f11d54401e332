"""A candidate who is no longer an elector when the election closes does not take the seat
(found by `bench/invariants.py`, seed 2001: a chief-council seat was given to a deputy whose seat
in the council below had been recalled after the nomination; it rested on no mandate at all).

The rule: a candidate stands only while they could still be nominated, i.e. while they are one of
the electors (for a council's seats, a deputy of the council below; for an office, a deputy of
its council). At the close, a candidate who is no longer one is withdrawn from the count: the
count is made without them (a ranked ballot passes to its next choice), the result names them as
`withdrawn`, and the close's audit act says so too, so that the public count can be recomputed.
With no candidate left standing the close is refused (409) and nothing changes.

Their seats below are locked while the close runs: a recall that ends one at the same moment
either commits first (the candidate is withdrawn) or waits and then ends the new seat with the
rest of its cascade."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualpower.domain import errors
from dualpower.domain.model import Mandate
from dualpower.services import offices, recall
from dualpower.services.audit import verify_log
from dualpower.services.check import check
from dualpower.services.elections import OpenElection, cast_ballot, nominate
from dualpower.services.export import export
from dualpower.store import tables as t
from dualpower.web.app import create_app
from factories import Small, to_voting
from fixtures_services import close_election, open_election
from offices_support import setup_offices

TOOL = Path(__file__).resolve().parents[3] / "tools" / "verify_export.py"


def _north(federation: Small) -> tuple[int, list[Mandate]]:
    """The electorate that sends North's delegates to the Chief Council, and North's seats."""
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        electorate = next(
            e for e in uow.electorates.list() if e.kind == "council" and e.source_id == north
        )
        seats = sorted(uow.mandates.active_in_council(north), key=lambda md: md.id)
    return electorate.id, seats


def _recall(federation: Small, mandate: Mandate) -> None:
    """North recalls directly: a majority of the seat's electors sign."""
    uow = federation.system.uow
    with uow() as w:
        electorate = w.electorates.get(mandate.electorate_id)
        assert electorate is not None
        electors = sorted(recall.electors(w, electorate))
    petition = recall.open_recall(uow(), mandate.id, electors[0])
    state = recall.sign_many(uow(), petition.id, electors[: petition.threshold])
    assert state.status == "recalled"


def _log_size(federation: Small) -> int:
    with federation.system.uow() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(t.audit_log)).scalar())


def _chief_election(federation: Small) -> tuple[int, list[int], list[Mandate]]:
    """A general election of North's two delegates: its three deputies stand; the first has the
    most votes (block: each ballot names two)."""
    uow = federation.system.uow
    electorate, seats = _north(federation)
    assert len(seats) == 3
    election = open_election(uow(), OpenElection(electorate, "block"))
    cands = [nominate(uow(), election, md.holder_id, None, actor=None) for md in seats]
    for md, choices in zip(
        seats, ([cands[0], cands[1]], [cands[0], cands[1]], [cands[0], cands[2]]), strict=True
    ):
        cast_ballot(uow(), election, md.holder_id, choices)
    return election, cands, seats


def _resting_on_ended(federation: Small) -> list[int]:
    """Active mandates whose seat below is not active."""
    md = t.mandates
    below = md.alias("below")
    query = (
        select(md.c.id)
        .join(below, below.c.id == md.c.depends_on_id, isouter=True)
        .where(md.c.end_at.is_(None), md.c.depends_on_id.is_not(None), below.c.end_at.is_not(None))
    )
    with federation.system.uow() as uow:
        return list(uow.conn.execute(query).scalars())


def test_a_candidate_recalled_below_is_withdrawn_from_the_count(
    federation: Small, tmp_path: Path
) -> None:
    uow = federation.system.uow
    election, cands, seats = _chief_election(federation)
    _recall(federation, seats[0])  # the front-runner loses the seat that made them a candidate

    mandates = close_election(uow(), election)

    assert sorted(md.holder_id for md in mandates) == sorted(
        [seats[1].holder_id, seats[2].holder_id]
    )
    with uow() as w:
        result = w.elections.result(election) or {}
        active = {md.id for md in w.mandates.active()}
    assert result["withdrawn"] == [str(cands[0])]
    assert sorted(result["winners"]) == sorted([str(cands[1]), str(cands[2])])
    assert all(md.depends_on_id in active for md in mandates)
    assert _resting_on_ended(federation) == []
    assert check(uow()) == []
    report = verify_log(federation.system.engine)
    assert report.ok, report.reason

    # The page, the API and the public record say who was withdrawn; an outsider's recount
    # agrees.
    withdrawn = next(md.holder_id for md in seats[:1])
    with uow() as w:
        name = w.members.get(withdrawn).display_name
    with TestClient(create_app(federation.system)) as client:
        page = client.get(f"/elections/{election}")
        assert page.status_code == 200 and "Withdrawn before the count" in page.text
        assert name in page.text.split("Withdrawn before the count", 1)[1].split("</p>", 1)[0]
        api = client.get(f"/api/v1/elections/{election}/result")
        assert api.status_code == 200
        assert [c["id"] for c in api.json()["withdrawn"]] == [cands[0]]
    export(uow(), tmp_path / "public")
    verified = subprocess.run(
        [sys.executable, "-I", "-S", str(TOOL), str(tmp_path / "public")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_with_no_candidate_left_standing_the_close_is_refused(federation: Small) -> None:
    uow = federation.system.uow
    electorate, seats = _north(federation)
    election = open_election(uow(), OpenElection(electorate, "block"))
    cand = nominate(uow(), election, seats[0].holder_id, None, actor=None)
    cast_ballot(uow(), election, seats[1].holder_id, [cand])
    _recall(federation, seats[0])
    before = _log_size(federation)

    with pytest.raises(errors.Conflict, match="no candidate"):
        close_election(uow(), election)

    with uow() as w:
        found = w.elections.get(election)
        assert found is not None and found.status == "open"
    assert _log_size(federation) == before
    # Another deputy stands; the election can then be closed.
    other = nominate(uow(), election, seats[1].holder_id, None, actor=None)
    cast_ballot(uow(), election, seats[2].holder_id, [other])
    (seated,) = close_election(uow(), election)
    assert seated.holder_id == seats[1].holder_id
    assert check(uow()) == []


def test_an_office_candidate_who_lost_their_seat_is_withdrawn(federation: Small) -> None:
    o = setup_offices(federation, stipend=0)
    uow = federation.system.uow
    commission = o.holder["electoral commission"]
    election = offices.open_office_election(uow(), o.office["chair"], commission)
    first, second = _two(o, commission)
    c1 = offices.stand(uow(), election, first)
    c2 = offices.stand(uow(), election, second)
    to_voting(federation.system, election)
    for deputy in o.deputies:
        cast_ballot(uow(), election, deputy, [c1 if deputy != second else c2])
    north = federation.councils["North Council"]
    with uow() as w:
        seat = next(md for md in w.mandates.active_of_holder(first) if md.council_id == north)
    _recall(federation, seat)

    term = offices.close_office_election(uow(), election, commission)

    assert term.holder_id == second
    with uow() as w:
        assert (w.elections.result(election) or {})["withdrawn"] == [str(c1)]
    assert check(uow()) == []


def _two(o, commission: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Two deputies who stand: one to be recalled (not the commission, which closes the
    election), and the chair, who stands again."""
    first = next(d for d in o.deputies if d not in (commission, o.holder["chair"]))
    return first, o.holder["chair"]


def test_a_recall_below_at_the_moment_of_the_close(federation: Small) -> None:
    """The deciding signature against the front-runner's seat below and the close, at once:
    whichever commits first, no seat is left resting on an ended one."""
    uow = federation.system.uow
    election, _cands, seats = _chief_election(federation)
    with uow() as w:
        electorate = w.electorates.get(seats[0].electorate_id)
        assert electorate is not None
        electors = sorted(recall.electors(w, electorate))
    petition = recall.open_recall(uow(), seats[0].id, electors[0])
    recall.sign_many(uow(), petition.id, electors[1 : petition.threshold])  # one short
    start, outcomes = threading.Barrier(2), {}

    def act(name: str, do) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            do()
            outcomes[name] = "done"
        except errors.DomainError as refused:
            outcomes[name] = type(refused).__name__

    deciding = electors[petition.threshold]
    threads = [
        threading.Thread(target=act, args=("close", lambda: close_election(uow(), election))),
        threading.Thread(
            target=act, args=("sign", lambda: recall.sign_recall(uow(), petition.id, deciding))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {"close": "done", "sign": "done"}
    with uow() as w:
        assert w.recalls.get(petition.id).status == "recalled"
        assert w.mandates.get(seats[0].id).end_at is not None
    assert _resting_on_ended(federation) == []
    assert check(uow()) == []
    report = verify_log(federation.system.engine)
    assert report.ok, report.reason
