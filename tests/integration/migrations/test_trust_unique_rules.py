"""Every "once per member" rule is a database constraint after the migrations (issue 7, item 1),
on SQLite and PostgreSQL: the migrated schema is inspected (primary keys, unique constraints,
unique indexes with their WHERE clause) and each rule's columns must be covered by one of them.

A key covers a rule when its columns are among the rule's columns (then at most one row per
rule key can exist) and, for a partial rule ("one current ..."), when the index carries the
rule's WHERE clause. The schema comes from Alembic (`build` upgrades to heads), not from
`metadata.create_all`, so a rule declared in a table module but missing from its migration fails.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from dualpower.bootstrap import System

# (rule, table, columns, WHERE clause of a partial rule or None)
RULES = [
    ("one ballot per member and election (participation)", "participations",
     ("election_id", "member_id"), None),
    ("one open ballot per voter and election", "ballots", ("election_id", "voter_id"), None),
    ("one candidacy per member and election", "candidates", ("election_id", "member_id"), None),
    ("one signature per member and petition", "recall_signatures",
     ("petition_id", "member_id"), None),
    ("one undecided petition per mandate", "recall_petitions", ("mandate_id",),
     "status IN ('open', 'vote_open')"),
    ("one undecided petition per office term", "recall_petitions", ("office_term_id",),
     "status IN ('open', 'vote_open')"),
    ("one attendance per member and session", "attendance", ("session_id", "member_id"), None),
    ("one roll-call vote per member and motion", "motion_votes", ("motion_id", "member_id"), None),
    ("one secret vote per member and motion", "motion_participations",
     ("motion_id", "member_id"), None),
    ("one panel vote per member, report and round", "panel_votes",
     ("report_id", "round", "member_id"), None),
    ("one current stance per council and directive", "stances",
     ("directive_id", "council_id"), "superseded_by IS NULL"),
    ("one stance per version, council and directive", "stances",
     ("directive_id", "council_id", "version"), None),
    ("one active roll entry per member", "memberships", ("member_id",), "end_at IS NULL"),
]  # fmt: skip


def _norm(where: object) -> str:
    """A WHERE clause without the quoting, casts, brackets and spacing each database adds."""
    text = str(where).lower()
    text = re.sub(r"::[a-z ]+(\[\])?", "", text)  # PostgreSQL's casts
    text = re.sub(r"[\s()\"]", "", text)
    return re.sub(r"=anyarray\[(.*?)\]", r"in\1", text)  # PostgreSQL's form of IN (...)


def keys(system: System, table: str) -> list[tuple[frozenset[str], str | None]]:
    """(columns, normalised WHERE or None) of every unique key of the migrated table."""
    insp = inspect(system.engine)
    found: list[tuple[frozenset[str], str | None]] = []
    pk = insp.get_pk_constraint(table)["constrained_columns"]
    if pk:
        found.append((frozenset(pk), None))
    for uc in insp.get_unique_constraints(table):
        found.append((frozenset(uc["column_names"]), None))
    for ix in insp.get_indexes(table):
        if not ix["unique"]:
            continue
        options = ix.get("dialect_options", {})
        where = options.get("postgresql_where", options.get("sqlite_where"))
        cols = frozenset(c for c in ix["column_names"] if c is not None)
        found.append((cols, None if where is None else _norm(where)))
    return found


def covered(system: System, table: str, columns: tuple[str, ...], where: str | None) -> bool:
    for cols, predicate in keys(system, table):
        if not cols or not cols <= set(columns):
            continue
        if predicate is None or (where is not None and predicate == _norm(where)):
            return True  # a full key covers a partial rule too
    return False


@pytest.mark.parametrize(("rule", "table", "columns", "where"), RULES, ids=[r[0] for r in RULES])
def test_rule_is_a_database_constraint(system: System, rule, table, columns, where) -> None:  # type: ignore[no-untyped-def]
    assert table in inspect(system.engine).get_table_names(), f"{rule}: no table {table}"
    assert covered(system, table, columns, where), (
        f"{rule}: no primary key, unique constraint or unique index of {table} covers "
        f"{columns}{' WHERE ' + where if where else ''}; keys: {keys(system, table)}"
    )


def test_a_partial_index_does_not_cover_another_rule(system: System) -> None:
    """The checker can fail: the partial 'one current stance' index does not make stances
    unique per council and directive for all time (history is kept), nor does it cover the
    rule under another WHERE clause."""
    assert not covered(system, "stances", ("directive_id", "council_id"), None)
    assert not covered(system, "stances", ("directive_id", "council_id"), "kind = 'endorse'")
    assert not covered(system, "comments", ("author_id",), None)
