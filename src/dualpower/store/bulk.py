"""Many rows in one statement, on both databases.

psycopg's `executemany` sends, parses and runs one statement per row (in pipeline mode, but
still one execution each on the server); SQLite's `executemany` runs one prepared statement and
costs nothing extra. So on PostgreSQL:
- an insert sends one `INSERT ... SELECT ... FROM unnest(arrays)`: one array per column, one
  short statement text whatever the number of rows (a multi-row `VALUES` list is a new text for
  every number of rows, which psycopg converts with a regular expression each time);
- an update by primary key sends one `UPDATE ... FROM unnest(arrays)` statement.
Measured in bench/cast.py (pg_stat_statements): 19,894 INSERTs of audit entries and 20,051
UPDATEs by the sealer for 20,051 ballots before; one of each per batch after.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Table,
    TextClause,
    any_,
    bindparam,
    insert,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) in one statement; on PostgreSQL the rows' ids (a
    serial key) follow the order given."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    conn.execute(_unnest_insert(conn, table, tuple(rows[0]), ()), _arrays(conn, table, rows))


def unnest_insert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    skip_taken: tuple[str, ...] = (),
) -> tuple[TextClause, dict[str, Any]]:
    """PostgreSQL: `insert_rows`'s statement and parameters, to run later (store/pipeline.py);
    with `skip_taken`, `insert_new_rows`'s (its rows are the keys written)."""
    return _unnest_insert(conn, table, tuple(rows[0]), skip_taken), _arrays(conn, table, rows)


def insert_json_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """`insert_rows` for rows of long texts (the audit log's payloads): on PostgreSQL the rows
    go as ONE JSON text parameter read by `json_to_recordset`, in the order given (their
    serial ids follow it). An array of texts is escaped by psycopg quote by quote with a
    regular expression (a tenth of the clock's client time on PostgreSQL, bench/due.py)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    conn.execute(*json_insert(conn, table, rows))


def json_insert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> tuple[TextClause, dict[str, Any]]:
    """PostgreSQL: `insert_json_rows`'s statement (the same object for the same columns) and
    parameters, to run later (store/pipeline.py)."""
    key = (table.name, tuple(rows[0]), ("json",))
    found = _INSERTS.get(key)
    if found is None:
        names = ", ".join(rows[0])
        found = _INSERTS[key] = text(
            f"INSERT INTO {table.name} ({names}) SELECT {names} "
            f"FROM {recordset(conn, table, tuple(rows[0]), ordered=True)} ORDER BY row_no"
        )
    return found, {"rows": json_rows(rows)}


def recordset(
    conn: Connection, table: Table, columns: Sequence[str], *, ordered: bool = False
) -> str:
    """PostgreSQL: rows as a relation `u` read from the one JSON parameter `rows` (see
    `json_rows`), each column typed as the table's; `ordered` adds `row_no`, each row's place
    in the list. One text parameter, not one array a column: psycopg writes an array of
    texts escaping each quote with a regular expression, which cost a quarter of the clock's
    time on PostgreSQL (bench/due.py, profiled)."""
    typed = ", ".join(f"{c} {table.c[c].type.compile(dialect=conn.dialect)}" for c in columns)
    if not ordered:
        return f"json_to_recordset(CAST(:rows AS json)) AS u({typed})"
    return (
        f"ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS ({typed})) "
        f"WITH ORDINALITY AS u({', '.join(columns)}, row_no)"
    )


def json_rows(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as one JSON text: times in ISO 8601 with their offset, a JSON column's value
    as the JSON it is (json_to_recordset keeps its text), a text column's as a JSON string
    (json_to_recordset gives it back unescaped)."""
    return json.dumps(list(rows), default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def insert_new_rows(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: tuple[str, ...]
) -> set[tuple[Any, ...]]:
    """Insert the rows whose `key` (a unique key's columns) is not taken yet, in one
    statement; the keys of the rows written. On PostgreSQL a row whose key another transaction
    is writing waits for it, then is skipped if that one commits."""
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        unnest = _unnest_insert(conn, table, tuple(rows[0]), key)
        written = conn.execute(unnest, _arrays(conn, table, rows))
    else:
        columns = [table.c[c] for c in key]
        statement = (
            sqlite_insert(table).on_conflict_do_nothing(index_elements=columns).returning(*columns)
        )
        written = conn.execute(statement, list(rows))
    return {tuple(row) for row in written}


def _arrays(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One list per column, each value as the column's type binds it (e.g. JSON)."""
    arrays = {}
    for name in rows[0]:
        process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        values = [row[name] for row in rows]
        arrays[name] = [process(v) for v in values] if process else values
    return arrays


def _unnest_insert(
    conn: Connection, table: Table, columns: tuple[str, ...], skip_taken: tuple[str, ...]
) -> TextClause:
    """`INSERT INTO table (columns) SELECT ... FROM unnest(one array per column)`: the same
    short text for any number of rows, so psycopg and PostgreSQL parse and plan it once. With
    `skip_taken` (a unique key's columns): ON CONFLICT DO NOTHING, returning that key."""
    cache_key = (table.name, columns, skip_taken)
    found = _INSERTS.get(cache_key)
    if found is None:
        types = [table.c[c].type.compile(dialect=conn.dialect) for c in columns]
        arrays = ", ".join(f"CAST(:{c} AS {ty}[])" for c, ty in zip(columns, types, strict=True))
        names = ", ".join(columns)
        sql = (
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM unnest({arrays}) "
            f"WITH ORDINALITY AS u({names}, row_no) ORDER BY row_no"
        )
        if skip_taken:
            taken = ", ".join(skip_taken)
            sql += f" ON CONFLICT ({taken}) DO NOTHING RETURNING {taken}"
        found = _INSERTS[cache_key] = text(sql)
    return found


_INSERTS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], TextClause] = {}


