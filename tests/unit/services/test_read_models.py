"""Typed read models (issue 24, issue 27, STYLE.md 17): each of the six pages gets one read model
(services/page_views.py) whose every part is typed, by TypedDicts beside the views that build
them. mypy checks what the code reads of them; this checks at run time that what the code
builds is what the types say, on a world with something on every page (tests/
read_models_support.py): every required key present, no key the type does not declare, every
value of its declared kind, and every shape the pages can show seen at least once."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from datetime import datetime
from typing import (
    Any,
    Literal,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    is_typeddict,
)
from typing import get_type_hints as hints_of

import pytest

from dualpower.services import alignment, page_views, views
from read_models_support import Busy, busy_world

PAGES = (
    page_views.HomePage,
    page_views.AlignmentPage,
    page_views.AlignmentCouncilPage,
    page_views.CouncilPage,
    page_views.ElectionPage,
    page_views.MePage,
    page_views.RecallPage,
)


def _hints(cls: Any) -> dict[str, Any]:
    return hints_of(cls, include_extras=True)


def _unwrapped(hint: Any) -> tuple[Any, bool]:
    """A TypedDict item's type without NotRequired/Required, and whether it is required."""
    origin = get_origin(hint)
    if origin is NotRequired:
        return get_args(hint)[0], False
    if origin is Required:
        return get_args(hint)[0], True
    return hint, True


