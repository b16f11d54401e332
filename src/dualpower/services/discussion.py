"""Discussion in the open (DESIGN.md 2.7a): comments, their edits, faction statements, platforms.

Rules are in domain/discussion.py. Subjects live in other topics' tables (motions, initiatives,
directives) or in the core (recall petitions); they are looked up by table name, so a topic not
yet installed answers 404 with a clear sentence instead of breaking this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dualpower.domain import discussion as rules
from dualpower.domain import errors
from dualpower.services.notify import notify
from dualpower.store import tables as t
from dualpower.store import tables_discussion as d
from dualpower.store.uow import UnitOfWork

SUBJECT_TABLES = {
    "motion": "motions",
    "initiative": "initiatives",
    "directive": "directives",
    "recall": "recall_petitions",
}


@dataclass(frozen=True)
class Scope:
    """The unit or council a subject belongs to: where a panel for it is drawn from."""

    kind: str  # "unit" | "council"
    id: int


# -- subjects and scopes ------------------------------------------------------------------------


def subject_row(uow: UnitOfWork, kind: str, subject_id: int) -> dict[str, Any]:
    name = SUBJECT_TABLES.get(kind)
    if name is None:
        raise errors.InvalidRequest(f"a subject is one of {', '.join(rules.SUBJECT_KINDS)}")
    try:
        row = uow.discussion.subject(name, subject_id)
    except d.TopicMissing as missing:
        if missing.declared:  # the topic's code is here but its migration is not applied yet
            raise errors.NotFound(f"{kind}s are not available on this server yet") from None
        raise errors.NotFound(
            f"{kind}s are not available on this server yet (no {name} table)"
        ) from None
    if row is None:
        raise errors.NotFound(f"there is no {kind} {subject_id}")
    return row


def chief_scope(uow: UnitOfWork) -> Scope:
    fed = uow.federations.only()
    chief = uow.councils.chief(fed.id) if fed else None
    if chief is None:
        raise errors.Conflict("the federation has no chief council yet")
    return Scope("council", chief.id)


def subject_scope(uow: UnitOfWork, kind: str, subject_id: int) -> Scope:
    """Where a subject belongs: a recall petition to its seat's electorate; a motion to its unit
    or council; an initiative to its unit of origin; anything else to the chief council."""
    row = subject_row(uow, kind, subject_id)
    if kind == "recall":
        mandate = uow.mandates.get(row["mandate_id"])
        electorate = uow.electorates.get(mandate.electorate_id) if mandate else None
        if electorate is not None:
            return Scope(electorate.kind, electorate.source_id)
    for column, scope_kind in (
        ("unit_id", "unit"),
        ("council_id", "council"),
        ("origin_unit_id", "unit"),
    ):
        if row.get(column) is not None:
            return Scope(scope_kind, int(row[column]))
    return chief_scope(uow)


def subject_title(uow: UnitOfWork, kind: str, subject_id: int) -> str:
    row = subject_row(uow, kind, subject_id)
    if kind == "recall":
        return f"Recall petition {subject_id}"
    return str(row.get("title") or f"{kind} {subject_id}")


# -- people --------------------------------------------------------------------------------------


def tell(
    uow: UnitOfWork, member_ids: set[int] | list[int], kind: str, subject: str, link: str
) -> None:
    """An in-app notification each (and mail after commit)."""
    notify(uow, member_ids, kind, subject, link)


def deputies_of_faction(uow: UnitOfWork, faction_id: int) -> set[int]:
    return {md.holder_id for md in uow.mandates.active(t.mandates.c.faction_id == faction_id)}


def may_sign_for(uow: UnitOfWork, member_id: int, faction_id: int) -> bool:
    """A faction's official statement is signed by one of its deputies: a member holding an
    active mandate won on that faction's list."""
    return member_id in deputies_of_faction(uow, faction_id)


def suspended_until(uow: UnitOfWork, member_id: int) -> Any:
    """The end of the member's suspension in force now, or None."""
    now = uow.now()
    rows = uow.discussion.suspensions_ending_after(member_id, now)
    ends = [r["until_at"] for r in rows if r["start_at"] <= now]
    return max(ends) if ends else None


def may_speak(uow: UnitOfWork, member_id: int) -> None:
    """Refuse a member a panel suspended from posting: every way of writing text honours the
    suspension (comments, edits, platforms, motion drafts, report reasons; DESIGN.md 2.4a)."""
    if uow.members.get(member_id) is None:
        raise errors.NotFound(f"there is no member {member_id}")
    until = suspended_until(uow, member_id)
    if until is not None:
        raise errors.NotAllowed(
            f"a panel suspended your posting until {until:%Y-%m-%d %H:%M} UTC; "
            "you can still vote, sign and recall"
        )


def _text(text: str, most: int = rules.MAX_TEXT) -> str:
    text = text.strip()
    if not text:
        raise errors.InvalidRequest("the text is empty")
    if len(text) > most:
        raise errors.InvalidRequest(f"the text is longer than {most} characters")
    return text


# -- comments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostComment:
    author_id: int
    kind: str
    subject_id: int
    text: str
    parent_id: int | None = None
    faction_id: int | None = None


