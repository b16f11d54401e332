"""Pages of discussion and order kept by the members: a discussion, a comment with its history,
a report with its draw and how to repeat it, the factions' platforms side by side. No script is
needed; every form carries the CSRF token; members' texts pass through web/markup.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from dualpower.domain import lot
from dualpower.domain.discussion import DECISIONS
from dualpower.domain.errors import DomainError, InvalidRequest, NotFound
from dualpower.services import discussion, discussion_views, factions, panels
from dualpower.services.panels import FileReport
from dualpower.web.deps import Session, SystemDep
from dualpower.web.errors import status_of
from dualpower.web.forms import Posted, form_page, refusal
from dualpower.web.markup import to_html
from dualpower.web.routes.discussion import watch_comments

pages = APIRouter(include_in_schema=False)


def _viewer(session: Any) -> int | None:
    return session.member.id if session else None


def _optional_int(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidRequest(f"{value!r} is not a number")
    return int(value)


# -- a discussion --------------------------------------------------------------------------------


def _discussion(
    request: Request, system: SystemDep, session: Any, kind: str, subject_id: int, **extra: Any
) -> Response:
    if kind not in discussion_views.SUBJECT_PAGES:
        raise NotFound(f"there are no discussions on {kind!r}")
    watch_comments(request)
    viewer = _viewer(session)
    thread = discussion_views.thread(system.reader(), kind, subject_id)
    for comment in thread:
        comment["html"] = to_html(comment["text"])
    context = {
        "subject": discussion_views.subject(system.reader(), kind, subject_id),
        "thread": thread,
        "factions": discussion_views.signable_factions(system.reader(), viewer),
        "suspended_until": discussion_views.posting_suspended_until(system.reader(), viewer),
        "error": None,
        "text": "",
    } | extra
    return form_page(request, "discussion/page.html", context)


@pages.get("/discussions/{kind}/{subject_id}")
def discussion_page(
    request: Request, kind: str, subject_id: int, session: Session, system: SystemDep
) -> Response:
    return _discussion(request, system, session, kind, subject_id)


@pages.post("/discussions/{kind}/{subject_id}")
def discussion_post(
    request: Request,
    kind: str,
    subject_id: int,
    session: Posted,
    system: SystemDep,
    text: Annotated[str, Form()] = "",
    parent_id: Annotated[str, Form()] = "",
    faction_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        cmd = discussion.PostComment(
            session.member.id,
            kind,
            subject_id,
            text,
            _optional_int(parent_id),
            _optional_int(faction_id),
        )
        comment_id = discussion.post_comment(system.uow(), cmd)
    except DomainError as error:
        return _discussion(request, system, session, kind, subject_id, **refusal(error), text=text)
    return RedirectResponse(f"/discussions/{kind}/{subject_id}#comment-{comment_id}", 303)


# -- one comment ---------------------------------------------------------------------------------


def _comment(
    request: Request, system: SystemDep, session: Any, comment_id: int, **extra: Any
) -> Response:
    view = discussion_views.comment(system.reader(), comment_id)
    view["html"] = to_html(view["text"])
    for revision in view["revisions"]:
        revision["html"] = to_html(revision["text"])
    context = {"comment": view, "error": None, "viewer": _viewer(session)} | extra
    return form_page(request, "discussion/comment.html", context)


@pages.get("/comments/{comment_id}")
def comment_page(
    request: Request, comment_id: int, session: Session, system: SystemDep
) -> Response:
    return _comment(request, system, session, comment_id)


@pages.post("/comments/{comment_id}/edit")
def comment_edit(
    request: Request,
    comment_id: int,
    session: Posted,
    system: SystemDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        discussion.edit_comment(system.uow(), comment_id, session.member.id, text)
    except DomainError as error:
        return _comment(request, system, session, comment_id, **refusal(error))
    return RedirectResponse(f"/comments/{comment_id}", 303)


@pages.post("/comments/{comment_id}/report")
def comment_report(
    request: Request,
    comment_id: int,
    session: Posted,
    system: SystemDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        cmd = FileReport(session.member.id, reason, comment_id=comment_id)
        opened = panels.file_report(system.uow(), cmd)
    except DomainError as error:
        return _comment(request, system, session, comment_id, **refusal(error))
    return RedirectResponse(f"/reports/{opened.id}", 303)


# -- a report ------------------------------------------------------------------------------------


def _report(
    request: Request, system: SystemDep, session: Any, report_id: int, **extra: Any
) -> Response:
    view = discussion_views.report(system.reader(), report_id, _viewer(session))
    context = {
        "report": view,
        "decisions": DECISIONS,
        "recipe": lot.HOW_TO_REPEAT,
        "error": None,
    } | extra
    return form_page(request, "discussion/report.html", context)


@pages.get("/reports/{report_id}")
def report_page(request: Request, report_id: int, session: Session, system: SystemDep) -> Response:
    return _report(request, system, session, report_id)


@pages.post("/reports/{report_id}/decision")
def report_vote(
    request: Request,
    report_id: int,
    session: Posted,
    system: SystemDep,
    decision: Annotated[str, Form()] = "",
) -> Response:
    try:
        panels.vote(system.uow(), report_id, session.member.id, decision)
    except DomainError as error:
        return _report(request, system, session, report_id, **refusal(error))
    return RedirectResponse(f"/reports/{report_id}", 303)


# -- platforms -----------------------------------------------------------------------------------


@pages.get("/factions")
def factions_page(
    request: Request,
    session: Session,
    system: SystemDep,
    a: Annotated[int | None, Query()] = None,
    b: Annotated[int | None, Query()] = None,
) -> Response:
    """Every faction's current platform side by side; `?a=&b=` compares two."""
    return _factions(request, system, a, b)


