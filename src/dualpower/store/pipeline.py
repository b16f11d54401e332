"""Statements that do not need each other's results, sent together: one round trip (issue 24).

On PostgreSQL `together` runs them in psycopg's pipeline mode on the connection's own driver
connection: the client sends every statement, then one Sync, and reads the results. The server
still runs them one after the other, in the order given, each with its own snapshot (READ
COMMITTED): a read sent after a lock sees everything committed before the lock was granted,
exactly as when the client waited for the lock before sending the read. (psycopg waits for a
transaction's BEGIN before sending more, pipeline or not: BEGIN stays a round trip of its own.)
SQLAlchemy cannot run a statement in pipeline mode (it reads a result's columns before the
result has come), so each statement is compiled by SQLAlchemy once and handed to psycopg with
its parameters as SQLAlchemy would bind them (literals, bind processing); a driver error is
raised as SQLAlchemy's (DBAPIError: the group commit retries a deadlock). SQLite has no round
trips: there the statements run one by one through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Step = tuple[Executable, Mapping[str, Any]]


def together(conn: Connection, steps: Sequence[Step]) -> list[list[Any]]:
    """Run the statements in order, in one round trip on PostgreSQL; the rows of each (values
    by attribute and in `_mapping`, as SQLAlchemy's rows; an empty list for a statement
    returning none)."""
    if conn.dialect.name != "postgresql":
        return [_rows(conn.execute(statement, dict(params))) for statement, params in steps]
    from psycopg import Error

    driver = conn.connection.driver_connection
    assert driver is not None
    sql = [_compiled(conn, statement) for statement, _ in steps]
    cursors = []
    try:
        with driver.pipeline():
            for compiled, (_, params) in zip(sql, steps, strict=True):
                cursor = driver.cursor(row_factory=_row_factory)
                cursor.execute(compiled.text, compiled.parameters(params))
                cursors.append(cursor)
        return [cursor.fetchall() if cursor.description else [] for cursor in cursors]
    except Error as error:  # as SQLAlchemy raises it (the group commit retries a deadlock)
        if driver.closed:
            conn.invalidate()
        raise DBAPIError.instance(
            "; ".join(c.text for c in sql), None, error, Error, dialect=conn.dialect
        ) from error
    finally:
        for cursor in cursors:
            cursor.close()


class _Row:
    """A row as psycopg returns it, read as SQLAlchemy's: `row.column`, `row._mapping`."""

    __slots__ = ("_mapping",)

    def __init__(self, mapping: dict[str, Any]):
        self._mapping = mapping

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None


def _row_factory(cursor: Any) -> Any:
    names = [column.name for column in cursor.description or ()]
    return lambda values: _Row(dict(zip(names, values, strict=True)))


def _rows(result: Any) -> list[Any]:
    return list(result.all()) if result.returns_rows else []


class _Compiled:
    """A statement compiled for psycopg: its text, and its parameters with SQLAlchemy's
    defaults (literals bound as parameters) and bind processing (e.g. JSON) applied."""

    def __init__(self, conn: Connection, statement: Executable):
        self.statement = statement
        self.compiled = statement.compile(dialect=conn.dialect)  # type: ignore[attr-defined]
        self.text = str(self.compiled)
        self.processors = {
            name: process
            for name, bind in self.compiled.binds.items()
            if (process := bind.type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
        }

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = self.compiled.construct_params(dict(given))
        for name, process in self.processors.items():
            if name in values:
                values[name] = process(values[name])
        return values


_COMPILED: dict[int, _Compiled] = {}


def _compiled(conn: Connection, statement: Executable) -> _Compiled:
    """The statement compiled once (it is kept, so its id is not reused while cached)."""
    found = _COMPILED.get(id(statement))
    if found is None or found.statement is not statement:
        if len(_COMPILED) >= 256:  # callers pass statements built once: this is a safeguard
            _COMPILED.clear()
        found = _COMPILED[id(statement)] = _Compiled(conn, statement)
    return found
