"""Pages at scale (issue 24): each page one read transaction (one snapshot) and one read model
(services/page_views.py), reading only what it shows; the hemicycle draws the stored seats."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from dualpower.domain import errors
from dualpower.services import alignment, page_views, views
from dualpower.store import tables
from factories import username

WHOLE_TABLES = ("councils", "base_units", "electorates", "offices", "mandates")


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def whole_reads(seen: list[str]) -> list[str]:
    """Statements that read one of the federation's structure tables with no condition at all:
    every row of it (what a page must not do as the federation grows)."""
    found = []
    for sql in seen:
        for table in WHOLE_TABLES:
            pattern = rf"FROM {table}(?: ORDER BY [\w., ]+)?(?: LIMIT \S+)?$"
            if sql.startswith("SELECT") and re.search(pattern, sql):
                found.append(sql)
    return found


def test_home_shows_the_levels_that_fit_and_counts_the_rest(federation, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    system, chief = federation.system, federation.councils["Chief Council"]
    page = page_views.home(system.reader())
    assert [c["id"] for c in page.tree] == [chief]
    assert {c["name"] for c in page.tree[0]["children"]} == {"North Council", "South Council"}
    assert (page.shown, page.tree[0]["below"]) == (3, 0)

    monkeypatch.setattr(page_views, "HOME_COUNCILS", 2)  # the base councils no longer fit
    page = page_views.home(system.reader())
    assert [(c["id"], c["children"], c["below"]) for c in page.tree] == [(chief, [], 2)]
    assert page.shown == 1


def test_the_home_tree_and_the_hemicycle_draw_what_the_council_page_counts(federation) -> None:  # type: ignore[no-untyped-def]
    system = federation.system
    keys = ("id", "name", "seats", "filled", "composition", "majority", "colours")
    tree = page_views.home(system.reader()).tree
    shown = {c["id"]: c for c in [tree[0], *tree[0]["children"]]}
    for council_id in federation.councils.values():
        counted = views.council(system.reader(), council_id)
        stored = alignment.council(system.reader(), council_id)
        assert {k: stored[k] for k in keys} == {k: counted[k] for k in keys}
        assert list(stored["composition"]) == list(counted["composition"])  # the same order
        assert {k: shown[council_id][k] for k in keys} == {k: counted[k] for k in keys}


def test_pages_read_no_whole_table(federation) -> None:  # type: ignore[no-untyped-def]
    """A council, election, recall or member page reads by key, never every council, unit,
    electorate, office or mandate of the federation."""
    system = federation.system
    north = federation.councils["North Council"]
    member = federation.members[username("Forge", 5)]
    with system.uow() as uow:
        election = uow.conn.execute(select(func.max(tables.elections.c.id))).scalar_one()
    with statements(system.engine) as seen:
        page_views.council(system.reader(), north, member)
        page_views.election(system.reader(), election, member)
        page_views.me(system.reader(), member)
        page_views.home(system.reader())
    assert seen and whole_reads(seen) == []
    with statements(system.engine) as seen:
        views.councils(system.reader())  # the API's list of every council does read them all
    assert whole_reads(seen)


def test_a_page_reads_one_snapshot(federation) -> None:  # type: ignore[no-untyped-def]
    """What a read sees does not move under it: a change committed between two of its
    statements is not seen by the second (REPEATABLE READ on PostgreSQL)."""
    system = federation.system
    north = federation.councils["North Council"]
    reader = system.reader()
    with reader:
        before = views.council_in(reader, north)
        with system.uow() as uow:
            uow.councils.set(north, name="Renamed Council")
            uow.commit()
        after = views.council_in(reader, north)
    assert after["name"] == before["name"] == "North Council"
    assert views.council(system.reader(), north)["name"] == "Renamed Council"


@pytest.mark.parametrize("page", ["council", "election", "recall", "me"])
def test_a_page_of_nothing_is_not_found(federation, page) -> None:  # type: ignore[no-untyped-def]
    from dualpower.domain import errors

    read = {
        "council": lambda r: page_views.council(r, 999_999, None),
        "election": lambda r: page_views.election(r, 999_999, None),
        "recall": lambda r: page_views.recall(r, 999_999, None),
        "me": lambda r: page_views.me(r, 999_999),
    }[page]
    with pytest.raises(errors.NotFound):
        read(federation.system.reader())


def test_the_alignment_page_shows_the_top_levels_and_the_whole_federation(  # type: ignore[no-untyped-def]
    federation, monkeypatch
) -> None:
    system, chief = federation.system, federation.councils["Chief Council"]
    every = alignment.overview(system.reader)  # every council's (the API)
    page = page_views.alignment_page(system.reader())
    assert page.view["federation"] == every["federation"]
    assert page.view["colours"] == every["colours"]
    keys = ("id", "seats", "filled", "composition", "majority", "popular_base")
    shown = {c["id"]: {k: c[k] for k in keys} for c in page.view["councils"]}
    assert shown == {c["id"]: {k: c[k] for k in keys} for c in every["councils"]}
    assert all("changes" not in c for c in page.view["councils"])  # each on its own page

    monkeypatch.setattr(page_views, "HOME_COUNCILS", 2)
    page = page_views.alignment_page(system.reader())
    assert [c["id"] for c in page.view["councils"]] == [chief]
    assert [(c["id"], c["below"]) for c in page.tree] == [(chief, 2)]
    assert page.view["federation"] == every["federation"]  # still the whole federation's


def test_a_councils_own_alignment_page_shows_its_seats_base_and_history(federation) -> None:  # type: ignore[no-untyped-def]
    """What the alignment page used to draw for each council (its hemicycle, popular base,
    strength over time and changes of majority) is on the council's own alignment page, for
    every council, not only the top levels': the same figures as the API's overview."""
    system = federation.system
    every = {c["id"]: c for c in alignment.overview(system.reader)["councils"]}
    keys = ("id", "name", "seats", "filled", "composition", "majority", "popular_base")
    for council_id in federation.councils.values():
        page = page_views.alignment_council(system.reader(), council_id)
        assert {k: page.council[k] for k in keys} == {k: every[council_id][k] for k in keys}
        assert page.council["history"] == every[council_id]["history"]
        assert page.council["changes"] == every[council_id]["changes"]
        assert set(page.council["colours"]) == set(page.council["composition"])
    with pytest.raises(errors.NotFound):
        page_views.alignment_council(system.reader(), 999_999)


def test_the_alignment_page_reads_no_mandate(federation) -> None:  # type: ignore[no-untyped-def]
    """Its seats are the stored rows, its popular bases the kept ones, and its councils' history
    is on their own pages: the page reads no mandate, however many the federation holds."""
    system = federation.system
    alignment.refresh_bases(system.uow(), always=True)
    with statements(system.engine) as seen:
        page_views.alignment_page(system.reader())
    assert seen and not [sql for sql in seen if re.search(r"\bFROM mandates\b", sql)]


def test_the_pictures_colours_read_the_factions_alone(federation) -> None:  # type: ignore[no-untyped-def]
    """The strength picture of one council (each council's alignment page shows one) and the
    tree take the factions' colours from the factions, not from a snapshot of every council."""
    system = federation.system
    with statements(system.engine) as seen:
        found = alignment.colours(system.reader())
    assert found == alignment.snapshot(system.reader())["colours"]
    assert seen and not [sql for sql in seen if re.search(r"\bFROM (councils|alignment_)", sql)]