def post_comment(uow: UnitOfWork, cmd: PostComment) -> int:
    with uow:
        text = _text(cmd.text)
        title = subject_title(uow, cmd.kind, cmd.subject_id)
        may_speak(uow, cmd.author_id)
        since = uow.now() - rules.POST_LIMIT[1]
        recent = uow.discussion.comments_since(cmd.author_id, since)
        rules.check_rate("post", recent, rules.POST_LIMIT)
        parent = _parent(uow, cmd)
        if cmd.faction_id is not None and not may_sign_for(uow, cmd.author_id, cmd.faction_id):
            raise errors.NotAllowed("only a deputy of the faction may sign a statement for it")
        now = uow.now()
        comment_id = uow.discussion.add(
            d.comments,
            subject_kind=cmd.kind,
            subject_id=cmd.subject_id,
            author_id=cmd.author_id,
            faction_id=cmd.faction_id,
            parent_id=cmd.parent_id,
            text=text,
            created_at=now,
            is_hidden=False,
        )
        uow.discussion.add(
            d.comment_revisions, comment_id=comment_id, revision_no=1, text=text, written_at=now
        )
        uow.record(
            "comment.post",
            {
                "comment": comment_id,
                "subject": {"kind": cmd.kind, "id": cmd.subject_id},
                "parent": cmd.parent_id,
                "faction": cmd.faction_id,
            },
            actor=str(cmd.author_id),
        )
        link = f"/discussions/{cmd.kind}/{cmd.subject_id}#comment-{comment_id}"
        if parent is not None and parent["author_id"] != cmd.author_id:
            tell(uow, {parent["author_id"]}, "comment_reply", f"A reply to you on {title}", link)
        if cmd.faction_id is not None:
            others = deputies_of_faction(uow, cmd.faction_id) - {cmd.author_id}
            tell(uow, others, "faction_statement", f"Your faction's statement on {title}", link)
        uow.emit(rules.CommentPosted(comment_id, cmd.kind, cmd.subject_id))
        uow.commit()
    return comment_id


def _parent(uow: UnitOfWork, cmd: PostComment) -> dict[str, Any] | None:
    if cmd.parent_id is None:
        return None
    parent = uow.discussion.comment(cmd.parent_id)
    if parent is None:
        raise errors.NotFound(f"there is no comment {cmd.parent_id}")
    if (parent["subject_kind"], parent["subject_id"]) != (cmd.kind, cmd.subject_id):
        raise errors.InvalidRequest("a reply belongs to the same discussion as its parent")
    return parent


def edit_comment(uow: UnitOfWork, comment_id: int, member_id: int, text: str) -> int:
    """The author edits; every earlier text stays as a revision. Returns the revision number."""
    with uow:
        text = _text(text)
        comment = uow.discussion.comment(comment_id, lock=True)
        if comment is None:
            raise errors.NotFound(f"there is no comment {comment_id}")
        if comment["author_id"] != member_id:
            raise errors.NotAllowed("only its author may edit a comment")
        if comment["is_hidden"]:
            raise errors.Conflict("a panel hid this comment; it cannot be edited")
        may_speak(uow, member_id)
        number = uow.discussion.revisions_of(comment_id) + 1
        now = uow.now()
        with uow.unique_or(errors.Conflict("the comment was edited at the same time; reload it")):
            uow.discussion.add(
                d.comment_revisions,
                comment_id=comment_id,
                revision_no=number,
                text=text,
                written_at=now,
            )
        uow.discussion.set_comment_text(comment_id, text, now)
        uow.record(
            "comment.edit", {"comment": comment_id, "revision": number}, actor=str(member_id)
        )
        uow.commit()
    return number


# -- platforms -----------------------------------------------------------------------------------


def publish_refusal(uow: UnitOfWork, faction_id: int, member_id: int) -> str | None:
    """Why this member may not publish the faction's platform, or None: a faction with seats
    publishes by its deputies; one with no seat, by any of its members (DESIGN.md 2.7a, 2.10)."""
    deputies = deputies_of_faction(uow, faction_id)
    if deputies and member_id not in deputies:
        return "only a deputy of the faction may publish its platform"
    if not deputies and not uow.faction_members.is_member(faction_id, member_id):
        return "only a member of the faction may publish its platform"
    return None


def publish_platform(
    uow: UnitOfWork,
    faction_id: int,
    member_id: int,
    title: str,
    text: str,
    *,
    is_demo: bool = False,
) -> int:
    """A deputy of the faction publishes a new version of its platform (a faction with no seat:
    any of its members, services/factions.py); returns the version."""
    with uow:
        if uow.factions.get(faction_id) is None:
            raise errors.NotFound(f"there is no faction {faction_id}")
        text, title = _text(text), _text(title, 200)
        may_speak(uow, member_id)
        refused = publish_refusal(uow, faction_id, member_id)
        if refused is not None:
            raise errors.NotAllowed(refused)
        version = uow.discussion.platform_versions(faction_id) + 1
        with uow.unique_or(errors.Conflict("another version was published at the same time")):
            uow.discussion.add(
                d.platforms,
                faction_id=faction_id,
                version=version,
                title=title,
                text=text,
                published_by=member_id,
                published_at=uow.now(),
                is_demo=is_demo,
            )
        uow.record(
            "platform.publish",
            {"faction": faction_id, "version": version},
            actor=str(member_id),
        )
        uow.commit()
    return version
