"""Issue 21's end-to-end test (DESIGN.md 2.10), on SQLite and PostgreSQL: a tenants' federation
of 30 buildings and 4,000 members is founded from a plan; invitations go out by mail (a real
SMTP server, aiosmtpd) and as a printable sheet; 50 members join with their codes; one resets a
forgotten password by mail (their old token and page session then fail); one moves to another
building with history kept; a building's roll file is synced (dry run first, then applied); a
building splits in two and the next (founding) election apportions seats to both (after the
founding, by the council's adopted motion and its next general election:
test_federation_split_elects.py). The operator
never sees a password a member keeps: none is in the log, and every password was set by its
member."""

from __future__ import annotations

import re
from email import message_from_string, policy

import pytest
from sqlalchemy import func, select

from dualpower.bootstrap import build
from dualpower.domain import errors
from dualpower.domain.founding import CouncilPlan, FactionPlan, FoundingPlan, MemberPlan, UnitPlan
from dualpower.services import accounts, cycle, invitations, structure
from dualpower.services.check import check
from dualpower.services.founding import found_federation
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.services.roll_changes import sync, transfer
from dualpower.store import tables as t
from dualpower.web.invitation_sheet import sheet
from smtp_support import smtp  # noqa: F401  (the SMTP server fixture)

pytestmark = pytest.mark.slow  # 4,000 members, 50 joins hashed by argon2: about a minute

BUILDINGS, MEMBERS, JOINS = 30, 4_000, 50
CODE = re.compile(r"(?:Code|Код): ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})")
BASE = {"default": {"rule": "ratio", "per": 40, "minimum_per_electorate": 1}}


