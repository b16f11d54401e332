"""Pages of discussion and order kept by the members: a discussion, a comment with its history,
a report with its draw and how to repeat it, the factions' platforms side by side. No script is
needed; every form carries the CSRF token; members' texts pass through web/markup.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response

from dualpower.domain import lot
from dualpower.domain.discussion import DECISIONS
from dualpower.domain.errors import DomainError, InvalidRequest, NotFound
from dualpower.services import discussion, discussion_views, factions, panels
from dualpower.services.panels import FileReport
from dualpower.web.deps import Visit, Visiting
from dualpower.web.errors import status_of
from dualpower.web.forms import Post, Posting, form_page, refusal
from dualpower.web.markup import to_html

pages = APIRouter(include_in_schema=False)


def _optional_int(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidRequest(f"{value!r} is not a number")
    return int(value)


# -- a discussion --------------------------------------------------------------------------------


def _discussion(page: Visit, kind: str, subject_id: int, **extra: Any) -> Response:
    if kind not in discussion_views.SUBJECT_PAGES:
        raise NotFound(f"there are no discussions on {kind!r}")
    system, viewer = page.system, page.viewer
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
    return form_page(page.request, "discussion/page.html", context)


@pages.get("/discussions/{kind}/{subject_id}")
def discussion_page(kind: str, subject_id: int, page: Visiting) -> Response:
    return _discussion(page, kind, subject_id)


@pages.post("/discussions/{kind}/{subject_id}")
def discussion_post(
    kind: str,
    subject_id: int,
    form: Posting,
    text: Annotated[str, Form()] = "",
    parent_id: Annotated[str, Form()] = "",
    faction_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        parent, faction = _optional_int(parent_id), _optional_int(faction_id)
        cmd = discussion.PostComment(form.member_id, kind, subject_id, text, parent, faction)
        comment_id = discussion.post_comment(form.system.uow(), cmd)
    except DomainError as error:
        return _discussion(form, kind, subject_id, **refusal(error), text=text)
    return RedirectResponse(f"/discussions/{kind}/{subject_id}#comment-{comment_id}", 303)


# -- one comment ---------------------------------------------------------------------------------


def _comment(page: Visit, comment_id: int, **extra: Any) -> Response:
    view = discussion_views.comment(page.system.reader(), comment_id)
    view["html"] = to_html(view["text"])
    for revision in view["revisions"]:
        revision["html"] = to_html(revision["text"])
    context = {"comment": view, "error": None, "viewer": page.viewer} | extra
    return form_page(page.request, "discussion/comment.html", context)


@pages.get("/comments/{comment_id}")
def comment_page(comment_id: int, page: Visiting) -> Response:
    return _comment(page, comment_id)


@pages.post("/comments/{comment_id}/edit")
def comment_edit(comment_id: int, form: Posting, text: Annotated[str, Form()] = "") -> Response:
    try:
        discussion.edit_comment(form.system.uow(), comment_id, form.member_id, text)
    except DomainError as error:
        return _comment(form, comment_id, **refusal(error))
    return RedirectResponse(f"/comments/{comment_id}", 303)


@pages.post("/comments/{comment_id}/report")
def comment_report(comment_id: int, form: Posting, reason: Annotated[str, Form()] = "") -> Response:
    try:
        cmd = FileReport(form.member_id, reason, comment_id=comment_id)
        opened = panels.file_report(form.system.uow(), cmd)
    except DomainError as error:
        return _comment(form, comment_id, **refusal(error))
    return RedirectResponse(f"/reports/{opened.id}", 303)


# -- a report ------------------------------------------------------------------------------------


def _report(page: Visit, report_id: int, **extra: Any) -> Response:
    view = discussion_views.report(page.system.reader(), report_id, page.viewer)
    context = {
        "report": view,
        "decisions": DECISIONS,
        "recipe": lot.HOW_TO_REPEAT,
        "error": None,
    } | extra
    return form_page(page.request, "discussion/report.html", context)


@pages.get("/reports/{report_id}")
def report_page(report_id: int, page: Visiting) -> Response:
    return _report(page, report_id)


@pages.post("/reports/{report_id}/decision")
def report_vote(report_id: int, form: Posting, decision: Annotated[str, Form()] = "") -> Response:
    try:
        panels.vote(form.system.uow(), report_id, form.member_id, decision)
    except DomainError as error:
        return _report(form, report_id, **refusal(error))
    return RedirectResponse(f"/reports/{report_id}", 303)


# -- platforms -----------------------------------------------------------------------------------


@pages.get("/factions")
def factions_page(
    page: Visiting,
    a: Annotated[int | None, Query()] = None,
    b: Annotated[int | None, Query()] = None,
) -> Response:
    """Every faction's current platform side by side; `?a=&b=` compares two."""
    return _factions(page, a, b)


def _factions(page: Visit, a: int | None, b: int | None, **extra: Any) -> Response:
    everyone = discussion_views.current_platforms(page.system.reader())
    chosen = [f for f in everyone if f["id"] in (a, b)] if a or b else everyone
    for faction in chosen:
        if faction["platform"]:
            faction["platform"]["html"] = to_html(faction["platform"]["text"])
    context = {"factions": everyone, "shown": chosen, "a": a, "b": b, "error": None} | extra
    return form_page(page.request, "discussion/factions.html", context)


@pages.post("/factions")
def faction_register(
    form: Posting,
    name: Annotated[str, Form()] = "",
    short: Annotated[str, Form()] = "",
    colour: Annotated[str, Form()] = "",
) -> Response:
    """A member registers a faction and is its first member (DESIGN.md 2.10)."""
    try:
        faction_id = factions.register_faction(
            form.system.uow(), form.member_id, name, short, colour
        )
    except DomainError as error:
        return _factions(form, None, None, error=error.message, status=status_of(error))
    return RedirectResponse(f"/factions/{faction_id}", 303)


def _faction(page: Visit, faction_id: int, **extra: Any) -> Response:
    system = page.system
    versions = discussion_views.platforms(system.reader(), faction_id)
    for version in versions:
        version["html"] = to_html(version["text"])
    standing = factions.standing(system.reader(), page.viewer, faction_id)
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
    return form_page(page.request, "discussion/faction.html", context)


@pages.get("/factions/{faction_id}")
def faction_page(faction_id: int, page: Visiting) -> Response:
    return _faction(page, faction_id)


@pages.post("/factions/{faction_id}/platforms")
def faction_publish(
    faction_id: int,
    form: Posting,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        discussion.publish_platform(form.system.uow(), faction_id, form.member_id, title, text)
    except DomainError as error:
        return _faction(form, faction_id, **refusal(error))
    return RedirectResponse(f"/factions/{faction_id}", 303)


@pages.post("/factions/{faction_id}/join")
def faction_join(faction_id: int, form: Posting) -> Response:
    return _member_act(form, faction_id, factions.join_faction)


@pages.post("/factions/{faction_id}/leave")
def faction_leave(faction_id: int, form: Posting) -> Response:
    return _member_act(form, faction_id, factions.leave_faction)


def _member_act(form: Post, faction_id: int, act: Any) -> Response:
    try:
        act(form.system.uow(), form.member_id, faction_id)
    except DomainError as error:
        return _faction(form, faction_id, **refusal(error))
    return RedirectResponse(f"/factions/{faction_id}", 303)
