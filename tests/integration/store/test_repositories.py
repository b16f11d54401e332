"""Every repository of store/repositories.py on SQLite and PostgreSQL: rows in, domain
dataclasses out, timezone-aware UTC datetimes, the queries each one offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dualpower.domain import model as m
from dualpower.store import tables as t
from dualpower.store.sequencer import settle
from factories import UNITS, Small

AT = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)  # after the founding (which runs on the clock)


def test_federation_repo(federation: Small) -> None:
    with federation.system.uow() as uow:
        only = uow.federations.only()
        got = uow.federations.get(federation.federation_id)
        assert uow.federations.get(federation.federation_id + 1000) is None
    assert isinstance(only, m.Federation) and only == got
    assert only.name == "Test Federation" and only.is_demo is False
    assert only.sections == m.DEFAULT_SECTIONS
    assert only.founded_at.tzinfo is not None and only.founded_at.utcoffset() == timedelta(0)


def test_federation_repo_only_is_none_when_empty(system) -> None:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        assert uow.federations.only() is None
        assert uow.federations.list() == []


def test_faction_repo(federation: Small) -> None:
    with federation.system.uow() as uow:
        factions = uow.factions.list()
        red = uow.factions.get(federation.factions["R"])
        assert [f.short for f in factions] == ["R", "G"]
        assert red == m.Faction(red.id, federation.federation_id, "Reds", "R", "#c00000", "")
        uow.factions.set(red.id, platform="Bread and peace.")
        assert uow.factions.get(red.id).platform == "Bread and peace."
        with pytest.raises(IntegrityError):  # unique name within a federation
            uow.factions.add(
                federation_id=federation.federation_id, name="Reds", short="R2", colour="#000"
            )


def test_council_repo(federation: Small) -> None:
    c = federation.councils
    with federation.system.uow() as uow:
        chief = uow.councils.chief(federation.federation_id)
        children = uow.councils.children(c["Chief Council"])
        south = uow.councils.get(c["South Council"])
        assert uow.councils.chief(federation.federation_id + 1000) is None
        assert uow.councils.children(c["North Council"]) == []
    assert chief is not None and chief.name == "Chief Council" and chief.is_chief
    assert [x.name for x in children] == ["North Council", "South Council"]
    assert south is not None and not south.is_chief and south.parent_id == chief.id
    assert south.recall_rule == "vote" and south.recall_trigger_bp == 2000
    assert chief.seat_method == "stv-scottish"
    assert chief.apportionment == {"default": {"rule": "fixed", "seats": 2}}


def test_unit_repo(federation: Small) -> None:
    with federation.system.uow() as uow:
        forge = uow.units.by_name(federation.federation_id, "Forge")
        assert uow.units.by_name(federation.federation_id, "Nowhere") is None
        assert uow.units.by_name(federation.federation_id + 1000, "Forge") is None
        sizes = uow.units.roll_sizes()
    assert forge is not None
    assert (forge.kind, forge.section, forge.council_id) == (
        "factory",
        "workers",
        federation.councils["North Council"],
    )
    assert sizes == {federation.units[name]: size for name, _, _, _, size in UNITS}


def test_member_repo(federation: Small) -> None:
    forge = federation.units["Forge"]
    with federation.system.uow() as uow:
        member = uow.members.by_username("forge1")
        assert uow.members.by_username("nobody") is None
        assert member is not None and member.display_name == "Forge Member 1"
        assert member.is_verified is True
        assert uow.members.password_hash(member.id).startswith("$argon2id$")
        assert uow.members.usernames(["forge1", "mill2", "nobody"]) == {"forge1", "mill2"}
        assert uow.members.usernames([]) == set()
        of_forge = uow.members.of_unit(forge)
        assert len(of_forge) == 12
        assert [x.display_name for x in of_forge] == sorted(x.display_name for x in of_forge)
        assert uow.members.current_unit_id(member.id) == forge
        assert uow.members.current_unit_id(10_000) is None


def test_membership_repo_transfer_keeps_history(federation: Small) -> None:
    forge, mill = federation.units["Forge"], federation.units["Mill"]
    member_id = federation.members["forge3"]
    with federation.system.uow() as uow:
        (current,) = uow.memberships.list(
            t.memberships.c.member_id == member_id, t.memberships.c.end_at.is_(None)
        )
        uow.memberships.set(current.id, end_at=AT, end_reason="transferred")
        uow.memberships.add(member_id=member_id, unit_id=mill, start_at=AT)
        uow.commit()
    with federation.system.uow() as uow:
        history = uow.memberships.history(member_id)
        assert uow.members.current_unit_id(member_id) == mill
        sizes = uow.units.roll_sizes()
        assert member_id not in {x.id for x in uow.members.of_unit(forge)}
    assert [h.unit_id for h in history] == [forge, mill]
    assert history[0].end_at == AT and history[0].end_reason == "transferred"
    assert history[1].end_at is None and history[1].start_at == AT
    assert sizes[forge] == 11 and sizes[mill] == 13


def test_electorate_repo(federation: Small) -> None:
    c, u = federation.councils, federation.units
    with federation.system.uow() as uow:
        north = uow.electorates.of_council(c["North Council"])
        chief = uow.electorates.of_council(c["Chief Council"])
        forge = uow.electorates.for_unit(u["Forge"])
        from_north = uow.electorates.for_source_council(c["North Council"])
        assert uow.electorates.for_source_council(c["Chief Council"]) is None
        assert uow.electorates.for_unit(10_000) is None
    assert {(e.kind, e.unit_id, e.seats) for e in north} == {
        ("unit", u["Forge"], 2),
        ("unit", u["Barracks"], 1),
    }
    assert {(e.kind, e.source_council_id, e.seats) for e in chief} == {
        ("council", c["North Council"], 2),
        ("council", c["South Council"], 2),
    }
    assert forge is not None and forge.source_id == u["Forge"]
    assert from_north is not None and from_north.council_id == c["Chief Council"]
    assert from_north.source_id == c["North Council"]


def test_mandate_repo(federation: Small) -> None:
    c = federation.councils
    with federation.system.uow() as uow:
        north = uow.mandates.active_in_council(c["North Council"])
        chief = uow.mandates.active_in_council(c["Chief Council"])
        assert len(north) == 3 and len(chief) == 4
        delegate = chief[0]
        below = uow.mandates.get(delegate.depends_on_id)
        assert below is not None and below.holder_id == delegate.holder_id
        assert below.council_id in (c["North Council"], c["South Council"])
        assert uow.mandates.dependants(below.id) == [delegate]
        assert {x.id for x in uow.mandates.active_of_holder(delegate.holder_id)} == {
            delegate.id,
            below.id,
        }
        assert delegate.start_at.utcoffset() == timedelta(0) and delegate.is_active
        assert uow.mandates.end(below.id, AT, "resigned") is True
        assert uow.mandates.end(below.id, AT, "resigned") is False  # already ended
        uow.commit()
    with federation.system.uow() as uow:
        ended = uow.mandates.get(below.id)
        assert ended is not None and not ended.is_active
        assert ended.end_at == AT and ended.end_reason == "resigned"
        assert ended.end_at.tzinfo is not None
        assert below.id not in {x.id for x in uow.mandates.active()}
        assert uow.mandates.dependants(below.id) == [delegate]  # still active until a cascade


def test_election_repo(federation: Small) -> None:
    forge = federation.units["Forge"]
    voters = [federation.members[f"forge{i}"] for i in (1, 2, 3)]
    with federation.system.uow() as uow:
        electorate = uow.electorates.for_unit(forge)
        assert electorate is not None
        (founding,) = uow.elections.list(t.elections.c.electorate_id == electorate.id)
        assert founding.kind == "founding" and founding.status == "closed"
        assert founding.closed_at is not None and founding.closed_at.utcoffset() == timedelta(0)
        result = uow.elections.result(founding.id)
        assert result is not None and len(result["winners"]) == 2
        election_id = uow.elections.add(
            federation_id=federation.federation_id,
            electorate_id=electorate.id,
            office_id=None,
            seats=1,
            method="plurality",
            is_secret=True,
            status="open",
            kind="general",
            opened_at=AT,
        )
        assert uow.elections.result(election_id) is None
        cand = [uow.elections.add_candidate(election_id, v, None) for v in voters[:2]]
        assert [x.id for x in uow.elections.candidates(election_id)] == cand
        assert [x.member_id for x in uow.elections.candidates(election_id)] == voters[:2]
        assert not uow.elections.has_participated(election_id, voters[0])
        for n, (voter, receipt) in enumerate(zip(voters, ("cc", "aa", "bb"), strict=True)):
            uow.elections.add_participation(election_id, voter)
            uow.elections.add_ballot(receipt, election_id, [cand[n % 2]], None)
        assert uow.elections.has_participated(election_id, voters[0])
        published = uow.elections.published_ballots(election_id)
        assert [b["receipt"] for b in published] == ["aa", "bb", "cc"]
        assert sorted(uow.elections.ballot_choices(election_id)) == sorted(
            [[cand[0]], [cand[1]], [cand[0]]]
        )
        election = uow.elections.get(election_id)
        assert election is not None and election.is_secret and election.opened_at == AT


def test_office_repo(federation: Small) -> None:
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        mandate = uow.mandates.active_in_council(north)[0]
        office_id = uow.offices.add(
            council_id=north, name="secretary", capabilities=["convene"], stipend=100
        )
        office = uow.offices.get(office_id)
        assert office is not None and office.name == "secretary" and office.stipend == 100
        assert office.capabilities == ("convene",)
        term = int(
            uow.conn.execute(
                t.office_terms.insert().values(
                    office_id=office_id,
                    holder_id=mandate.holder_id,
                    mandate_id=mandate.id,
                    election_id=mandate.election_id,
                    start_at=AT,
                )
            ).inserted_primary_key[0]
        )
        assert uow.offices.active_terms_on(mandate.id) == [term]
        assert uow.offices.terms_on_ended_mandates() == []
        uow.mandates.end(mandate.id, AT, "resigned")
        assert uow.offices.terms_on_ended_mandates() == [(term, mandate.id)]
        uow.offices.end_term(term, AT, "cascade")
        assert uow.offices.active_terms_on(mandate.id) == []
        assert uow.offices.terms_on_ended_mandates() == []


def test_audit_repo_appends_unsealed_entries(system) -> None:  # type: ignore[no-untyped-def]
    log = t.audit_log
    with system.uow() as uow:
        uow.audit.append("test.one", '{"a":1}', "someone", False, AT.isoformat())
        uow.audit.append_many(
            [
                {
                    "act": "test.two",
                    "payload": "{}",
                    "actor": None,
                    "is_operator": True,
                    "recorded_at": AT.isoformat(),
                }
            ]
        )
        uow.audit.append_many([])
        rows = uow.conn.execute(select(log).order_by(log.c.id)).all()
        assert [(r.act, r.seq, r.entry_hash) for r in rows] == [
            ("test.one", None, None),
            ("test.two", None, None),
        ]
        assert rows[1].is_operator is True and rows[0].actor == "someone"
        uow.commit()
    settle(system.engine)  # PostgreSQL: its background sealer, woken by the commit
    with system.engine.connect() as conn:  # sealed by the sequencer just after commit
        sealed = conn.execute(select(log.c.seq).order_by(log.c.seq)).scalars().all()
        assert sealed == [0, 1]
        assert conn.execute(select(func.count()).select_from(t.audit_heads)).scalar() == 1


def test_token_repo(federation: Small) -> None:
    member_id = federation.members["mill1"]
    expires = AT + timedelta(days=1)
    with federation.system.uow() as uow:
        uow.tokens.add(
            member_id=member_id,
            token_hash="ab" * 32,
            kind="api",
            csrf_token=None,
            created_at=AT,
            expires_at=expires,
        )
        found = uow.tokens.find("ab" * 32, "api")
        assert found is not None
        member, csrf, expires_at = found
        assert member.username == "mill1" and csrf is None and expires_at == expires
        assert expires_at.tzinfo is not None
        assert uow.tokens.find("ab" * 32, "session") is None
        assert uow.tokens.find("cd" * 32, "api") is None
        uow.tokens.remove("ab" * 32)
        assert uow.tokens.find("ab" * 32, "api") is None


def test_rollback_leaves_nothing(system) -> None:  # type: ignore[no-untyped-def]
    with system.uow() as uow:
        uow.federations.add(name="Gone", founded_at=AT, sections=["workers"], is_demo=False)
        uow.record("federation.found", {"name": "Gone"})
        # no commit: leaving the block rolls back
    with system.uow() as uow:
        assert uow.federations.only() is None
        assert uow.conn.execute(select(func.count()).select_from(t.audit_log)).scalar() == 0
