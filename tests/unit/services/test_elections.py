"""Elections of deputies (services/elections.py): open, nominate, cast, close; secret ballots
keep no link to their voter; a general election replaces the holders, with its cascade."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select

from dualpower.domain import errors
from dualpower.services.audit import verify_log
from dualpower.services.check import check
from dualpower.services.elections import OpenElection, cast_ballot, nominate
from dualpower.store import tables as t
from factories import Small
from fixtures_services import close_election, open_election


def unit_electorate(federation: Small, unit: str) -> int:
    with federation.system.uow() as uow:
        electorate = uow.electorates.for_unit(federation.units[unit])
    assert electorate is not None
    return electorate.id


def log_since(federation: Small, seq: int) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    verify_log(federation.system.engine)  # seals what is pending
    with federation.system.engine.connect() as conn:
        rows = conn.execute(
            select(t.audit_log.c.act, t.audit_log.c.payload)
            .where(t.audit_log.c.seq >= seq)
            .order_by(t.audit_log.c.seq)
        ).all()
    return [(act, json.loads(payload)) for act, payload in rows]


def log_size(federation: Small) -> int:
    return len(log_since(federation, 0))


@pytest.fixture
def forge(federation: Small) -> dict[str, int]:
    """An open secret election in Forge (2 seats) with three candidates."""
    uow = federation.system.uow
    electorate = unit_electorate(federation, "Forge")
    election = open_election(uow(), OpenElection(electorate, "block", is_secret=True))
    m = federation.members
    cands = {
        name: nominate(uow(), election, m[name], federation.factions["G"], actor=None)
        for name in ("forge10", "forge11", "forge12")
    }
    return {"election": election, "electorate": electorate, **cands}


def test_open_records_the_election(federation: Small) -> None:
    electorate = unit_electorate(federation, "Mill")
    election_id = open_election(federation.system.uow(), OpenElection(electorate, "irv"))
    with federation.system.uow() as uow:
        election = uow.elections.get(election_id)
    assert election is not None
    assert (election.status, election.kind, election.method, election.seats) == (
        "open",
        "general",
        "irv",
        2,
    )
    act, payload = log_since(federation, 0)[-1]
    assert act == "election.open" and payload["election"] == election_id


@pytest.mark.parametrize(
    ("cmd", "error"),
    [
        (OpenElection(10_000), errors.NotFound),
        (OpenElection(0, method="lottery"), errors.InvalidRequest),
        (OpenElection(0, kind="founding"), errors.NotAllowed),
    ],
    ids=["unknown-electorate", "unknown-method", "second-founding"],
)
def test_open_refusals(federation: Small, cmd: OpenElection, error: type) -> None:
    if cmd.electorate_id == 0:
        cmd = OpenElection(unit_electorate(federation, "Farm"), method=cmd.method, kind=cmd.kind)
    before = log_size(federation)
    with pytest.raises(error):
        open_election(federation.system.uow(), cmd)
    assert log_size(federation) == before


def test_nomination_refusals(federation: Small, forge: dict[str, int]) -> None:
    uow, m = federation.system.uow, federation.members
    with pytest.raises(errors.NotAllowed):  # not an elector of Forge
        nominate(uow(), forge["election"], m["mill1"], None, actor=None)
    with pytest.raises(errors.Conflict):
        nominate(uow(), forge["election"], m["forge10"], None, actor=None)
    with pytest.raises(errors.NotFound):
        nominate(uow(), 10_000, m["forge10"], None, actor=None)


@pytest.mark.parametrize(
    ("voter", "choices", "error"),
    [
        ("mill1", ["forge10"], errors.NotAllowed),
        ("forge1", [], errors.InvalidRequest),
        ("forge1", ["forge10", "forge10"], errors.InvalidRequest),
        ("forge1", ["forge10", "forge11", "forge12"], errors.InvalidRequest),
        ("forge1", [-1], errors.InvalidRequest),
    ],
    ids=["not-an-elector", "empty", "twice", "too-many", "not-a-candidate"],
)
def test_ballot_refusals(
    federation: Small, forge: dict[str, int], voter: str, choices: list[str], error: type
) -> None:
    picks = [forge[c] if c in forge else c for c in choices]
    with pytest.raises(error):
        cast_ballot(federation.system.uow(), forge["election"], federation.members[voter], picks)  # type: ignore[arg-type]
    with federation.system.uow() as uow:
        assert not uow.elections.has_participated(forge["election"], federation.members[voter])


def test_one_ballot_per_member(federation: Small, forge: dict[str, int]) -> None:
    voter = federation.members["forge1"]
    cast_ballot(federation.system.uow(), forge["election"], voter, [forge["forge10"]])
    with pytest.raises(errors.AlreadyVoted):
        cast_ballot(federation.system.uow(), forge["election"], voter, [forge["forge11"]])
    with federation.system.uow() as uow:
        assert len(uow.elections.ballot_choices(forge["election"])) == 1


def test_plurality_takes_one_choice(federation: Small) -> None:
    uow, m = federation.system.uow, federation.members
    election = open_election(uow(), OpenElection(unit_electorate(federation, "Farm"), "plurality"))
    a = nominate(uow(), election, m["farm3"], None, actor=None)
    b = nominate(uow(), election, m["farm4"], None, actor=None)
    with pytest.raises(errors.InvalidRequest):
        cast_ballot(uow(), election, m["farm1"], [a, b])


def test_secret_ballots_keep_no_voter(federation: Small, forge: dict[str, int]) -> None:
    uow, m = federation.system.uow, federation.members
    start = log_size(federation)
    ballots = {
        "forge1": [forge["forge10"], forge["forge11"]],
        "forge2": [forge["forge11"]],
        "forge3": [forge["forge12"], forge["forge10"]],
    }
    receipts = {
        name: cast_ballot(uow(), forge["election"], m[name], c) for name, c in ballots.items()
    }
    assert len(set(receipts.values())) == 3 and all(len(r) >= 16 for r in receipts.values())
    # a ballot row has no voter, no time, no sequential id
    columns = {c["name"] for c in inspect(federation.system.engine).get_columns("ballots")}
    assert columns == {"receipt", "election_id", "choices", "voter_id"}
    with federation.system.engine.connect() as conn:
        rows = conn.execute(
            select(t.ballots).where(t.ballots.c.election_id == forge["election"])
        ).all()
    assert {r.receipt for r in rows} == set(receipts.values())
    assert all(r.voter_id is None for r in rows)
    # during voting the log records only who took part
    during = log_since(federation, start)
    assert [act for act, _ in during] == ["election.participate"] * 3
    for (_, payload), name in zip(during, ballots, strict=True):
        assert payload == {"election": forge["election"], "members": [m[name]]}
    # at the close, the ballots enter the log as one entry, with their receipts
    close_election(uow(), forge["election"])
    closing = [p for act, p in log_since(federation, start) if act == "election.close"]
    assert len(closing) == 1
    published = closing[0]["ballots"]
    assert sorted(b["receipt"] for b in published) == sorted(receipts.values())
    by_receipt = {b["receipt"]: b["choices"] for b in published}
    for name, choices in ballots.items():
        assert by_receipt[receipts[name]] == choices
    assert all(set(b) == {"receipt", "choices"} for b in published)


def test_open_ballots_are_roll_call(federation: Small) -> None:
    uow, m = federation.system.uow, federation.members
    election = open_election(uow(), OpenElection(unit_electorate(federation, "Farm"), "block"))
    a = nominate(uow(), election, m["farm3"], None, actor=None)
    start = log_size(federation)
    receipt = cast_ballot(uow(), election, m["farm1"], [a])
    ((act, payload),) = log_since(federation, start)
    assert act == "ballot.cast"
    assert payload == {
        "election": election,
        "member": m["farm1"],
        "choices": [a],
        "receipt": receipt,
    }
    with federation.system.engine.connect() as conn:
        voter = conn.execute(
            select(t.ballots.c.voter_id).where(t.ballots.c.receipt == receipt)
        ).scalar()
    assert voter == m["farm1"]


def test_close_refusals(federation: Small, forge: dict[str, int]) -> None:
    uow = federation.system.uow
    empty = open_election(uow(), OpenElection(unit_electorate(federation, "Mill")))
    with pytest.raises(errors.Conflict):
        close_election(uow(), empty)  # no candidates
    cast_ballot(uow(), forge["election"], federation.members["forge2"], [forge["forge10"]])
    close_election(uow(), forge["election"])
    with pytest.raises(errors.Conflict):
        close_election(uow(), forge["election"])
    with pytest.raises(errors.Conflict):
        cast_ballot(uow(), forge["election"], federation.members["forge1"], [forge["forge10"]])
    with pytest.raises(errors.NotFound):
        close_election(uow(), 10_000)


def test_general_election_replaces_the_holders_and_cascades(federation: Small) -> None:
    uow = federation.system.uow
    with uow() as w:
        delegate = w.mandates.active_in_council(federation.councils["Chief Council"])[0]
        base = w.mandates.get(delegate.depends_on_id or 0)
        assert base is not None
        base_base = w.mandates.get(base.depends_on_id) if base.depends_on_id else base
        assert base_base is not None
        electorate = w.electorates.get(base_base.electorate_id)
        assert electorate is not None and electorate.kind == "unit"
        old = w.mandates.active(t.mandates.c.electorate_id == electorate.id)
        voters = sorted(m.id for m in w.members.of_unit(electorate.unit_id or 0))
    newcomers = [v for v in voters if v not in {md.holder_id for md in old}][: electorate.seats]
    election = open_election(uow(), OpenElection(electorate.id, "block"))
    cands = [nominate(uow(), election, v, None, actor=None) for v in newcomers]
    for voter in voters:
        cast_ballot(uow(), election, voter, cands)
    created = close_election(uow(), election)
    assert sorted(md.holder_id for md in created) == sorted(newcomers)
    with uow() as w:
        for md in old:
            ended = w.mandates.get(md.id)
            assert ended is not None and ended.end_reason == "replaced"
        gone = w.mandates.get(delegate.id)
        assert gone is not None and not gone.is_active and gone.end_reason == "cascade"
        active = w.mandates.active(t.mandates.c.electorate_id == electorate.id)
        assert sorted(md.holder_id for md in active) == sorted(newcomers)
    assert check(uow()) == []
    assert verify_log(federation.system.engine).ok


def test_closing_without_ballots_is_refused_clearly(
    federation: Small, forge: dict[str, int]
) -> None:
    with pytest.raises(errors.Conflict, match="no ballots"):
        close_election(federation.system.uow(), forge["election"])
    with federation.system.uow() as uow:
        election = uow.elections.get(forge["election"])
    assert election is not None and election.status == "open"