def _plan() -> FoundingPlan:
    per = MEMBERS // BUILDINGS
    members = []
    for i in range(MEMBERS):
        building = min(i // per, BUILDINGS - 1)
        email = f"t{i}@example.org" if i < JOINS + 10 else None  # the first 60 have an address
        members.append(MemberPlan(f"t{i}", f"Tenant {i}", f"Building {building}", None, email))
    return FoundingPlan(
        name="Tenants' Federation",
        factions=(FactionPlan("Tenants United", "TU", "#a00"),),
        councils=(
            CouncilPlan(
                "Federation Council", None, apportionment={"default": {"rule": "fixed", "seats": 2}}
            ),
            CouncilPlan("East Council", "Federation Council", apportionment=BASE),
            CouncilPlan("West Council", "Federation Council", apportionment=BASE),
        ),
        units=tuple(
            UnitPlan(
                f"Building {b}", "building", "tenants", "East Council" if b < 15 else "West Council"
            )
            for b in range(BUILDINGS)
        ),
        members=tuple(members),
        sections=("tenants",),
    )


def _subject(raw: str) -> str:
    return str(message_from_string(raw, policy=policy.default)["Subject"])


def _text(raw: str) -> str:
    return str(message_from_string(raw, policy=policy.default).get_content())  # type: ignore[attr-defined]


def test_a_federation_of_4000_lets_members_in_and_changes(smtp, database_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    system = build(database_url)
    found_federation(system.uow(), _plan())
    # Invitations: by mail to those with an address, the rest on a printable sheet.
    codes = invitations.issue_invitations(system.uow(), mail=True, actor="operator")
    system.mailer.drain()
    assert len(codes) == MEMBERS
    assert len(smtp.messages) == JOINS + 10
    mailed = {}
    for recipients, raw in smtp.messages:
        found = CODE.search(_text(raw))
        assert found is not None
        mailed[recipients[0].split("@")[0]] = found.group(1)
    printed = [c for c in codes if c.email is None]
    html = sheet(printed[:100], federation="Tenants' Federation", base_url="https://example.org")
    assert html.count("/join") >= 100 and printed[0].code in html
    # 50 members join with the mailed codes and are logged in; each password is their own.
    tokens = {}
    for i in range(JOINS):
        redeemed = invitations.redeem(system.uow(), mailed[f"t{i}"], f"my own secret {i}")
        tokens[i] = redeemed.issued.token
        assert accounts.authenticate(system.uow(), tokens[i]) is not None
    with pytest.raises(errors.DomainError):  # a code works once
        invitations.redeem(system.uow(), mailed["t0"], "another secret 0")
    assert accounts.login(system.uow(), "t1", "my own secret 1").member.username == "t1"
    # One forgets their password: a reset by mail; their old token and page session then fail.
    page = accounts.login(system.uow(), "t2", "my own secret 2", kind="session").token
    assert accounts.authenticate(system.uow(), page, kind="session") is not None
    invitations.request_reset(system.uow(), "t2")
    system.mailer.drain()
    reset = CODE.search(_text(smtp.messages[-1][1]))
    assert reset is not None
    invitations.redeem(system.uow(), reset.group(1), "my second secret 2")
    assert accounts.authenticate(system.uow(), tokens[2]) is None
    assert accounts.authenticate(system.uow(), page, kind="session") is None
    # One moves to another building, history kept.
    transfer(system.uow(), "t3", "Building 20", OPERATOR_CALLER)
    with system.uow() as uow:
        moved = uow.members.by_username("t3")
        (before, after) = uow.memberships.history(moved.id)
        assert (before.end_reason, after.end_at) == ("transferred", None)
    # A building's roll file is synced: a dry run first, then applied.
    with system.uow() as uow:
        unit = uow.units.by_name(uow.federations.only().id, "Building 5")
        roll = sorted(
            uow.members.list(t.members.c.id.in_(uow.members.ids_of_unit(unit.id))),
            key=lambda m: m.id,
        )
    rows = ["username,name,email"] + [f"{m.username},{m.display_name}," for m in roll[1:]]
    rows += ["newtenant,New Tenant,new@example.org"]
    plan = sync(system.uow(), "\n".join(rows) + "\n", "Building 5", OPERATOR_CALLER, dry_run=True)
    assert (plan.joins, plan.leaves) == (["newtenant"], [roll[0].username])
    with system.uow() as uow:
        assert uow.members.by_username("newtenant") is None  # the dry run changed nothing
    sync(system.uow(), "\n".join(rows) + "\n", "Building 5", OPERATOR_CALLER, dry_run=False)
    # A building splits in two while founding; the founding elections give both halves seats.
    with system.uow() as uow:
        building = uow.units.by_name(uow.federations.only().id, "Building 7")
        half = sorted(uow.members.ids_of_unit(building.id))[:66]
        names = [uow.members.get(i).username for i in half]
    split = structure.apply_as_operator(
        system.uow(),
        {"kind": "split_unit", "unit": "Building 7", "name": "Building 7 North", "members": names},
        actor="operator",
    )
    opened = cycle.open_founding(system.uow())
    with system.uow() as uow:
        seats = {}
        for election_id in opened:
            election = uow.elections.get(election_id)
            electorate = uow.electorates.get(election.electorate_id)
            seats[electorate.source_id] = election.seats
    assert seats[building.id] >= 1 and seats[split["new_unit"]] >= 1
    assert len(opened) == BUILDINGS + 1
    # Every mail the acts above sent reached the server before it stops (none left in flight).
    system.mailer.drain()
    told = {r[0][0] for r in smtp.messages[JOINS + 11 :] if "nominations until" in _subject(r[1])}
    subject = _subject(smtp.messages[-1][1])  # a moment as people read it, not ISO text
    assert re.search(r"nominations until \d{4}-\d\d-\d\d \d\d:\d\d UTC$", subject), subject
    assert told == {f"t{i}@example.org" for i in range(JOINS + 10)} | {"new@example.org"}
    # The operator never saw a password a member keeps: none is in the log.
    with system.engine.connect() as conn:
        payloads = conn.execute(select(t.audit_log.c.payload)).scalars().all()
        set_by_operator = conn.execute(
            select(func.count())
            .select_from(t.audit_log)
            .where(t.audit_log.c.act == "member.set_password")
        ).scalar_one()
    assert not any("own secret" in p or "second secret" in p for p in payloads)
    assert set_by_operator == 0
    assert check(system.uow()) == []
    system.engine.dispose()
