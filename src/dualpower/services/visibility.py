"""Who may read a member's name (DESIGN.md 2.11, issue 22): one place for the visibility classes.

- **Public**: deputies and officials by name (whoever holds or once held a mandate or an office:
  their acts in office stay under their name), and candidates, who stood to be named on ballots,
  tallies and receipts.
- **Members of the federation**: everyone else's name and username where no unit or council is
  concerned (authors of comments and motions, speakers).
- **Members of the unit (or council) concerned**: a unit's roll, who signed or opened a recall
  petition, who reported what (and the panel judging it), who took part in a vote and how they
  voted in an open vote of members. Shown to the members on the roll of the units concerned and
  to the deputies and office holders of the councils concerned and of every council above them
  (the councils the unit's members elect into, level by level); a call names what it concerns
  with `Concerned`.
- **The holder alone**: a member always sees their own name.

Anyone else sees such a member as their number (`#12`), the same pseudonym the audit log uses.

Who is reading is set per request by the web layer (`reading_as`), as the page's language is: a
reader who is not a logged-in member is public. Outside a request (the CLI, the services' own
callers) nothing is hidden; the public export masks its rows itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from dualpower.store.uow import UnitOfWork

# A callable answering "who is reading?", asked at most once: the reader's member id; True for a
# member of the federation whose id the caller does not know; None or False for the public.
Reader = Callable[[], "int | bool | None"]
_READER: ContextVar[Reader | None] = ContextVar("dualpower_reader", default=None)


@dataclass(frozen=True)
class Concerned:
    """The units and councils a record concerns: its members' names are shown to those units'
    members and to the deputies and office holders of those councils (and of the councils of
    those units) and of every council above them."""

    unit_ids: frozenset[int] = frozenset()
    council_ids: frozenset[int] = frozenset()


def of_unit(unit_id: int) -> Concerned:
    return Concerned(unit_ids=frozenset({unit_id}))


def of_council(council_id: int) -> Concerned:
    return Concerned(council_ids=frozenset({council_id}))


def of_scope(kind: str, scope_id: int) -> Concerned:
    """A unit ("unit") or a council (any other kind), as reports and panels name their scope."""
    return of_unit(scope_id) if kind == "unit" else of_council(scope_id)


@contextmanager
def reading_as(who: Reader) -> Iterator[None]:
    """Within the block, names are shown as the reader `who()` may see them (asked lazily,
    once): a member id, True (a member, id unknown: never of a unit concerned) or None."""
    answer: list[int | bool | None] = []

    def once() -> int | bool | None:
        if not answer:
            found = who()
            answer.append(found if isinstance(found, int) else bool(found))
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
    return uow.members.ever_public(ids)


def councils_above(uow: UnitOfWork, concerned: Concerned) -> set[int]:
    """The councils concerned, those of the units concerned, and every council above them."""
    start = set(concerned.council_ids)
    if concerned.unit_ids:
        start |= uow.units.councils_of(concerned.unit_ids)
    parents = {c.id: c.parent_id for c in uow.councils.list()}
    found: set[int] = set()
    while start:
        council = start.pop()
        if council in found or council not in parents:
            continue
        found.add(council)
        parent = parents[council]
        if parent is not None:
            start.add(parent)
    return found


def is_concerned(uow: UnitOfWork, member_id: int, concerned: Concerned) -> bool:
    """Whether the member is on the roll of a unit concerned, or holds a mandate or an office
    now in a council concerned or above one."""
    if uow.members.current_unit_id(member_id) in concerned.unit_ids:
        return True
    councils = sorted(councils_above(uow, concerned))
    if not councils:
        return False
    return uow.members.sits_in_any(member_id, councils)


def hidden(
    uow: UnitOfWork, ids: Iterable[int | None], concerning: Concerned | None = None
) -> set[int]:
    """Those of `ids` whose name the current reader may not see: everyone but the public people
    for the public; with `concerning`, for a member not concerned, everyone but the public
    people and the reader."""
    wanted = {i for i in ids if i is not None}
    ask = _READER.get()
    if not wanted or ask is None:
        return set()
    if reader_is_public():
        return wanted - public_people(uow, wanted)
    reader = ask()
    if concerning is None:  # members of the federation
        return set()
    if isinstance(reader, bool) or reader is None or not is_concerned(uow, reader, concerning):
        return wanted - {reader} - public_people(uow, wanted)
    return set()


def masked_names(
    uow: UnitOfWork, people: Mapping[int, dict[str, Any]], concerning: Concerned | None = None
) -> dict[int, dict[str, Any]]:
    """`people` (id -> {"name", "username", ...}) as the current reader may see them."""
    secret = hidden(uow, people, concerning)
    return {
        i: (p | {"name": pseudonym(i), "username": ""}) if i in secret else dict(p)
        for i, p in people.items()
    }


def masked_name(
    uow: UnitOfWork, member_id: int | None, name: str, concerning: Concerned | None = None
) -> str:
    """One member's name as the current reader may see it."""
    if member_id is None or member_id not in hidden(uow, {member_id}, concerning):
        return name
    return pseudonym(member_id)


def masked_members(
    uow: UnitOfWork, members: Iterable[Any], concerning: Concerned | None = None
) -> list[Any]:
    """Member rows (dataclasses with `id`, `username`, `display_name`) as the current reader may
    see them: a hidden one keeps its number, and its name becomes the number."""
    found = list(members)
    secret = hidden(uow, {m.id for m in found}, concerning)
    return [
        replace(m, display_name=pseudonym(m.id), username="") if m.id in secret else m
        for m in found
    ]


def member_names(
    uow: UnitOfWork, ids: set[int], concerning: Concerned | None = None
) -> dict[int, dict[str, Any]]:
    """Members by number: their number, name and username as the current reader may see them."""
    if not ids:
        return {}
    found = uow.members.by_ids(ids)
    return {
        m.id: {"id": m.id, "name": m.display_name, "username": m.username}
        for m in masked_members(uow, found, concerning)  # DESIGN.md 2.11
    }
