"""Crawling the app as a reader (DESIGN.md 2.11, issue 22): every GET route with every id of
its kind, and the private words (username, name, e-mail) of members who hold no mandate or office
and never stood, for the privacy tests (test_privacy_crawl.py, test_visibility_by_route.py)."""

from __future__ import annotations

import itertools
import re
from typing import Any

from authz_world import World, app_routes
from sqlalchemy import select

from dualpower.store import tables as t

SOURCES = {
    "council_id": "councils",
    "unit_id": "base_units",
    "comment_id": "comments",
    "report_id": "reports",
    "faction_id": "factions",
    "election_id": "elections",
    "petition_id": "recall_petitions",
    "directive_id": "directives",
    "motion_id": "motions",
    "session_id": "sessions",
    "breach_id": "breaches",
    "initiative_id": "initiatives",
    "mandate_id": "mandates",
    "office_id": "offices",
    "term_id": "office_terms",
    "member_id": "members",
    "kind": None,
}
SUBJECTS = {
    "motion": "motions",
    "initiative": "initiatives",
    "directive": "directives",
    "recall": "recall_petitions",
}


def ids_of(world: World, table: str, sample: int | None = None) -> list[int]:
    """The table's ids; with `sample`, only its first and last `sample` of them."""
    tab = t.metadata.tables.get(table)
    if tab is None:
        return []
    with world.system.engine.connect() as conn:
        found = [int(i) for i in conn.execute(select(tab.c.id).order_by(tab.c.id)).scalars()]
    if sample is not None and len(found) > 2 * sample:
        return found[:sample] + found[-sample:]
    return found


def urls(world: World, app: Any, sample: int | None = None) -> list[str]:
    """Every GET route, page or API, with every id of each of its parameters (with `sample`,
    the first and last `sample` ids of each kind)."""
    out: list[str] = []
    for method, path, _ in app_routes(app):
        if method != "GET":
            continue
        names = [p.split("}")[0] for p in path.split("{")[1:]]
        choices: list[list[dict[str, Any]]] = []
        if "kind" in names:
            choices.append(
                [
                    {"kind": kind, "subject_id": i}
                    for kind, table in SUBJECTS.items()
                    for i in ids_of(world, table, sample)
                ]
            )
            names = [n for n in names if n not in ("kind", "subject_id")]
        for name in names:
            table = SOURCES.get(name, name.removesuffix("_id") + "s")
            ids = ids_of(world, table or "", sample)
            choices.append([{name: i} for i in ids] or [{name: 1}])
        for combo in itertools.product(*choices):
            url = path
            for part in combo:
                for name, value in part.items():
                    url = url.replace(f"{{{name}}}", str(value))
            out.append(url)
    for kind, table in SUBJECTS.items():
        out += [f"/api/v1/comments?kind={kind}&id={i}" for i in ids_of(world, table, sample)]
    out += ["/api/v1/audit/entries", "/api/v1/recalls", "/api/v1/elections"]
    return out


def holders(world: World) -> set[int]:
    with world.system.engine.connect() as conn:
        held = set(conn.execute(select(t.mandates.c.holder_id)).scalars())
        held |= set(conn.execute(select(t.candidates.c.member_id)).scalars())
        return held | set(conn.execute(select(t.office_terms.c.holder_id)).scalars())


def private_words(world: World) -> dict[str, str]:
    """word -> username, for the username, name and e-mail of each member who never held a
    mandate or office."""
    public = holders(world)
    words: dict[str, str] = {}
    with world.system.engine.connect() as conn:
        for row in conn.execute(select(t.members)):
            if row.id not in public:
                for word in (row.username, row.display_name, row.email):
                    if word:
                        words[word] = row.username
    return words


def found(text: str, words: dict[str, str]) -> set[str]:
    return {
        who for word, who in words.items() if re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", text)
    }
