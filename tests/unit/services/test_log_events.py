"""Every decisive act states its event in the sealed log (issue 27: "an event from every
decisive act, delivered after commit from the sealed log"): a directive recorded, a council's
stance on it, an initiative put on a council's agenda, a deputy's vote against an instruction and
a panel's decision, beside recalls, closes and motion decisions. The readers are checked against
the entries the services really write (the demo's log holds every one of these acts), and a
handler registered for them receives them from the outbox after commit."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

import demo_build
from backends import copy_sqlite
from dualpower.domain import events
from dualpower.domain.discussion import ReportDecided
from dualpower.domain.events import (
    DirectiveRecorded,
    InitiativeOnAgenda,
    InstructionBroken,
    StanceTaken,
)
from dualpower.services import register as reg
from dualpower.services.outbox import Delivery

# The act, the event its entry states, and each field of the event with the payload key it is
# read from.
READ = {
    "directive.record": (
        DirectiveRecorded,
        {"directive_id": "directive", "authority_id": "authority", "council_id": "council"},
    ),
    "stance.take": (
        StanceTaken,
        {"stance_id": "stance", "directive_id": "directive", "council_id": "council"},
    ),
    "initiative.reach": (
        InitiativeOnAgenda,
        {"initiative_id": "initiative", "council_id": "council", "motion_id": "motion"},
    ),
    "instruction.breach": (
        InstructionBroken,
        {"breach_id": "breach", "mandate_id": "mandate", "deputy_id": "member"},
    ),
    "report.decide": (ReportDecided, {"report_id": "report", "decision": "decision"}),
}


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[str, str]]]:
    """The entries of a copy of the run's demo (tests/demo_build.py): (act, payload)."""
    path = tmp_path_factory.mktemp("log-events") / "demo.db"
    copy_sqlite(demo_build.built(tmp_path_factory).path, Path(path))
    with sqlite3.connect(path) as conn:
        yield conn.execute("SELECT act, payload FROM audit_log ORDER BY id").fetchall()
    conn.close()


def test_every_entry_of_a_decisive_act_states_its_event(demo_log) -> None:  # type: ignore[no-untyped-def]
    seen = dict.fromkeys(READ, 0)
    for act, raw in demo_log:
        stated = events.from_entry(act, json.loads(raw))
        if act not in READ:
            continue
        kind, keys = READ[act]
        payload = json.loads(raw)
        assert [type(e) for e in stated] == [kind], act
        event = stated[0]
        for name, key in keys.items():
            assert getattr(event, name) == payload[key], (act, name)
        assert all(
            getattr(event, f.name) is not None for f in fields(event) if f.name != "supersedes"
        )
        seen[act] += 1
    assert all(seen.values()), seen  # the demo holds each act: every reader met a real entry


def test_a_handler_receives_the_directive_and_the_stance_after_commit(federation) -> None:  # type: ignore[no-untyped-def]
    system = federation.system
    recorded: list[Delivery[DirectiveRecorded]] = []
    taken: list[Delivery[StanceTaken]] = []
    system.handle("test-directives", DirectiveRecorded, recorded.append)
    system.handle("test-stances", StanceTaken, taken.append)
    operator = reg.Actor(is_operator=True)
    north = federation.councils["North Council"]
    authority = reg.record_authority(
        system.uow(), reg.RecordAuthority("Provisional Government", north), operator
    )
    directive = reg.record_directive(
        system.uow(),
        reg.RecordDirective(authority, north, "Note to the Allies", date(1917, 4, 18)),
        operator,
    )
    first = reg.take_stance(system.uow(), reg.TakeStance(directive, north, "endorse"), operator)
    second = reg.take_stance(
        system.uow(),
        reg.TakeStance(directive, north, "countermand", counter_order="No."),
        operator,
    )
    assert [d.event for d in recorded] == [
        DirectiveRecorded(directive, authority, north, "Note to the Allies")
    ]
    assert [d.event for d in taken] == [
        StanceTaken(first, directive, north, "endorse", None),
        StanceTaken(second, directive, north, "countermand", first),
    ]
    assert system.deliver() == 0  # delivered once: not again