def update_by_id(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], types: dict[str, str]
) -> None:
    """Set columns of rows found by their `id`: each row is {"id": ..., column: value, ...}
    with the columns named in `types` (column -> PostgreSQL array element type, e.g. "bigint",
    "text"). One statement on PostgreSQL; SQLite's prepared executemany."""
    if not rows:
        return
    columns = list(types)
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(f"CAST(:{c} AS {types[c]}[])" for c in columns)
        sets = ", ".join(f"{c} = u.{c}" for c in columns)
        conn.execute(
            text(
                f"UPDATE {table.name} SET {sets} FROM unnest(CAST(:id AS bigint[]), {arrays}) "
                f"AS u(id, {', '.join(columns)}) WHERE {table.name}.id = u.id"
            ),
            {"id": [row["id"] for row in rows], **{c: [row[c] for row in rows] for c in columns}},
        )
        return
    conn.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(f"b_{c}") for c in columns}),
        [{f"b_{k}": v for k, v in row.items()} for row in rows],
    )


def among(conn: Connection, column: ColumnElement[Any], values: Iterable[Any]) -> Any:
    """`column IN (values)` as a condition. On PostgreSQL `column = ANY(:array)`: one bound
    array whatever the number of values, so the statement's text (and psycopg's conversion of
    it, and PostgreSQL's plan) is the same for every batch; an IN list is a new text for every
    length (measured: a seventh of the ballot writer's time went to converting those texts)."""
    values = sorted(set(values))
    if conn.dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))


def among_bound(dialect: str, column: ColumnElement[Any], name: str) -> Any:
    """`among` for a statement built once and run many times: the values are bound at each
    execution as the parameter `name` (a list, which `among` would sort and deduplicate)."""
    if dialect != "postgresql":
        return column.in_(bindparam(name, expanding=True))
    return column == any_(bindparam(name, type_=ARRAY(column.type)))
