"""Read-only views of discussions, platforms and reports: plain dicts, one transaction each.

A hidden comment keeps its place in the thread (replies stay readable) but its text is not
served; the report whose panel hid it is named instead.
"""

from __future__ import annotations

from typing import Any

from dualpower.domain import discussion as rules
from dualpower.domain import errors, lot
from dualpower.services import motion_titles, panels, visibility
from dualpower.services.discussion import subject_title, suspended_until
from dualpower.store import tables_discussion as d
from dualpower.store.uow import UnitOfWork


def _hiding_reports(uow: UnitOfWork, comment_ids: list[int]) -> dict[int, int]:
    r = d.reports
    found = uow.discussion.all(
        r, r.c.subject_kind == "comment", r.c.decision == "hide", r.c.subject_id.in_(comment_ids)
    )
    return {row["subject_id"]: row["id"] for row in found}


def thread(uow: UnitOfWork, kind: str, subject_id: int) -> list[dict[str, Any]]:
    """The comments on a subject in thread order (each reply under its parent, oldest first),
    with their depth."""
    with uow:
        subject_title(uow, kind, subject_id)  # 404 for an unknown subject
        c = d.comments
        rows = uow.discussion.all(
            c, c.c.subject_kind == kind, c.c.subject_id == subject_id, order_by=c.c.id
        )
        names = visibility.member_names(uow, {row["author_id"] for row in rows})
        factions = {f.id: f.name for f in uow.factions.list()}
        hidden_by = _hiding_reports(uow, [row["id"] for row in rows if row["is_hidden"]])
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    ordered: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            ordered.append(_comment(row, depth, names, factions, hidden_by))
            walk(row["id"], depth + 1)

    walk(None, 0)
    return ordered


def _comment(row, depth, names, factions, hidden_by) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    author = names.get(row["author_id"], {"name": "?", "username": "?"})
    return {
        "id": row["id"],
        "subject": {"kind": row["subject_kind"], "id": row["subject_id"]},
        "parent_id": row["parent_id"],
        "depth": depth,
        "author_id": row["author_id"],
        "author_name": author["name"],
        "author_username": author["username"],
        "faction_id": row["faction_id"],
        "faction": factions.get(row["faction_id"]) if row["faction_id"] else None,
        "text": None if row["is_hidden"] else row["text"],
        "is_hidden": row["is_hidden"],
        "hidden_by_report": hidden_by.get(row["id"]),
        "created_at": row["created_at"],
        "edited_at": row["edited_at"],
    }


def comment(uow: UnitOfWork, comment_id: int) -> dict[str, Any]:
    """One comment with its revisions (texts of a hidden comment are not served)."""
    with uow:
        c, r = d.comments, d.comment_revisions
        row = uow.discussion.one(c, c.c.id == comment_id)
        if row is None:
            raise errors.NotFound(f"there is no comment {comment_id}")
        names = visibility.member_names(uow, {row["author_id"]})
        factions = {f.id: f.name for f in uow.factions.list()}
        hidden_by = _hiding_reports(uow, [comment_id]) if row["is_hidden"] else {}
        revisions = uow.discussion.all(r, r.c.comment_id == comment_id, order_by=r.c.revision_no)
        title = subject_title(uow, row["subject_kind"], row["subject_id"])
        motion = uow.motions.get(row["subject_id"]) if row["subject_kind"] == "motion" else None
        title_as = motion_titles.title_as(uow, motion) if motion is not None else None
    view = _comment(row, 0, names, factions, hidden_by)
    view["subject_title"] = title
    view["subject_title_as"] = title_as  # the product's title, for the page's language
    view["revisions"] = [
        {
            "revision": rev["revision_no"],
            "text": None if row["is_hidden"] else rev["text"],
            "written_at": rev["written_at"],
        }
        for rev in revisions
    ]
    return view


def platforms(uow: UnitOfWork, faction_id: int) -> list[dict[str, Any]]:
    """Every version of a faction's platform, newest first."""
    with uow:
        faction = errors.must_exist(
            uow.factions.get(faction_id), f"there is no faction {faction_id}"
        )
        p = d.platforms
        rows = uow.discussion.all(p, p.c.faction_id == faction_id, order_by=p.c.version.desc())
        names = visibility.member_names(uow, {row["published_by"] for row in rows})
    return [_platform(row, faction.name, names) for row in rows]


def _platform(row, faction_name, names) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "faction_id": row["faction_id"],
        "faction": faction_name,
        "version": row["version"],
        "title": row["title"],
        "text": row["text"],
        "published_by": row["published_by"],
        "published_by_name": names.get(row["published_by"], {}).get("name"),
        "published_at": row["published_at"],
        "is_demo": row["is_demo"],
    }


