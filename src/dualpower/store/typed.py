"""Rows as plain tuples for the type checker.

A `Row` is a tuple at run time, but mypy unpacks a row of untyped `Table` columns as `object`
(`Row[*tuple[Any, ...]]` inherits both `BaseRow.__iter__` and `tuple`); SQLAlchemy 2.1
deprecates `Result.tuples`, the old way round it. `tuples(result)` is that cast, in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVarTuple, cast

from sqlalchemy import Result

_Ts = TypeVarTuple("_Ts")


def tuples(result: Result[*_Ts]) -> Iterator[tuple[*_Ts]]:
    """Iterate `result`'s rows, typed as the tuples they are."""
    return cast("Iterator[tuple[*_Ts]]", iter(result))