def _factions(
    request: Request, system: SystemDep, a: int | None, b: int | None, **extra: Any
) -> Response:
    everyone = discussion_views.current_platforms(system.reader())
    chosen = [f for f in everyone if f["id"] in (a, b)] if a or b else everyone
    for faction in chosen:
        if faction["platform"]:
            faction["platform"]["html"] = to_html(faction["platform"]["text"])
    context = {"factions": everyone, "shown": chosen, "a": a, "b": b, "error": None} | extra
    return form_page(request, "discussion/factions.html", context)


@pages.post("/factions")
def faction_register(
    request: Request,
    session: Posted,
    system: SystemDep,
    name: Annotated[str, Form()] = "",
    short: Annotated[str, Form()] = "",
    colour: Annotated[str, Form()] = "",
) -> Response:
    """A member registers a faction and is its first member (DESIGN.md 2.10)."""
    try:
        faction_id = factions.register_faction(system.uow(), session.member.id, name, short, colour)
    except DomainError as error:
        return _factions(request, system, None, None, error=error.message, status=status_of(error))
    return RedirectResponse(f"/factions/{faction_id}", 303)


def _faction(
    request: Request, system: SystemDep, session: Any, faction_id: int, **extra: Any
) -> Response:
    versions = discussion_views.platforms(system.reader(), faction_id)
    for version in versions:
        version["html"] = to_html(version["text"])
    standing = factions.standing(system.reader(), _viewer(session), faction_id)
    name = next(
        (
            f["name"]
            for f in discussion_views.current_platforms(system.reader())
            if f["id"] == faction_id
        ),
        str(faction_id),
    )
    context: dict[str, Any] = {
        "faction_id": faction_id,
        "name": name,
        "versions": versions,
        "error": None,
        **standing,
    } | extra
    return form_page(request, "discussion/faction.html", context)


@pages.get("/factions/{faction_id}")
def faction_page(
    request: Request, faction_id: int, session: Session, system: SystemDep
) -> Response:
    return _faction(request, system, session, faction_id)


@pages.post("/factions/{faction_id}/platforms")
def faction_publish(
    request: Request,
    faction_id: int,
    session: Posted,
    system: SystemDep,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        discussion.publish_platform(system.uow(), faction_id, session.member.id, title, text)
    except DomainError as error:
        return _faction(request, system, session, faction_id, **refusal(error))
    return RedirectResponse(f"/factions/{faction_id}", 303)


@pages.post("/factions/{faction_id}/join")
def faction_join(request: Request, faction_id: int, session: Posted, system: SystemDep) -> Response:
    return _member_act(request, system, session, faction_id, factions.join_faction)


@pages.post("/factions/{faction_id}/leave")
def faction_leave(
    request: Request, faction_id: int, session: Posted, system: SystemDep
) -> Response:
    return _member_act(request, system, session, faction_id, factions.leave_faction)


def _member_act(
    request: Request, system: SystemDep, session: Any, faction_id: int, act: Any
) -> Response:
    try:
        act(system.uow(), session.member.id, faction_id)
    except DomainError as error:
        return _faction(request, system, session, faction_id, **refusal(error))
    return RedirectResponse(f"/factions/{faction_id}", 303)
