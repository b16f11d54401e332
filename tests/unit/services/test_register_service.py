"""The register's use cases on both databases: recording, stances with history, the Order No. 1
answer per member, refusals that change nothing, and concurrent stances."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from dualpower.domain import errors
from dualpower.services import register as reg
from dualpower.services.check import check
from dualpower.services.mandates import end_mandate
from dualpower.store import tables as t
from dualpower.store.tables_register import directives, stances
from register_helpers import AT, secretary

OPERATOR = reg.Actor(is_operator=True)


def _directive(fed, actor: reg.Actor, council: str = "Chief Council") -> int:  # type: ignore[no-untyped-def]
    council_id = fed.councils[council]
    authority = reg.record_authority(
        fed.system.uow(), reg.RecordAuthority("Provisional Government", council_id), actor
    )
    return reg.record_directive(
        fed.system.uow(),
        reg.RecordDirective(
            authority, council_id, "Note to the Allies", date(1917, 4, 18), is_old_style=True
        ),
        actor,
    )


def _count(fed, table) -> int:  # type: ignore[no-untyped-def]
    with fed.system.uow() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_countermand_below_frees_only_the_members_below(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    fed.system.clock = lambda: AT  # a 1917 moment: the answer gives both styles
    north_sec = secretary(fed, "North Council")
    directive = _directive(fed, reg.Actor(north_sec), "North Council")
    stance = reg.take_stance(
        fed.system.uow(),
        reg.TakeStance(
            directive, fed.councils["North Council"], "countermand", counter_order="No."
        ),
        reg.Actor(north_sec),
    )
    forge, mill = fed.members["forge1"], fed.members["mill1"]
    north = reg.binding_for(fed.system.reader(), directive, forge)
    south = reg.binding_for(fed.system.reader(), directive, mill)
    assert north["binding"] is False
    assert [(b["council"], b["stance"], b["stance_id"]) for b in north["because"]] == [
        ("North Council", "countermand", stance)
    ]
    assert north["because"][0]["on"] == date(1917, 4, 1)
    assert north["because"][0]["on_old_style"] == date(1917, 3, 19)
    assert south == {"binding": True, "because": [], "council_id": fed.councils["South Council"]}


def test_a_countermand_at_the_top_frees_everyone_and_a_new_stance_supersedes(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    chief = fed.councils["Chief Council"]
    directive = _directive(fed, OPERATOR)
    first = reg.take_stance(
        fed.system.uow(), reg.TakeStance(directive, chief, "countermand"), OPERATOR
    )
    for member in ("forge1", "mill1", "farm2"):
        assert (
            reg.binding_for(fed.system.reader(), directive, fed.members[member])["binding"] is False
        )
    second = reg.take_stance(
        fed.system.uow(),
        reg.TakeStance(directive, chief, "support_conditionally", conditions="in so far as"),
        OPERATOR,
    )
    for member in ("forge1", "mill1"):
        assert reg.binding_for(fed.system.reader(), directive, fed.members[member])["binding"]
    view = reg.directive(fed.system.reader(), directive)
    [council] = view["stances"]
    assert council["current"]["id"] == second
    assert [(s["id"], s["kind"], s["superseded_by"]) for s in council["history"]] == [
        (first, "countermand", second),
        (second, "support_conditionally", None),
    ]
    assert view["issued"]["new_style"] == date(1917, 5, 1)
    with fed.system.uow() as uow:
        acts = [
            r.act
            for r in uow.conn.execute(
                select(t.audit_log.c.act, t.audit_log.c.is_operator).where(
                    t.audit_log.c.is_operator
                )
            )
        ]
    assert acts.count("stance.take") == 2
    assert check(fed.system.uow()) == []


def test_without_the_capability_nothing_is_recorded(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    directive = _directive(fed, OPERATOR)
    before = (_count(fed, directives), _count(fed, stances), _count(fed, t.audit_log))
    deputy = secretary(fed, "North Council")  # secretary of North, not of South
    with pytest.raises(errors.NotAllowed):
        reg.take_stance(
            fed.system.uow(),
            reg.TakeStance(directive, fed.councils["South Council"], "countermand"),
            reg.Actor(deputy),
        )
    with pytest.raises(errors.NotAllowed):
        reg.record_directive(
            fed.system.uow(),
            reg.RecordDirective(1, fed.councils["South Council"], "x", date(1917, 5, 5)),
            reg.Actor(fed.members["mill1"]),
        )
    with pytest.raises(errors.InvalidRequest):
        reg.take_stance(
            fed.system.uow(),
            reg.TakeStance(directive, fed.councils["North Council"], "support_conditionally"),
            reg.Actor(deputy),
        )
    assert (_count(fed, directives), _count(fed, stances), _count(fed, t.audit_log)) == before


def test_a_recalled_secretary_loses_the_power_at_once(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    north = fed.councils["North Council"]
    deputy = secretary(fed, "North Council")
    directive = _directive(fed, OPERATOR)
    reg.take_stance(
        fed.system.uow(), reg.TakeStance(directive, north, "endorse"), reg.Actor(deputy)
    )
    with fed.system.uow() as uow:
        mandate = uow.mandates.active_of_holder(deputy)[0]
        end_mandate(uow, mandate, "recalled", AT, actor=None)
        uow.commit()
    with pytest.raises(errors.NotAllowed):
        reg.take_stance(
            fed.system.uow(), reg.TakeStance(directive, north, "countermand"), reg.Actor(deputy)
        )


def test_concurrent_stances_keep_one_current_and_a_whole_history(federation) -> None:  # type: ignore[no-untyped-def]
    fed = federation
    north = fed.councils["North Council"]
    directive = _directive(fed, OPERATOR)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def take(i: int) -> None:
        barrier.wait()
        kind = ("endorse", "countermand")[i % 2]
        try:
            reg.take_stance(fed.system.uow(), reg.TakeStance(directive, north, kind), OPERATOR)
            outcomes.append("taken")
        except errors.Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(outcomes) == 6 and "taken" in outcomes
    with fed.system.uow() as uow:
        rows = uow.register.stance_rows()
    assert len(rows) == outcomes.count("taken")
    current = [r for r in rows if r["superseded_by"] is None]
    assert len(current) == 1
    assert sorted(r["version"] for r in rows) == list(range(1, len(rows) + 1))
    by_version = {r["version"]: r for r in rows}
    for v in range(1, len(rows)):
        assert by_version[v]["superseded_by"] == by_version[v + 1]["id"]
    assert check(fed.system.uow()) == []


def test_an_authority_naming_an_unknown_council_as_its_own_is_refused(federation) -> None:  # type: ignore[no-untyped-def]
    """Issue 28 (found by the API fuzzer): own_council_id of no council was a 500 (the foreign
    key); it is a 404 and nothing is recorded."""
    fed = federation
    council_id = fed.councils["Chief Council"]
    cmd = reg.RecordAuthority("Petrograd Soviet", council_id, own_council_id=999999)
    with pytest.raises(errors.NotFound, match="there is no council 999999"):
        reg.record_authority(fed.system.uow(), cmd, OPERATOR)
    with fed.system.uow() as uow:
        assert uow.register.authorities() == []
    own = reg.RecordAuthority("Petrograd Soviet", council_id, own_council_id=council_id)
    assert reg.record_authority(fed.system.uow(), own, OPERATOR) > 0
