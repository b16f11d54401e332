"""The cycle runs itself (DESIGN.md 2.9): windows, the clock, closes nobody chooses, by-elections
that follow their electorate's general election, and each due act done once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from dualpower.domain import errors
from dualpower.domain.cycle import CLOCK
from dualpower.services import cycle, elections, recall
from dualpower.services.check import check
from dualpower.services.due import run_due
from dualpower.store import tables
from factories import username

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def fed(federation):  # type: ignore[no-untyped-def]
    federation.system.clock = Clock()
    # The world was founded by the real clock, after START: its roll is moved back before it,
    # since a vote's roll is the one that stood when its voting opened (DESIGN.md 2.10).
    with federation.system.uow() as uow:
        uow.conn.execute(tables.memberships.update().values(start_at=START - DAY))
        uow.commit()
    return federation


def _member(fed, unit: str, i: int) -> int:  # type: ignore[no-untyped-def]
    return fed.members[username(unit, i)]


def _electorate(fed, unit: str):  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return uow.electorates.for_unit(fed.units[unit])


def _seated(fed, unit: str) -> list[int]:  # type: ignore[no-untyped-def]
    electorate = _electorate(fed, unit)
    with fed.system.uow() as uow:
        return sorted(
            md.holder_id
            for md in uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        )


def _deputy(fed, unit: str) -> int:  # type: ignore[no-untyped-def]
    return _seated(fed, unit)[0]


def _commission(fed) -> int:  # type: ignore[no-untyped-def]
    """Any deputy of the North Council opens its elections while nobody holds run_election."""
    return _deputy(fed, "Forge")


def _open_forge(fed) -> int:  # type: ignore[no-untyped-def]
    cmd = cycle.GeneralElection(fed.councils["North Council"], "unit", fed.units["Forge"])
    return cycle.open_general(fed.system.uow(), cmd, _commission(fed))


def _get(fed, election_id: int):  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return uow.elections.get(election_id)


def test_a_general_election_takes_its_windows_from_the_standing_orders(fed):
    election = _get(fed, _open_forge(fed))
    assert election.kind == "general"
    assert election.nominations_close_at == START + timedelta(days=3)
    assert election.closes_at == election.nominations_close_at + timedelta(days=7)


def test_candidacies_until_nominations_close_ballots_after(fed):
    election_id = _open_forge(fed)
    voter = _member(fed, "Forge", 5)
    candidate = elections.nominate(fed.system.uow(), election_id, voter, None, "x")
    with pytest.raises(errors.Conflict, match="voting opens at"):
        elections.cast_ballot(fed.system.uow(), election_id, voter, [candidate])
    fed.system.clock.at = START + 3 * DAY
    with pytest.raises(errors.Conflict, match="nominations closed"):
        elections.nominate(fed.system.uow(), election_id, _member(fed, "Forge", 6), None, "x")
    assert elections.cast_ballot(fed.system.uow(), election_id, voter, [candidate])


def test_only_the_commission_opens_and_only_once(fed):
    outsider = _member(fed, "Forge", 12)  # an elector, not a deputy of the council
    cmd = cycle.GeneralElection(fed.councils["North Council"], "unit", fed.units["Forge"])
    with pytest.raises(errors.NotAllowed):
        cycle.open_general(fed.system.uow(), cmd, outsider)
    _open_forge(fed)
    with pytest.raises(errors.Conflict, match="open already"):
        _open_forge(fed)
    wrong = cycle.GeneralElection(fed.councils["South Council"], "unit", fed.units["Forge"])
    with pytest.raises(errors.NotFound):
        cycle.open_general(fed.system.uow(), wrong, _commission(fed))


def test_the_clock_closes_at_the_time_and_seats_the_winners(fed):
    election_id = _open_forge(fed)
    a, b = _member(fed, "Forge", 11), _member(fed, "Forge", 12)
    ca = elections.nominate(fed.system.uow(), election_id, a, None, "x")
    cb = elections.nominate(fed.system.uow(), election_id, b, None, "x")
    fed.system.clock.at = START + 3 * DAY
    for i in range(1, 6):
        elections.cast_ballot(fed.system.uow(), election_id, _member(fed, "Forge", i), [ca, cb])
    assert run_due(fed.system.uow) == []  # 5 of 12 voted, its time has not come
    fed.system.clock.at = START + 10 * DAY
    done = run_due(fed.system.uow)
    assert [(d.act, d.subject_id) for d in done] == [("election.close", election_id)]
    assert _seated(fed, "Forge") == sorted([a, b])
    assert run_due(fed.system.uow) == []  # once
    assert check(fed.system.uow()) == []


def test_a_vote_closes_early_only_when_every_elector_has_voted(fed):
    election_id = _open_forge(fed)
    ca = elections.nominate(fed.system.uow(), election_id, _member(fed, "Forge", 11), None, "x")
    fed.system.clock.at = START + 3 * DAY
    for i in range(1, 12):
        elections.cast_ballot(fed.system.uow(), election_id, _member(fed, "Forge", i), [ca])
    assert run_due(fed.system.uow) == []
    elections.cast_ballot(fed.system.uow(), election_id, _member(fed, "Forge", 12), [ca])
    assert [d.subject_id for d in run_due(fed.system.uow)] == [election_id]
    assert _get(fed, election_id).status == "closed"


def test_a_vote_with_nothing_to_count_closes_void_and_a_by_election_opens_anew(fed):
    mandate_holder = _deputy(fed, "Forge")
    with fed.system.uow() as uow:
        mandate = next(
            md
            for md in uow.mandates.active_of_holder(mandate_holder)
            if md.council_id == fed.councils["North Council"]
        )
    petition = recall.open_recall(fed.system.uow(), mandate.id, _member(fed, "Forge", 1))
    for i in range(1, 8):
        state = recall.sign_recall(fed.system.uow(), petition.id, _member(fed, "Forge", i))
    assert state.status == "recalled" and state.by_election_id
    fed.system.clock.at = START + 11 * DAY
    done = run_due(fed.system.uow)
    assert done[0].act == "election.void" and done[0].subject_id == state.by_election_id
    with fed.system.uow() as uow:
        reopened = [e for e in uow.elections.list() if e.kind == "by" and e.status == "open"]
    assert len(reopened) >= 1
    assert all(e.nominations_close_at > fed.system.clock.at for e in reopened)
    assert check(fed.system.uow()) == []


def test_a_by_election_follows_the_secrecy_and_method_of_the_general_election(fed):
    cmd = cycle.GeneralElection(
        fed.councils["North Council"], "unit", fed.units["Forge"], "approval", True
    )
    election_id = cycle.open_general(fed.system.uow(), cmd, _commission(fed))
    cands = [
        elections.nominate(fed.system.uow(), election_id, _member(fed, "Forge", i), None, "x")
        for i in (1, 2)
    ]
    fed.system.clock.at = START + 3 * DAY
    for i in range(1, 13):
        elections.cast_ballot(fed.system.uow(), election_id, _member(fed, "Forge", i), cands)
    run_due(fed.system.uow)
    seated = _seated(fed, "Forge")
    forge = _electorate(fed, "Forge")
    with fed.system.uow() as uow:
        mandate = next(
            md for md in uow.mandates.active_of_holder(seated[0]) if md.electorate_id == forge.id
        )
    petition = recall.open_recall(fed.system.uow(), mandate.id, _member(fed, "Forge", 3))
    for i in range(3, 10):
        state = recall.sign_recall(fed.system.uow(), petition.id, _member(fed, "Forge", i))
    by = _get(fed, state.by_election_id)
    assert (by.kind, by.method, by.is_secret) == ("by", "approval", True)


def test_a_recall_vote_is_decided_by_the_clock(fed):
    """South Council recalls by vote: the petition opens a vote; when every elector has voted
    to recall, the clock ends the mandate with its cascade and opens the by-election."""
    deputy = _deputy(fed, "Farm")
    with fed.system.uow() as uow:
        mandate = next(
            md
            for md in uow.mandates.active_of_holder(deputy)
            if md.council_id == fed.councils["South Council"]
        )
    farm = [_member(fed, "Farm", i) for i in range(1, 9)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, farm[0])
    state = recall.sign_many(fed.system.uow(), petition.id, farm[:2])  # 20 % of 8
    assert state.status == "vote_open"
    vote = _get(fed, state.vote_election_id)
    assert vote.closes_at == START + 7 * DAY  # no nominations: voting at once
    with pytest.raises(errors.InvalidRequest):
        elections.nominate(fed.system.uow(), vote.id, farm[1], None, "x")
    for member in farm:
        elections.cast_ballot(fed.system.uow(), vote.id, member, [1])
    done = run_due(fed.system.uow)
    assert [(d.act, d.detail) for d in done][0] == ("recall.vote_close", "recalled")
    after = recall.petition_state(fed.system.reader(), petition.id)
    assert after.status == "recalled" and after.by_election_id
    with fed.system.uow() as uow:
        assert not uow.mandates.get(mandate.id).is_active
        entries = (
            uow.conn.exec_driver_sql("SELECT actor FROM audit_log WHERE act = 'recall.decide'")
            .scalars()
            .all()
        )
    assert entries == [CLOCK]
    assert check(fed.system.uow()) == []


def test_an_office_election_is_not_closed_by_hand_before_its_time(fed):
    from dualpower.domain import capabilities as caps
    from dualpower.services import offices

    north = fed.councils["North Council"]
    office = offices.create_office(
        fed.system.uow(), north, "electoral commission", [caps.RUN_ELECTION], 0, by="founding"
    )
    opener = _commission(fed)
    election = offices.open_office_election(fed.system.uow(), office, opener)
    candidate = offices.stand(fed.system.uow(), election, opener)
    fed.system.clock.at = START + 3 * DAY
    elections.cast_ballot(fed.system.uow(), election, opener, [candidate])
    with pytest.raises(errors.Conflict, match="every elector has voted"):
        offices.close_office_election(fed.system.uow(), election, opener)
    fed.system.clock.at = START + 10 * DAY
    term = offices.close_office_election(fed.system.uow(), election, opener)
    assert term.holder_id == opener


def test_two_clocks_close_each_due_election_once(fed):
    ids = []
    for unit in ("Forge", "Barracks"):
        council = "North Council"
        cmd = cycle.GeneralElection(fed.councils[council], "unit", fed.units[unit])
        election_id = cycle.open_general(fed.system.uow(), cmd, _commission(fed))
        candidate = _member(fed, unit, 2)
        cid = elections.nominate(fed.system.uow(), election_id, candidate, None, "x")
        ids.append((election_id, cid, unit))
    fed.system.clock.at = START + 3 * DAY
    for election_id, cid, unit in ids:
        elections.cast_ballot(fed.system.uow(), election_id, _member(fed, unit, 1), [cid])
    fed.system.clock.at = START + 10 * DAY
    done: list[list[object]] = [[], []]
    barrier = threading.Barrier(2)

    def clock(i: int) -> None:
        barrier.wait()
        done[i] = run_due(fed.system.uow)

    threads = [threading.Thread(target=clock, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    closes = [d.subject_id for d in done[0] + done[1] if d.act == "election.close"]
    assert sorted(closes) == sorted(e for e, _, _ in ids)
    with fed.system.uow() as uow:
        n = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE act = 'election.close'"
        ).scalar_one()
        founding = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM elections WHERE kind = 'founding'"
        ).scalar_one()
    assert n == founding + 2
    assert check(fed.system.uow()) == []


def test_check_finds_a_vote_past_its_time(fed):
    _open_forge(fed)
    fed.system.clock.at = START + 11 * DAY
    problems = check(fed.system.uow())
    assert any("its time has passed" in p for p in problems)
    run_due(fed.system.uow)
    assert check(fed.system.uow()) == []


def test_founding_runs_level_by_level_until_the_chief_council_sits(system):
    from factories import small_federation

    system.clock = Clock()
    fed = small_federation(system, elect=False)
    opened = cycle.open_founding(system.uow())
    assert len(opened) == 4  # the four base units
    assert cycle.open_founding(system.uow()) == []  # once
    for election_id in opened:
        election = _get(fed, election_id)
        electorate = None
        with system.uow() as uow:
            electorate = uow.electorates.get(election.electorate_id)
            voters = sorted(elections.electors(uow, electorate))
        cands = [
            elections.nominate(system.uow(), election_id, v, fed.factions["R"], "x")
            for v in voters[: election.seats]
        ]
        system.clock.at = max(system.clock.at, election.nominations_close_at)
        elections.cast_ballot(system.uow(), election_id, voters[0], cands)
        system.clock.at = START  # the others' nominations are still open
    system.clock.at = START + 10 * DAY
    done = run_due(system.uow)
    upper = [d for d in done if d.act == "election.open"]
    assert len(upper) == 2  # the two base councils' delegations to the chief council
    votes = []
    for d in upper:
        with system.uow() as uow:
            election = uow.elections.get(d.subject_id)
            electorate = uow.electorates.get(election.electorate_id)
            voters = sorted(elections.electors(uow, electorate))
        assert election.kind == "founding"
        cands = [elections.nominate(system.uow(), election.id, v, None, "x") for v in voters[:2]]
        votes.append((election, voters, cands))
    system.clock.at = votes[0][0].nominations_close_at
    for election, voters, cands in votes:
        for v in voters:
            elections.cast_ballot(system.uow(), election.id, v, cands)
    run_due(system.uow)
    with system.uow() as uow:
        chief = uow.mandates.active_in_council(fed.councils["Chief Council"])
    assert len(chief) == 4
    assert check(system.uow()) == []


def test_a_crash_between_the_close_and_its_by_election_leaves_nothing_half_done(fed, monkeypatch):
    """The recall vote's close, the mandate's end and the by-election are one transaction: a
    crash while opening the by-election undoes the close too, and the next run does it all."""
    deputy = _deputy(fed, "Farm")
    with fed.system.uow() as uow:
        mandate = next(
            md
            for md in uow.mandates.active_of_holder(deputy)
            if md.council_id == fed.councils["South Council"]
        )
    farm = [_member(fed, "Farm", i) for i in range(1, 9)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, farm[0])
    vote = recall.sign_many(fed.system.uow(), petition.id, farm[:2]).vote_election_id
    for member in farm:
        elections.cast_ballot(fed.system.uow(), vote, member, [1])
    with fed.system.uow() as uow:
        entries = uow.conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one()

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the server died here")

    monkeypatch.setattr(recall, "open_by_elections", crash)
    with pytest.raises(RuntimeError):
        run_due(fed.system.uow)
    with fed.system.uow() as uow:
        assert uow.elections.get(vote).status == "open"
        assert uow.mandates.get(mandate.id).is_active
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one() == entries
    monkeypatch.undo()
    done = run_due(fed.system.uow)
    assert [(d.act, d.detail) for d in done][0] == ("recall.vote_close", "recalled")
    assert recall.petition_state(fed.system.reader(), petition.id).by_election_id
    assert check(fed.system.uow()) == []
