"""services/alignment.py (DESIGN.md 2.7) on SQLite and PostgreSQL: the snapshot read from the
kept counts equals the alignment computed from the mandates themselves, after every change;
history and popular base of one council agree with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dualpower.domain import alignment as al
from dualpower.services import alignment
from dualpower.services.mandates import end_mandate
from dualpower.store import tables as t
from factories import Small

AT = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def from_mandates(federation: Small) -> dict[str, Any]:
    """The oracle: every council's and the federation's alignment from the active mandates."""
    with federation.system.uow() as uow:
        names = {f.id: f.name for f in uow.factions.list()}
        councils = uow.councils.list()
        electorates = {e.id: e for e in uow.electorates.list()}
        active = uow.mandates.active()

    def name(faction_id: int | None) -> str:
        return names[faction_id] if faction_id is not None else al.NO_FACTION

    per = al.snapshots(
        ((md.council_id, name(md.faction_id), 1) for md in active), [c.id for c in councils]
    )
    whole = al.federation(
        (name(md.faction_id), 1) for md in active if electorates[md.electorate_id].kind == "unit"
    )
    seats = {
        c.id: sum(e.seats for e in electorates.values() if e.council_id == c.id) for c in councils
    }
    return {
        "councils": [
            {
                "id": c.id,
                "name": c.name,
                "parent_id": c.parent_id,
                "seats": seats[c.id],
                "filled": per[c.id].filled,
                "composition": per[c.id].composition,
                "majority": per[c.id].majority,
            }
            for c in sorted(councils, key=lambda c: c.id)
        ],
        "federation": {
            "filled": whole.filled,
            "base_seats_filled": whole.filled,
            "composition": whole.composition,
            "majority": whole.majority,
        },
    }


def snapshot(federation: Small) -> dict[str, Any]:
    snap = alignment.snapshot(federation.system.reader())
    assert set(snap["colours"]) == {"Reds", "Greens", al.NO_FACTION}
    return {"councils": snap["councils"], "federation": snap["federation"]}


def test_the_snapshot_equals_the_mandates(federation: Small) -> None:
    snap = snapshot(federation)
    assert snap == from_mandates(federation)
    by_name = {c["name"]: c for c in snap["councils"]}
    assert by_name["North Council"]["composition"] == {"Reds": 3}
    assert by_name["North Council"]["majority"] == "Reds"
    assert by_name["South Council"]["composition"] == {"Greens": 3}
    assert snap["federation"]["filled"] == 6  # the base-unit seats, not the delegates again


def test_the_snapshot_follows_ends_changes_and_new_seats(federation: Small) -> None:
    red, green = federation.factions["R"], federation.factions["G"]
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        reds = uow.mandates.active(t.mandates.c.council_id == north, t.mandates.c.faction_id == red)
        end_mandate(uow, reds[0], "recalled", AT, actor=None)  # with its cascade upward
        uow.mandates.set(reds[1].id, faction_id=None)  # a deputy leaves the Reds
        uow.commit()
    snap = snapshot(federation)
    assert snap == from_mandates(federation)
    by_name = {c["name"]: c for c in snap["councils"]}
    assert by_name["North Council"]["composition"] == {"Reds": 1, al.NO_FACTION: 1}
    assert by_name["North Council"]["majority"] is None  # 1 of 2 is no majority
    with federation.system.uow() as uow:
        uow.mandates.set(reds[1].id, faction_id=green)
        uow.commit()
    snap = snapshot(federation)
    assert snap == from_mandates(federation)
    north_now = {c["name"]: c for c in snap["councils"]}["North Council"]
    assert north_now["composition"] == {"Greens": 1, "Reds": 1} and north_now["majority"] is None
    with federation.system.uow() as uow:
        uow.mandates.set(reds[2].id, faction_id=green)
        uow.commit()
    snap = snapshot(federation)
    assert snap == from_mandates(federation)
    assert {c["name"]: c for c in snap["councils"]}["North Council"]["majority"] == "Greens"


def test_history_of_one_council_ends_at_its_snapshot(federation: Small) -> None:
    north = federation.councils["North Council"]
    with federation.system.uow() as uow:
        held = uow.mandates.active(t.mandates.c.council_id == north)
        end_mandate(uow, held[0], "recalled", AT, actor=None)
        uow.commit()
    steps = alignment.history(federation.system.reader(), north)
    assert list(steps) == [north]
    now = next(c for c in snapshot(federation)["councils"] if c["id"] == north)
    assert steps[north][-1].composition == now["composition"]
    assert steps[north][-1].majority == now["majority"] and steps[north][-1].at == AT
    assert len(steps[north]) >= 2


def test_the_popular_base_adds_up_to_the_members_represented(federation: Small) -> None:
    per_council, whole = alignment.popular_base(federation.system.reader())
    assert round(sum(whole.values())) == 40  # every seat filled: every member represented
    north = federation.councils["North Council"]
    assert round(sum(per_council[north].values())) == 20  # Forge 12 and Barracks 8