def current_platforms(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each faction with its latest platform (None when it has published none)."""
    with uow:
        p = d.platforms
        rows = uow.discussion.all(p, order_by=p.c.version)
        names = visibility.member_names(uow, {row["published_by"] for row in rows})
        factions = uow.factions.list()
    latest = {row["faction_id"]: row for row in rows}
    return [
        {
            "id": f.id,
            "name": f.name,
            "short": f.short,
            "colour": f.colour,
            "platform": _platform(latest[f.id], f.name, names) if f.id in latest else None,
        }
        for f in factions
    ]


_NO_DRAW: dict[str, Any] = {
    "round": 0,
    "panel": [],
    "seed": None,
    "inputs": [],
    "algorithm": lot.ALGORITHM,
    "deadline_at": None,
}


def report(uow: UnitOfWork, report_id: int, viewer: int | None = None) -> dict[str, Any]:
    """A report with every draw of its panel (seed, inputs, panel), the votes counted, and the
    decision. Who voted what is published once the report is decided."""
    with uow:
        r, rd, pv = d.reports, d.report_draws, d.panel_votes
        row = uow.discussion.one(r, r.c.id == report_id)
        if row is None:
            raise errors.NotFound(f"there is no report {report_id}")
        draws = uow.discussion.all(rd, rd.c.report_id == report_id, order_by=rd.c.round)
        votes = uow.discussion.all(pv, pv.c.report_id == report_id)
        people = {row["reporter_id"], row["reported_id"]} - {None}
        # who reported whom, and who judges it: to the unit or council concerned (2.11)
        concerning = visibility.of_scope(row["scope_kind"], row["scope_id"])
        names = visibility.member_names(
            uow, people | {m for dr in draws for m in dr["panel"]}, concerning
        )
        scope_name = _scope_name(uow, row["scope_kind"], row["scope_id"])
        subject_link = _subject_link(uow, row)
        until = suspended_until(uow, row["reported_id"]) if row["reported_id"] else None
        seed_place = None if draws else panels.seed_position(uow, report_id)
    is_decided = row["status"] == "decided"
    # Until the log holds the seed's entry (services/panels.py) no panel is drawn: round 0, no
    # panel, no seed, and the place of the entry whose hash will be the seed.
    current = draws[-1] if draws else _NO_DRAW
    return {
        "id": row["id"],
        "subject": {"kind": row["subject_kind"], "id": row["subject_id"], "link": subject_link},
        "reporter_id": row["reporter_id"],
        "reported_id": row["reported_id"],
        "reason": row["reason"],
        "scope": {"kind": row["scope_kind"], "id": row["scope_id"], "name": scope_name},
        "status": row["status"],
        "decision": row["decision"],
        "decided_at": row["decided_at"],
        "panel_size": row["panel_size"],
        "majority": rules.majority(len(current["panel"])),
        "round": current["round"],
        "panel": list(current["panel"]),
        "seed": current["seed"],
        "inputs": list(current["inputs"]),
        "algorithm": current["algorithm"],
        "deadline_at": current["deadline_at"],
        "draw_status": "drawn" if draws else "waiting",
        "seed_entry": seed_place,
        "draws": [_draw_view(dr, votes, names, is_decided) for dr in draws],
        "names": {str(k): v["name"] for k, v in names.items()},
        "is_panel_member": viewer in current["panel"] if viewer else False,
        "has_voted": any(
            v["member_id"] == viewer and v["round"] == current["round"] for v in votes
        ),
        "suspended_until": until,
    }


def _draw_view(dr, votes, names, is_decided) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    mine = [v for v in votes if v["round"] == dr["round"]]
    counts = {decision: 0 for decision in rules.DECISIONS}
    for v in mine:
        counts[v["decision"]] += 1
    return {
        "round": dr["round"],
        "seed": dr["seed"],
        "algorithm": dr["algorithm"],
        "inputs": list(dr["inputs"]),
        "panel": list(dr["panel"]),
        "panel_names": [names.get(m, {}).get("name", str(m)) for m in dr["panel"]],
        "drawn_at": dr["drawn_at"],
        "deadline_at": dr["deadline_at"],
        "repeats": lot.repeats(dr["seed"], list(dr["inputs"]), len(dr["panel"]), list(dr["panel"])),
        "counts": counts,
        "voted": len(mine),
        "votes": [{"member_id": v["member_id"], "decision": v["decision"]} for v in mine]
        if is_decided
        else [],
    }


def _scope_name(uow: UnitOfWork, kind: str, scope_id: int) -> str:
    found = uow.units.get(scope_id) if kind == "unit" else uow.councils.get(scope_id)
    return found.name if found else f"{kind} {scope_id}"


def _subject_link(uow: UnitOfWork, row: dict[str, Any]) -> str | None:
    if row["subject_kind"] == "comment":
        c = uow.discussion.one(d.comments, d.comments.c.id == row["subject_id"])
        if c:
            return f"/discussions/{c['subject_kind']}/{c['subject_id']}#comment-{c['id']}"
    if row["subject_kind"] == "roll":
        unit_id = uow.members.current_unit_id(row["subject_id"])
        return f"/units/{unit_id}" if unit_id else None
    return None


def signable_factions(uow: UnitOfWork, member_id: int | None) -> list[dict[str, Any]]:
    """The factions a member may sign statements and platforms for (those they are a deputy
    of), and whether they are suspended from posting now."""
    if member_id is None:
        return []
    with uow:
        mine = {md.faction_id for md in uow.mandates.active_of_holder(member_id)} - {None}
        return [{"id": f.id, "name": f.name} for f in uow.factions.list() if f.id in mine]


def posting_suspended_until(uow: UnitOfWork, member_id: int | None) -> Any:
    if member_id is None:
        return None
    with uow:
        return suspended_until(uow, member_id)


SUBJECT_PAGES = {
    "motion": "/motions/{}",
    "initiative": "/initiatives/{}",
    "directive": "/directives/{}",
    "recall": "/recalls/{}",
}


def subject(uow: UnitOfWork, kind: str, subject_id: int) -> dict[str, Any]:
    with uow:
        title = subject_title(uow, kind, subject_id)
        motion = uow.motions.get(subject_id) if kind == "motion" else None
        # a motion's title the product wrote, for the page's language (services/motion_titles)
        title_as = motion_titles.title_as(uow, motion) if motion is not None else None
    return {
        "kind": kind,
        "id": subject_id,
        "title": title,
        "title_as": title_as,
        "link": SUBJECT_PAGES[kind].format(subject_id),
    }
