"""Discussion and order kept by the members: comments, reports and their panels, platforms.

API (DESIGN.md 4.1): `POST /comments`, `GET /comments?kind=&id=`, `POST /reports`,
`GET /reports/{id}`, `POST /reports/{id}/decision`; extended with `GET|PATCH /comments/{id}`,
`GET|POST /factions/{id}/platforms` and a live stream of a discussion's comment count.
Rate limits answer 429 with a Retry-After header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Query, Request
from fastapi.responses import Response

from dualpower.domain.limits import RateLimited
from dualpower.services import discussion, discussion_views, panels
from dualpower.services.panels import FileReport
from dualpower.web.deps import ApiMember, SystemDep
from dualpower.web.live import broadcaster, event_stream
from dualpower.web.openapi_answers import (
    CLASHES,
    EVENT_STREAM,
    LOGIN,
    NO_DISCUSSION,
    NO_FACTION,
    NOT_A_DISCUSSANT,
    POSTS_LIMITED,
    Answers,
    refusals,
)
from dualpower.web.routes import api_router
from dualpower.web.schemas_discussion import (
    CommentCreate,
    CommentDetailPublic,
    CommentEdit,
    CommentPublic,
    CreatedPublic,
    DecisionCreate,
    PlatformCreate,
    PlatformPublic,
    ReportCreate,
    ReportOpenedPublic,
    ReportPublic,
    VersionPublic,
)

api = api_router("discussion")
T = TypeVar("T")
REFUSED: Answers = refusals(LOGIN, NOT_A_DISCUSSANT, NO_DISCUSSION, CLASHES, POSTS_LIMITED)


def limited(call: Callable[[], T]) -> T:
    """Run a service call; a rate limit becomes 429 with Retry-After."""
    try:
        return call()
    except RateLimited as error:
        raise HTTPException(429, error.message, {"Retry-After": str(error.retry_after)}) from None


@api.post("/comments", response_model=CreatedPublic, status_code=201, responses=REFUSED)
def api_post_comment(body: CommentCreate, member: ApiMember, system: SystemDep) -> CreatedPublic:
    """Post a comment (Markdown subset; raw HTML is shown as text)."""
    cmd = discussion.PostComment(
        member.id, body.subject.kind, body.subject.id, body.text, body.parent_id, body.faction_id
    )
    return CreatedPublic(id=limited(lambda: discussion.post_comment(system.uow(), cmd)))


@api.get("/comments", response_model=list[CommentPublic], responses=REFUSED)
def api_thread(
    system: SystemDep,
    kind: Annotated[str, Query(description="motion, initiative, directive or recall")],
    id: Annotated[int, Query()],  # noqa: A002 - the contract names it `id`
) -> list[dict[str, Any]]:
    """The thread: comments in order, each reply after its parent, with `depth`."""
    return discussion_views.thread(system.reader(), kind, id)


@api.get("/comments/{comment_id}", response_model=CommentDetailPublic, responses=REFUSED)
def api_comment(comment_id: int, system: SystemDep) -> dict[str, Any]:
    return discussion_views.comment(system.reader(), comment_id)


@api.patch("/comments/{comment_id}", response_model=CommentDetailPublic, responses=REFUSED)
def api_edit_comment(
    comment_id: int, body: CommentEdit, member: ApiMember, system: SystemDep
) -> dict[str, Any]:
    """The author edits; earlier texts stay in `revisions`."""
    discussion.edit_comment(system.uow(), comment_id, member.id, body.text)
    return discussion_views.comment(system.reader(), comment_id)


@api.get(
    "/discussions/{kind}/{subject_id}/events",
    response_class=Response,
    responses=EVENT_STREAM,
)
def api_events(kind: str, subject_id: int, request: Request, system: SystemDep) -> Response:
    """Server-sent events: `comments` with the count and the newest id, at each new comment
    (the Broadcaster wakes it at CommentPosted: domain/live.py)."""

    def read() -> dict[str, Any]:
        thread = discussion_views.thread(system.reader(), kind, subject_id)
        return {"count": len(thread), "latest": max((c["id"] for c in thread), default=None)}

    read()  # 404 before the stream starts
    stream = broadcaster(request).frames(
        (f"comments:{kind}", subject_id), "comments", read, lambda _: False
    )
    return event_stream(stream)


@api.post("/reports", response_model=ReportOpenedPublic, status_code=201, responses=REFUSED)
def api_report(body: ReportCreate, member: ApiMember, system: SystemDep) -> ReportOpenedPublic:
    """Report a text, a roll entry or conduct in a session. Its panel is drawn by lot once the
    public log holds the entry whose hash seeds it (DESIGN.md 2.11): until then the answer has
    `panel: []`, `seed: null`, `draw_status: "waiting"` and that entry's place, `seed_entry`;
    GET /reports/{id} shows the panel once drawn."""
    cmd = FileReport(member.id, body.reason, body.comment_id, body.member_id, body.session_id)
    opened = limited(lambda: panels.file_report(system.uow(), cmd))
    return ReportOpenedPublic(
        id=opened.id,
        panel=opened.panel,
        seed=opened.seed,
        draw_status="drawn" if opened.draw_status == "drawn" else "waiting",
        seed_entry=opened.seed_entry,
    )


@api.get("/reports/{report_id}", response_model=ReportPublic, responses=REFUSED)
def api_get_report(report_id: int, system: SystemDep) -> dict[str, Any]:
    """The report, every draw of its panel (seed, inputs, panel) and the decision."""
    return discussion_views.report(system.reader(), report_id)


@api.post("/reports/{report_id}/decision", response_model=ReportPublic, responses=REFUSED)
def api_decide(
    report_id: int, body: DecisionCreate, member: ApiMember, system: SystemDep
) -> dict[str, Any]:
    """A panel member's vote; the report is decided when a majority of the panel agrees."""
    panels.vote(system.uow(), report_id, member.id, body.decision)
    return discussion_views.report(system.reader(), report_id)


@api.get(
    "/factions/{faction_id}/platforms",
    response_model=list[PlatformPublic],
    responses=refusals(NO_FACTION),
)
def api_platforms(faction_id: int, system: SystemDep) -> list[dict[str, Any]]:
    """Every version of the faction's platform, newest first."""
    return discussion_views.platforms(system.reader(), faction_id)


@api.post(
    "/factions/{faction_id}/platforms",
    response_model=VersionPublic,
    status_code=201,
    responses=REFUSED,
)
def api_publish(
    faction_id: int, body: PlatformCreate, member: ApiMember, system: SystemDep
) -> VersionPublic:
    """A deputy of the faction publishes a new version of its platform."""
    version = discussion.publish_platform(
        system.uow(), faction_id, member.id, body.title, body.text
    )
    return VersionPublic(version=version)
