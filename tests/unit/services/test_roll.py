"""import_roll (services/roll.py): all rows or none, bad rows name their line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dualpower.bootstrap import System
from dualpower.domain.errors import RollError
from dualpower.services.roll import import_roll
from dualpower.store import tables as t
from dualpower.store.sequencer import settle
from factories import Small, small_federation


@pytest.fixture
def federation(system: System) -> Small:
    """The small federation without its elections: these tests need only its roll."""
    return small_federation(system, elect=False)


def members(system: System) -> int:
    with system.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.members)).scalar() or 0)


def acts(system: System) -> list[str]:
    settle(system.engine)  # PostgreSQL seals in the background just after commit
    with system.engine.connect() as conn:
        return list(conn.execute(select(t.audit_log.c.act).order_by(t.audit_log.c.seq)).scalars())


def run(federation: Small, text: str, unit: str | None = "Forge") -> int:
    return import_roll(federation.system.uow(), text, unit, actor="operator", is_operator=True)


def test_import_adds_members_to_the_unit_and_logs_it(federation: Small) -> None:
    before = members(federation.system)
    added = run(federation, "username,name\nanna.p,Anna Petrova\nivan.k,Ivan Kuznetsov\n")
    assert added == 2 and members(federation.system) == before + 2
    with federation.system.uow() as uow:
        anna = uow.members.by_username("anna.p")
        assert anna is not None and anna.display_name == "Anna Petrova"
        assert not anna.is_verified and uow.members.password_hash(anna.id) is None
        assert uow.members.current_unit_id(anna.id) == federation.units["Forge"]
    assert acts(federation.system)[-1] == "roll.import"


def test_unit_column_and_unit_by_id(federation: Small) -> None:
    mill = federation.units["Mill"]
    run(federation, f"username,name,unit\nolga,Olga,Farm\npetr,Petr,{mill}\nsasha,Sasha,\n")
    with federation.system.uow() as uow:
        where = {
            name: uow.members.current_unit_id(uow.members.by_username(name).id)  # type: ignore[union-attr]
            for name in ("olga", "petr", "sasha")
        }
    units = federation.units
    assert where == {"olga": units["Farm"], "petr": mill, "sasha": units["Forge"]}


@pytest.mark.parametrize(
    ("text", "unit", "line", "words"),
    [
        ("username\nanna\n", "Forge", 1, "name"),
        ("username,name\nanna,Anna\nivan,Ivan\nanna,Anna\n", "Forge", 4, "already on line 2"),
        ("username,name\nanna,Anna\nforge1,Someone\n", "Forge", 3, "already a member"),
        ("username,name,unit\nanna,Anna,Forge\nivan,Ivan,Atlantis\n", None, 3, "Atlantis"),
        ("username,name\nanna,Anna\n", "Atlantis", 2, "Atlantis"),
        ("username,name\nanna,Anna\n", None, 2, "no unit"),
        ("username,name\nanna,Anna\nivan\n", "Forge", 3, "columns"),
    ],
    ids=[
        "missing-column",
        "duplicate-in-file",
        "duplicate-in-db",
        "unknown-unit-column",
        "unknown-unit-option",
        "no-unit",
        "short-row",
    ],
)
def test_a_bad_row_names_its_line_and_imports_nothing(
    federation: Small, text: str, unit: str | None, line: int, words: str
) -> None:
    before, log = members(federation.system), acts(federation.system)
    with pytest.raises(RollError) as info:
        run(federation, text, unit)
    assert info.value.line == line and str(info.value).startswith(f"line {line}:")
    assert words in str(info.value)
    assert members(federation.system) == before
    assert acts(federation.system) == log
    with federation.system.uow() as uow:
        assert uow.members.by_username("anna") is None


def test_no_federation_yet(system: System) -> None:
    with pytest.raises(RollError, match="no federation"):
        import_roll(
            system.uow(), "username,name\nanna,Anna\n", "Forge", actor=None, is_operator=True
        )
    assert members(system) == 0


def test_concurrent_imports_of_one_username_add_it_once_and_refuse_the_other(
    federation: Small,
) -> None:
    """Eight imports of the same new username at once (both databases): exactly one adds it, the
    others get a RollError (never a raw database error), and nothing of theirs is half-imported."""
    from concurrent.futures import ThreadPoolExecutor

    before = members(federation.system)
    texts = [f"username,name\nsame.name,Same Name\nextra{i},Extra {i}\n" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda text: _try(federation, text), texts))
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "ok" or "same.name" in o for o in outcomes), outcomes
    assert members(federation.system) == before + 2
    assert acts(federation.system).count("roll.import") == 1


def _try(federation: Small, text: str) -> str:
    try:
        run(federation, text)
    except RollError as e:
        return str(e)
    return "ok"
