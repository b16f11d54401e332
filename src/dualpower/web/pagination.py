"""Pagination of the API's list endpoints (issue 25): `limit` and `offset` in the query, the
answer still the same JSON array (existing clients keep working: without `limit`, the whole
list, as before), and `X-Total-Count` with the length of the whole list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Response

MAX_LIMIT = 10_000
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    limit: int | None
    offset: int
    response: Response

    def of(self, items: Sequence[T]) -> list[T]:
        """The page of `items` asked for; the whole list's length in X-Total-Count."""
        self.response.headers["X-Total-Count"] = str(len(items))
        end = None if self.limit is None else self.offset + self.limit
        return list(items[self.offset : end])


def _page(
    response: Response,
    limit: Annotated[
        int | None, Query(ge=1, le=MAX_LIMIT, description="At most this many items.")
    ] = None,
    offset: Annotated[int, Query(ge=0, description="Skip this many items first.")] = 0,
) -> Page:
    return Page(limit, offset, response)


Paged = Annotated[Page, Depends(_page)]
