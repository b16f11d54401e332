"""The dual power register: authorities, directives, councils' stances, and for the caller
whether a directive binds them (the Order No. 1 rule)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Form
from fastapi.responses import RedirectResponse, Response

from dualpower.domain.errors import DomainError, InvalidRequest
from dualpower.services import register as reg
from dualpower.services import stance_motions
from dualpower.web.deps import ApiMember, SystemDep, Visit, Visiting
from dualpower.web.forms import Post, Posting, form_page, refusal
from dualpower.web.openapi_answers import (
    AUTHORITY_EXISTS,
    INVALID_REQUEST,
    LOGIN,
    NO_COUNCIL_OR_AUTHORITY,
    NO_DIRECTIVE,
    NOT_A_RECORDER,
    STANCE_RACED,
    Answers,
    refusals,
)
from dualpower.web.pagination import Paged
from dualpower.web.routes import routers
from dualpower.web.schemas_register import (
    AuthorityCreate,
    AuthorityPublic,
    BindingPublic,
    Created,
    DirectiveCreate,
    DirectiveDetailPublic,
    DirectivePublic,
    StanceCreate,
)

api, pages = routers("register")
NOT_FOUND = refusals(NO_DIRECTIVE)
REFUSED: Answers = refusals(LOGIN, NOT_A_RECORDER, NO_COUNCIL_OR_AUTHORITY, INVALID_REQUEST)


@api.get("/directives", response_model=list[DirectivePublic])
def api_directives(system: SystemDep, page: Paged) -> list[dict[str, Any]]:
    """Every directive of every authority, oldest first; `issued_on` as the source gives it."""
    return page.of(reg.directives(system.reader()))


@api.get("/directives/{directive_id}", response_model=DirectiveDetailPublic, responses=NOT_FOUND)
def api_directive(directive_id: int, system: SystemDep) -> dict[str, Any]:
    """A directive with each council's current stance and every stance's history."""
    return reg.directive(system.reader(), directive_id)


@api.get(
    "/directives/{directive_id}/binding",
    response_model=BindingPublic,
    responses=refusals(LOGIN, NO_DIRECTIVE),
)
def api_binding(directive_id: int, member: ApiMember, system: SystemDep) -> dict[str, Any]:
    """Does the directive bind the caller? Not when a council on the path from their unit's
    council up to the chief council countermanded it: `because` names each (nearest first)."""
    return reg.binding_for(system.reader(), directive_id, member.id)


@api.get("/authorities", response_model=list[AuthorityPublic])
def api_authorities(system: SystemDep) -> list[dict[str, Any]]:
    return reg.authorities(system.reader())


@api.post(
    "/authorities",
    response_model=Created,
    status_code=201,
    responses=REFUSED | refusals(LOGIN, AUTHORITY_EXISTS),
)
def api_record_authority(body: AuthorityCreate, member: ApiMember, system: SystemDep) -> Created:
    """Record an authority (the caller needs record_directive in `council_id`)."""
    cmd = reg.RecordAuthority(**body.model_dump())
    return Created(id=reg.record_authority(system.uow(), cmd, reg.Actor(member.id)))


@api.post("/directives", response_model=Created, status_code=201, responses=REFUSED)
def api_record_directive(body: DirectiveCreate, member: ApiMember, system: SystemDep) -> Created:
    """Record a directive (the caller needs record_directive in `council_id`)."""
    cmd = reg.RecordDirective(**body.model_dump())
    return Created(id=reg.record_directive(system.uow(), cmd, reg.Actor(member.id)))


@api.post(
    "/directives/{directive_id}/stances",
    response_model=Created,
    status_code=201,
    responses=REFUSED | NOT_FOUND | refusals(LOGIN, STANCE_RACED),
)
def api_take_stance(
    directive_id: int, body: StanceCreate, member: ApiMember, system: SystemDep
) -> Created:
    """A council's new stance; it supersedes the council's previous one (kept in history)."""
    cmd = reg.TakeStance(directive_id, **body.model_dump())
    return Created(id=reg.take_stance(system.uow(), cmd, reg.Actor(member.id)))


@pages.get("/directives")
def directives_page(page: Visiting) -> Response:
    return page.render("register/list.html", {"directives": reg.directives(page.system.reader())})


def _page(page: Visit, directive_id: int, **extra: Any) -> Response:
    system, viewer = page.system, page.viewer
    view = reg.directive(system.reader(), directive_id)
    binding = recording = proposing = None
    if viewer is not None:
        binding = reg.binding_for(system.reader(), directive_id, viewer)
        recording = reg.recording_councils(system.reader(), viewer)
        proposing = stance_motions.proposing_councils(system.reader(), viewer)
    context = {
        "directive": view,
        "binding": binding,
        "recording": recording,
        "proposing": proposing,
        "error": None,
        "kinds": KIND_LABELS,
    } | extra
    return form_page(page.request, "register/page.html", context)


KIND_LABELS = {
    "endorse": "endorse",
    "support_conditionally": "support in so far as",
    "countermand": "countermand",
}


@pages.get("/directives/{directive_id}")
def directive_page(directive_id: int, page: Visiting) -> Response:
    return _page(page, directive_id)


def _stance_fields(
    council_id: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    conditions: Annotated[str, Form()] = "",
    counter_order: Annotated[str, Form()] = "",
) -> tuple[str, str, str, str]:
    """The fields both stance forms send."""
    return council_id, kind, conditions, counter_order


StanceFields = Annotated[tuple[str, str, str, str], Depends(_stance_fields)]


@pages.post("/directives/{directive_id}/stances")
def stance_form(directive_id: int, form: Posting, fields: StanceFields) -> Response:
    """An office the council gave `record_stance` takes its stance on this directive."""

    def take(cmd: reg.TakeStance) -> str:
        reg.take_stance(form.system.uow(), cmd, reg.Actor(form.member_id))
        return f"/directives/{directive_id}#stances"

    return _stance(form, directive_id, fields, take)


@pages.post("/directives/{directive_id}/stance-motions")
def stance_motion_form(directive_id: int, form: Posting, fields: StanceFields) -> Response:
    """A deputy puts a stance on this directive to their council's vote (a motion)."""

    def propose(cmd: reg.TakeStance) -> str:
        return f"/motions/{stance_motions.propose_stance(form.system.uow(), form.member_id, cmd)}"

    return _stance(form, directive_id, fields, propose)


def _stance(
    form: Post,
    directive_id: int,
    fields: tuple[str, str, str, str],
    act: Callable[[reg.TakeStance], str],
) -> Response:
    """Both stance forms: the stance the form names, the act, then where to go (or the page
    again with the refusal)."""
    council_id, kind, conditions, counter_order = fields
    try:
        if not council_id.isdigit():
            raise InvalidRequest("choose the council whose stance this is")
        to = act(reg.TakeStance(directive_id, int(council_id), kind, conditions, counter_order))
    except DomainError as error:
        return _page(form, directive_id, **refusal(error))
    return RedirectResponse(to, status_code=303)