class Check:
    """Walks a value along its declared type; notes what does not match, and which TypedDicts
    and dataclasses it met."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def __call__(self, value: Any, hint: Any, at: str) -> bool:
        """Whether `value` fits `hint` (its parts too); notes what does not."""
        before = len(self.problems)
        found = self._problem(value, hint, at)
        if found:
            self.problems.append(found)
        return len(self.problems) == before

    def _problem(self, value: Any, hint: Any, at: str) -> str | None:
        origin, args = get_origin(hint), get_args(hint)
        if hint is Any or hint is object:
            return None
        if hint is None or hint is type(None):
            return None if value is None else f"{at}: {value!r} is not None"
        if origin in (Union, types.UnionType):
            for arm in args:  # the first arm it fits, its findings kept; else what is wrong
                trial = Check()
                if trial(value, arm, at):
                    self.seen |= trial.seen
                    return None
            return f"{at}: {value!r} is none of {hint}"
        if origin is Literal:
            if any(type(value) is type(a) and value == a for a in args):
                return None
            return f"{at}: {value!r} is not one of {args}"
        if is_typeddict(hint):
            return self._typeddict(value, hint, at)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            if not isinstance(value, hint):
                return f"{at}: {value!r} is not a {hint.__name__}"
            self.seen.add(hint.__name__)
            declared = _hints(hint)
            for f in dataclasses.fields(hint):
                self(getattr(value, f.name), declared[f.name], f"{at}.{f.name}")
            return None
        if origin is Callable:
            return None if callable(value) else f"{at}: {value!r} is not callable"
        if origin in (list, tuple):
            if not isinstance(value, origin):
                return f"{at}: {value!r} is not a {origin.__name__}"
            item = args[0]
            for i, element in enumerate(value):
                self(element, item, f"{at}[{i}]")
            return None
        if origin is dict:
            if not isinstance(value, dict):
                return f"{at}: {value!r} is not a dict"
            for key, element in value.items():
                self(key, args[0], f"{at} key {key!r}")
                self(element, args[1], f"{at}[{key!r}]")
            return None
        if hint is float:  # an int is a float (PEP 484), a bool is neither
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            return None if ok else f"{at}: {value!r} is not a number"
        if hint is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            return None if ok else f"{at}: {value!r} is not an int"
        if hint in (str, bool, datetime):
            return None if isinstance(value, hint) else f"{at}: {value!r} is not a {hint}"
        raise TypeError(f"{at}: no check for the declared type {hint!r}")

    def _typeddict(self, value: Any, hint: Any, at: str) -> str | None:
        if not isinstance(value, dict):
            return f"{at}: {value!r} is not a dict ({hint.__name__})"
        declared = {k: _unwrapped(t) for k, t in _hints(hint).items()}
        missing = [k for k, (_, required) in declared.items() if required and k not in value]
        undeclared = [k for k in value if k not in declared]
        if missing or undeclared:
            return f"{at} ({hint.__name__}): missing {missing}, undeclared {undeclared}"
        trial = Check()  # a TypedDict is seen when the whole of it fits
        for key, element in value.items():
            trial(element, declared[key][0], f"{at}.{key}")
        self.problems += trial.problems
        if not trial.problems:
            self.seen |= trial.seen | {hint.__name__}
        return None


def declared_shapes(hint: Any, found: set[str] | None = None) -> set[str]:
    """Every TypedDict and dataclass a type is made of (its parts', and theirs)."""
    found = set() if found is None else found
    if is_typeddict(hint) or (dataclasses.is_dataclass(hint) and isinstance(hint, type)):
        if hint.__name__ in found:
            return found
        found.add(hint.__name__)
        parts = (_unwrapped(t)[0] for t in _hints(hint).values())
    else:
        parts = (a for a in get_args(hint) if get_origin(hint) is not Literal)
    for part in parts:
        declared_shapes(part, found)
    return found


@pytest.fixture
def busy(federation) -> Busy:  # type: ignore[no-untyped-def]
    return busy_world(federation)


def every_page(busy: Busy) -> list[tuple[str, Any]]:
    """Each of the six pages' read models, as each viewer (none, deputies, an official, mere
    electors) would see it, of every council, election and petition of the world."""
    reader, fed = busy.fed.system.reader, busy.fed
    viewers: list[int | None] = [None, *busy.members]
    pages: list[tuple[str, Any]] = [
        ("home", page_views.home(reader())),
        ("alignment", page_views.alignment_page(reader())),
    ]
    for council_id in fed.councils.values():
        pages.append(
            (f"alignment {council_id}", page_views.alignment_council(reader(), council_id))
        )
        for viewer in viewers:
            pages.append(
                (f"council {council_id}", page_views.council(reader(), council_id, viewer))
            )
    for election_id in busy.elections:
        for viewer in viewers:
            found = page_views.election(reader(), election_id, viewer)
            pages.append((f"election {election_id} as {viewer}", found))
    for petition_id in busy.petitions:
        for viewer in viewers:
            found = page_views.recall(reader(), petition_id, viewer)
            pages.append((f"recall {petition_id} as {viewer}", found))
    for member_id in fed.members.values():
        pages.append((f"me {member_id}", page_views.me(reader(), member_id)))
    return pages


def test_every_page_holds_what_its_types_declare(busy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pages = every_page(busy)
    monkeypatch.setattr(page_views, "HOME_COUNCILS", 1)  # the tree cut below the chief council
    pages += [
        ("home cut", page_views.home(busy.fed.system.reader())),
        ("alignment cut", page_views.alignment_page(busy.fed.system.reader())),
    ]
    check = Check()
    for name, page in pages:
        check(page, type(page), name)
    assert check.problems == []
    assert {type(page) for _, page in pages} == set(PAGES)
    declared: set[str] = set()
    for page in PAGES:
        declared_shapes(page, declared)
    # every shape the pages can show was built and checked at least once
    assert declared - check.seen == set()
    assert {"OfficialAsMandate", "MandateDetail", "RecallOf", "RoundView", "DeputyView"} <= declared


def test_the_check_finds_a_drift(busy) -> None:  # type: ignore[no-untyped-def]
    """A key missing, a key undeclared, a value of another kind, deep in a page: each found."""
    council = busy.fed.councils["North Council"]
    page = page_views.council(busy.fed.system.reader(), council, None)
    mandate = page.council["mandates"][0]
    drifts: list[dict[str, Any]] = [
        {k: v for k, v in mandate.items() if k != "seat_no"},
        {**mandate, "petition_id": None},
        {**mandate, "seat_no": "1"},
        {**mandate, "faction": 7},
        {**mandate, "electorate": {**(mandate["electorate"] or {}), "kind": "region"}},
    ]
    for drift in drifts:
        drifted = {**page.council, "mandates": [drift]}
        check = Check()
        check(dataclasses.replace(page, council=drifted), page_views.CouncilPage, "page")
        assert len(check.problems) == 1, drift
    check = Check()
    check(page, page_views.CouncilPage, "page")
    assert check.problems == []


def test_the_views_the_api_serves_hold_their_types(busy) -> None:  # type: ignore[no-untyped-def]
    """The same shapes the API serves beside the pages: every council, mandate, election and
    its result and ballots, and the alignment of a council."""
    reader, check = busy.fed.system.reader, Check()
    for council_id in busy.fed.councils.values():
        check(views.council(reader(), council_id), views.CouncilDetail, f"council {council_id}")
        check(alignment.council(reader(), council_id), alignment.CouncilColours, "hemicycle")
        for md in views.council_mandates(reader(), council_id):
            check(views.mandate(reader(), md["id"]), views.MandateDetail, f"mandate {md['id']}")
    check(views.councils(reader()), list[views.CouncilSeats], "councils")
    check(views.elections(reader()), list[views.ElectionView], "elections")
    for election_id in busy.elections:
        found = views.election(reader(), election_id)
        check(found, views.ElectionDetail, f"election {election_id}")
        if found["status"] != "open":
            result = views.election_result(reader(), election_id)
            check(result, views.ElectionResultView, f"result {election_id}")
            ballots = views.published_ballots(reader(), election_id)
            check(ballots, list[views.PublishedBallotView], f"ballots {election_id}")
    check(alignment.overview(reader), alignment.Overview, "overview")
    assert check.problems == []
    assert {"ElectionResultView", "PublishedBallotView", "OverviewCouncil"} <= check.seen
