"""Offices and pay as a worker (DESIGN.md 2.4), on SQLite and PostgreSQL: the cap, what is
refused (nothing changed), capabilities given by offices and taken by recall, and the races."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from dualpower.domain import capabilities as caps
from dualpower.domain import errors
from dualpower.domain.offices import StipendAboveCap
from dualpower.services import offices, offices_views, recall, stipends
from dualpower.services.authority import require
from dualpower.services.check import check
from dualpower.services.elections import cast_ballot, open_office_in
from dualpower.services.offices import OPERATOR_CALLER, Caller
from dualpower.store.tables import audit_log, office_terms
from dualpower.store.tables import offices as offices_table
from factories import close_office_election_in_time, to_voting, username
from fixtures_services import FoundingOfficeVote, found_office_holder, show_of_hands
from offices_support import (
    NORTH_MEDIAN,
    WAGE_MEDIAN,
    adopt_stipend,
    report_all_wages,
    setup_offices,
    sit,
)


def _audit_size(system) -> int:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        return len(uow.conn.execute(select(audit_log.c.id)).all())


def _stipend(system, office_id: int) -> int:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        return uow.offices.get(office_id).stipend


def _acts(system, act: str) -> list:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        return list(
            uow.conn.execute(
                select(audit_log).where(audit_log.c.act == act).order_by(audit_log.c.id)
            ).all()
        )


def test_the_cap_is_the_median_of_reported_wages_and_offices_pay_at_it(federation):
    o = setup_offices(federation)
    listing = offices_views.pay_listing(federation.system.uow())
    assert listing["cap"] == WAGE_MEDIAN
    paid = {s["office_id"]: s for s in listing["stipends"]}
    assert {paid[i]["amount"] for i in o.office.values()} == {WAGE_MEDIAN}
    assert {paid[i]["holder_id"] for i in o.office.values()} == set(o.holder.values())
    created = _acts(federation.system, "office.create")
    assert len(created) == 3 and {row.actor for row in created} == {"founding"}
    reported = _acts(federation.system, "wages.report")
    assert len(reported) == 4 and all(row.is_operator for row in reported)
    assert check(federation.system.uow()) == []


def test_a_stipend_above_the_cap_is_refused_and_nothing_changes(federation):
    o = setup_offices(federation)
    chair = o.office["chair"]
    before = _audit_size(federation.system)
    with pytest.raises(StipendAboveCap, match="above the cap"):
        stipends.propose_stipend(federation.system.uow(), o.deputies[1], chair, WAGE_MEDIAN + 1)
    south = federation.councils["South Council"]
    with pytest.raises(StipendAboveCap):
        offices.create_office(
            federation.system.uow(), south, "treasurer", (), WAGE_MEDIAN + 1, by="founding"
        )
    # The operator creates offices, and sets no stipend: the council does, by a motion.
    with pytest.raises(errors.NotAllowed, match="stipend motion"):
        offices.create_office(federation.system.uow(), south, "treasurer", (), 1)
    assert _stipend(federation.system, chair) == WAGE_MEDIAN
    assert _audit_size(federation.system) == before
    with federation.system.uow() as uow:
        assert [x.name for x in uow.offices.list()] == [
            "chair",
            "credentials committee",
            "electoral commission",
        ]


def test_no_wages_no_cap_only_a_zero_stipend(federation):
    north = federation.councils["North Council"]
    with pytest.raises(StipendAboveCap, match="no wages are reported"):
        offices.create_office(
            federation.system.uow(), north, "chair", (caps.CONVENE_SESSION,), 1, by="founding"
        )
    office = offices.create_office(
        federation.system.uow(), north, "chair", (caps.CONVENE_SESSION,), 0, by="founding"
    )
    assert _stipend(federation.system, office) == 0


def test_one_persons_stipends_together_may_not_exceed_the_cap(federation):
    o = setup_offices(federation, stipend=WAGE_MEDIAN // 2)
    north = federation.councils["North Council"]
    extra = offices.create_office(federation.system.uow(), north, "commissioner", ())
    session = sit(o)
    adopt_stipend(o, extra, WAGE_MEDIAN // 2 + 1, session)  # vacant: alone under the cap
    election = offices.open_office_election(
        federation.system.uow(), extra, o.holder["electoral commission"]
    )
    # The chair holds a stipend of half the cap already: standing for one more is refused.
    with pytest.raises(StipendAboveCap, match="together"):
        offices.stand(federation.system.uow(), election, o.holder["chair"])
    # With no stipend of its own, the credentials committee may stand.
    committee = o.office["credentials committee"]
    adopt_stipend(o, committee, 0, session)
    offices.stand(federation.system.uow(), election, o.holder["credentials committee"])
    cand = _candidate(federation, election)
    to_voting(federation.system, election)
    cast_ballot(federation.system.uow(), election, o.deputies[0], [cand])
    # Its stipend then rises to the cap (alone it may): the election result would put its
    # holder above the cap together, and is refused.
    adopt_stipend(o, committee, WAGE_MEDIAN, session)
    with pytest.raises(StipendAboveCap):
        close_office_election_in_time(federation.system, election, o.holder["electoral commission"])
    with federation.system.uow() as uow:
        assert uow.office_terms.active_of_office(extra) is None
        assert uow.elections.get(election).status == "open"
    assert check(federation.system.uow()) == []


def _candidate(fed, election_id: int) -> int:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return uow.elections.candidates(election_id)[0].id


def test_a_lower_wage_report_brings_stipends_down_to_the_new_cap(federation):
    o = setup_offices(federation)
    forge = federation.units["Forge"]
    low = {federation.members[username("Forge", i)]: 1 for i in range(1, 13)}
    mill = {federation.members[username("Mill", i)]: 1 for i in range(1, 13)}
    offices.report_wages(federation.system.uow(), forge, low, OPERATOR_CALLER)
    offices.report_wages(federation.system.uow(), federation.units["Mill"], mill, OPERATOR_CALLER)
    listing = offices_views.pay_listing(federation.system.uow())
    assert listing["cap"] < WAGE_MEDIAN
    assert all(s["amount"] <= listing["cap"] for s in listing["stipends"])
    assert _acts(federation.system, "office.lower_stipend")
    assert check(federation.system.uow()) == []
    del o


def test_territory_scope_uses_the_councils_own_units(federation):
    """The council chooses its cap's scope by a standing-orders motion it adopts (DESIGN.md 2.4,
    2.9); nobody sets it otherwise (there is no operator's setter)."""
    from dualpower.services import motions, sessions, standing_orders

    o = setup_offices(federation, stipend=0)
    north = federation.councils["North Council"]
    assert not hasattr(offices, "set_pay_cap_scope")
    motion = standing_orders.propose_standing_orders(
        federation.system.uow(), o.deputies[0], north, {"pay_cap_scope": "territory"}
    )
    session = sit(o)
    sessions.add_to_agenda(federation.system.uow(), o.holder["chair"], session, motion)
    motions.open_vote(federation.system.uow(), motion, o.holder["chair"])
    show_of_hands(federation.system.uow(), motion, [(d, "yes") for d in o.deputies])
    motions.close_vote(federation.system.uow(), motion, o.holder["chair"])
    listing = offices_views.pay_listing(federation.system.uow())
    caps_by_council = {c["id"]: c["cap"] for c in listing["councils"]}
    assert caps_by_council[north] == NORTH_MEDIAN != WAGE_MEDIAN
    assert caps_by_council[federation.councils["South Council"]] == WAGE_MEDIAN


def test_wages_are_reported_by_the_credentials_committee_of_the_units_council(federation):
    o = setup_offices(federation)
    committee = Caller(o.holder["credentials committee"])
    forge = federation.units["Forge"]
    wages = {federation.members[username("Forge", 1)]: 700}
    offices.report_wages(federation.system.uow(), forge, wages, committee)
    with pytest.raises(errors.NotAllowed):  # a unit of another council
        offices.report_wages(federation.system.uow(), federation.units["Mill"], {}, committee)
    with pytest.raises(errors.NotAllowed):  # the chair has no such capability
        offices.report_wages(federation.system.uow(), forge, wages, Caller(o.holder["chair"]))
    stranger = {federation.members[username("Mill", 1)]: 700}
    with pytest.raises(errors.InvalidRequest, match="not on the roll"):
        offices.report_wages(federation.system.uow(), forge, stranger, committee)
    with federation.system.uow() as uow:
        assert uow.wages.by_unit()[forge][0] == 1


def test_the_credentials_committee_verifies_members_of_its_councils_units(federation):
    o = setup_offices(federation)
    member = federation.members[username("Barracks", 3)]
    south_member = federation.members[username("Farm", 3)]
    committee = Caller(o.holder["credentials committee"])
    offices.verify_member(federation.system.uow(), member, committee, is_verified=False)
    with federation.system.uow() as uow:
        assert uow.members.get(member).is_verified is False
    offices.verify_member(federation.system.uow(), member, committee)
    with federation.system.uow() as uow:
        assert uow.members.get(member).is_verified is True
    with pytest.raises(errors.NotAllowed):
        offices.verify_member(federation.system.uow(), south_member, committee)
    with pytest.raises(errors.NotAllowed):
        offices.verify_member(federation.system.uow(), member, Caller(o.holder["chair"]))
    assert [row.actor for row in _acts(federation.system, "member.verify")] == [
        str(committee.member_id)
    ]


def test_office_elections_need_run_election_and_replace_the_holder(federation):
    o = setup_offices(federation, stipend=0)
    chair = o.office["chair"]
    with pytest.raises(errors.NotAllowed, match="run election"):
        offices.open_office_election(federation.system.uow(), chair, o.holder["chair"])
    commission = o.holder["electoral commission"]
    election = offices.open_office_election(federation.system.uow(), chair, commission)
    newcomer = o.deputies[1]
    offices.stand(federation.system.uow(), election, newcomer)
    outsider = federation.members[username("Mill", 1)]
    with pytest.raises(errors.NotAllowed, match="deputy"):
        offices.stand(federation.system.uow(), election, outsider)
    cand = _candidate(federation, election)
    to_voting(federation.system, election)
    for deputy in o.deputies:
        cast_ballot(federation.system.uow(), election, deputy, [cand])
    with pytest.raises(errors.NotAllowed):  # before its time, only the commission may
        offices.close_office_election(federation.system.uow(), election, o.holder["chair"])
    term = close_office_election_in_time(federation.system, election, commission)
    assert term.holder_id == newcomer
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        require(uow, newcomer, caps.CONVENE_SESSION, north)
        with pytest.raises(errors.NotAllowed):
            require(uow, o.holder["chair"], caps.CONVENE_SESSION, north)
    assert check(federation.system.uow()) == []


def test_recalling_the_mandate_takes_the_capability_on_the_next_call(federation):
    o = setup_offices(federation)
    committee = o.holder["credentials committee"]
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        mandate = next(m for m in uow.mandates.active_of_holder(committee) if m.council_id == north)
        electors = sorted(recall.electors(uow, uow.electorates.get(mandate.electorate_id)))
    member = federation.members[username("Forge", 5)]
    offices.verify_member(federation.system.uow(), member, Caller(committee))
    petition = recall.open_recall(federation.system.uow(), mandate.id, electors[0])
    state = recall.sign_many(federation.system.uow(), petition.id, electors[: petition.threshold])
    assert state.status == "recalled"
    with pytest.raises(errors.NotAllowed):
        offices.verify_member(federation.system.uow(), member, Caller(committee))
    with federation.system.uow() as uow:
        term = uow.office_terms.list(uow.office_terms.table.c.holder_id == committee)[0]
        assert term.end_reason == "cascade"
    assert check(federation.system.uow()) == []


def test_an_official_is_recalled_by_the_deputies_of_the_council(federation):
    o = setup_offices(federation)
    chair_holder = o.holder["chair"]
    with federation.system.uow() as uow:
        term = uow.office_terms.active_of_office(o.office["chair"])
    outsider = federation.members[username("Forge", 12)]
    with pytest.raises(errors.NotAllowed):
        recall.open_office_recall(federation.system.uow(), term.id, outsider)
    petition = recall.open_office_recall(federation.system.uow(), term.id, o.deputies[1])
    assert (petition.threshold, petition.office_term_id) == (len(o.deputies) // 2 + 1, term.id)
    state = recall.sign_many(federation.system.uow(), petition.id, o.deputies[: petition.threshold])
    assert state.status == "recalled" and state.by_election_id is not None
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        with pytest.raises(errors.NotAllowed):
            require(uow, chair_holder, caps.CONVENE_SESSION, north)
        by = uow.elections.get(state.by_election_id)
        assert (by.office_id, by.kind, by.status) == (o.office["chair"], "by", "open")
        # the mandate itself stays: only the office ends
        assert any(m.council_id == north for m in uow.mandates.active_of_holder(chair_holder))
    assert check(federation.system.uow()) == []


def test_an_official_recall_by_vote_in_a_vote_rule_council(federation):
    report_all_wages(federation)
    south = federation.councils["South Council"]
    office = offices.create_office(
        federation.system.uow(), south, "chair", (caps.CONVENE_SESSION,), 0
    )
    with federation.system.uow() as uow:
        deputies = sorted(m.holder_id for m in uow.mandates.active_in_council(south))
    found_office_holder(
        federation.system.uow(),
        FoundingOfficeVote(office, [deputies[0]], [(d, [0]) for d in deputies]),
    )
    with federation.system.uow() as uow:
        term = uow.office_terms.active_of_office(office)
    petition = recall.open_office_recall(federation.system.uow(), term.id, deputies[1])
    state = recall.sign_many(federation.system.uow(), petition.id, deputies[: petition.threshold])
    assert state.status == "vote_open"
    for d in deputies:
        cast_ballot(federation.system.uow(), state.vote_election_id, d, [1])
    assert recall.close_recall_vote(federation.system.uow(), state.vote_election_id) == "recalled"
    with federation.system.uow() as uow:
        assert uow.office_terms.get(term.id).end_reason == "recalled"


def test_a_second_petition_against_an_official_is_refused_while_one_is_open(federation):
    o = setup_offices(federation)
    with federation.system.uow() as uow:
        term = uow.office_terms.active_of_office(o.office["chair"])
    first = recall.open_office_recall(federation.system.uow(), term.id, o.deputies[1])
    with pytest.raises(errors.Conflict, match="a recall petition against this official is open"):
        recall.open_office_recall(federation.system.uow(), term.id, o.deputies[2])
    with federation.system.uow() as uow:
        petitions = uow.recalls.list(uow.recalls.table.c.office_term_id == term.id)
    assert [p.id for p in petitions] == [first.id]


def test_the_founding_creates_only_a_new_councils_offices(federation):
    setup_offices(federation)
    north = federation.councils["North Council"]
    with pytest.raises(errors.NotAllowed):
        offices.create_office(
            federation.system.uow(), north, "stewards", (caps.MODERATE,), by="founding"
        )
    offices.create_office(federation.system.uow(), north, "stewards", (caps.MODERATE,))
    assert [r.is_operator for r in _acts(federation.system, "office.create")][-1] is True


def test_two_concurrent_elections_of_one_office_seat_one_holder(federation):
    o = setup_offices(federation, stipend=0)
    chair = o.office["chair"]
    commission = o.holder["electoral commission"]
    ids = []
    for who in (o.deputies[1], o.deputies[2]):
        with federation.system.uow() as uow:
            election = open_office_in(uow, chair, actor="test")
            uow.commit()
        offices.stand(federation.system.uow(), election.id, who)
        cast_ballot(
            federation.system.uow(),
            election.id,
            o.deputies[0],
            [_candidate(federation, election.id)],
        )
        ids.append(election.id)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def close(election_id: int) -> None:
        barrier.wait()
        try:
            outcomes.append(
                close_office_election_in_time(federation.system, election_id, commission)
            )
        except errors.Conflict as error:
            outcomes.append(error)

    threads = [threading.Thread(target=close, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2
    with federation.system.uow() as uow:
        active = uow.office_terms.active(uow.office_terms.table.c.office_id == chair)
    assert len(active) == 1
    assert check(federation.system.uow()) == []


def test_the_invariant_checker_finds_a_stipend_above_the_cap_and_a_term_without_election(
    federation,
):
    o = setup_offices(federation)
    with federation.system.uow() as uow:
        uow.conn.execute(
            update(offices_table)
            .where(offices_table.c.id == o.office["chair"])
            .values(stipend=WAGE_MEDIAN * 3)
        )
        open_one = open_office_in(uow, o.office["chair"], actor="test")
        uow.conn.execute(
            update(office_terms)
            .where(office_terms.c.office_id == o.office["chair"])
            .values(election_id=open_one.id)
        )
        uow.commit()
    problems = check(federation.system.uow())
    assert any("above its cap" in p for p in problems)
    assert any("no closed election" in p for p in problems)
    assert any("together" in p for p in problems)
