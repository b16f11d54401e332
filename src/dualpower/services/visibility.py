"""Who may read a member's name (DESIGN.md 2.11).

Public: deputies and officials by name (whoever holds or once held a mandate or an office:
their acts in office stay under their name), and candidates, who stood to be named on ballots,
tallies and receipts. Members of the federation only: everyone else's name and username, i.e.
rolls, signers, reporters and panels, authors, voters of an open election or assembly vote. A
reader outside the federation sees such a member as their number (`#12`), the same pseudonym
the audit log uses.

Who is reading is set per request by the web layer (`reading_as`), as the page's language is:
a reader who is not a logged-in member is public. Outside a request (the CLI, the services'
own callers) nothing is hidden; the public export masks its rows itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from sqlalchemy import select, union

from dualpower.store import tables as t
from dualpower.store.uow import UnitOfWork

# A callable answering "is the reader a member of the federation?", asked at most once.
_READER: ContextVar[Callable[[], bool] | None] = ContextVar("dualpower_reader", default=None)


@contextmanager
def reading_as(is_member: Callable[[], bool]) -> Iterator[None]:
    """Within the block, names are shown as `is_member()` allows (it is asked lazily, once)."""
    answer: list[bool] = []

    def once() -> bool:
        if not answer:
            answer.append(bool(is_member()))
        return answer[0]

    token = _READER.set(once)
    try:
        yield
    finally:
        _READER.reset(token)


def reader_is_public() -> bool:
    """True when the current reader is outside the federation (an anonymous visitor)."""
    ask = _READER.get()
    return ask is not None and not ask()


def pseudonym(member_id: int) -> str:
    """How the public sees a member who holds no office: their number, as in the log."""
    return f"#{member_id}"


def public_people(uow: UnitOfWork, ids: Iterable[int]) -> set[int]:
    """Those of `ids` who hold or once held a mandate or an office, or stood as candidates."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    md, ot, ca = t.mandates, t.office_terms, t.candidates
    query = union(
        select(md.c.holder_id.label("id")).where(md.c.holder_id.in_(wanted)),
        select(ot.c.holder_id.label("id")).where(ot.c.holder_id.in_(wanted)),
        select(ca.c.member_id.label("id")).where(ca.c.member_id.in_(wanted)),
    )
    found: list[int] = list(uow.conn.execute(query).scalars())
    return set(found)


def hidden(uow: UnitOfWork, ids: Iterable[int]) -> set[int]:
    """Those of `ids` whose name the current reader may not see."""
    wanted = {i for i in ids if i is not None}
    if not wanted or not reader_is_public():
        return set()
    return wanted - public_people(uow, wanted)


def masked_names(
    uow: UnitOfWork, people: Mapping[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """`people` (id -> {"name", "username", ...}) as the current reader may see them."""
    secret = hidden(uow, people)
    return {
        i: (p | {"name": pseudonym(i), "username": ""}) if i in secret else dict(p)
        for i, p in people.items()
    }


def masked_name(uow: UnitOfWork, member_id: int | None, name: str) -> str:
    """One member's name as the current reader may see it."""
    if member_id is None or member_id not in hidden(uow, {member_id}):
        return name
    return pseudonym(member_id)


def masked_members(uow: UnitOfWork, members: Iterable[Any]) -> list[Any]:
    """Member rows (dataclasses with `id`, `username`, `display_name`) as the current reader may
    see them: a hidden one keeps its number, and its name becomes the number."""
    found = list(members)
    secret = hidden(uow, {m.id for m in found})
    return [
        replace(m, display_name=pseudonym(m.id), username="") if m.id in secret else m
        for m in found
    ]
