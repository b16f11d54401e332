"""A member's own credentials (DESIGN.md 2.10): their sessions and API tokens, listed and ended,
and their password changed (every other session and token then ends)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from fastapi.responses import RedirectResponse, Response

from dualpower.domain.errors import BadCredentials, InvalidRequest
from dualpower.services import credentials
from dualpower.web.deps import ApiMember, ApiToken, MemberVisit, MemberVisiting, SystemDep
from dualpower.web.forms import Posting
from dualpower.web.openapi_answers import LOGIN, NO_CREDENTIAL, WRONG_CURRENT_PASSWORD, refusals
from dualpower.web.routes import routers
from dualpower.web.schemas_members import CredentialPublic, Ended, PasswordChange
from dualpower.web.texts_members import language, texts

api, pages = routers("members")
NOT_LOGGED_IN = refusals(LOGIN)


@api.get("/me/credentials", response_model=list[CredentialPublic], responses=NOT_LOGGED_IN)
def api_credentials(
    member: ApiMember, token: ApiToken, system: SystemDep
) -> list[credentials.Credential]:
    """The caller's page sessions and API tokens in force (never the tokens themselves)."""
    return credentials.list_credentials(system.uow(), member.id, current=token)


@api.delete(
    "/me/credentials/{credential_id}",
    status_code=204,
    responses=refusals(LOGIN, NO_CREDENTIAL),
)
def api_end_credential(credential_id: int, member: ApiMember, system: SystemDep) -> Response:
    """End one of the caller's sessions or tokens."""
    credentials.end_credential(system.uow(), member.id, credential_id)
    return Response(status_code=204)


@api.post(
    "/auth/password",
    response_model=Ended,
    responses=refusals(LOGIN, WRONG_CURRENT_PASSWORD),
)
def api_change_password(
    body: PasswordChange, member: ApiMember, token: ApiToken, system: SystemDep
) -> Ended:
    """Change one's password (giving the current one); every other session and token ends,
    the token sent stays."""
    try:
        ended = credentials.change_password(
            system.uow(), member.id, body.current, body.new, token=token
        )
    except BadCredentials as error:
        raise InvalidRequest(error.message) from None
    return Ended(ended=ended)


def _page(
    page: MemberVisit,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    t = texts(language(page.request))
    uow, session = page.system.uow(), page.session
    rows = credentials.list_credentials(uow, session.member.id, current=session.token)
    context = {"t": t, "credentials": rows, "message": message, "error": error}
    return page.render("credentials/page.html", context, status_code)


@pages.get("/me/credentials")
def credentials_page(page: MemberVisiting) -> Response:
    return _page(page)


@pages.post("/me/credentials/{credential_id}/end")
def end_one(credential_id: int, form: Posting) -> Response:
    credentials.end_credential(form.system.uow(), form.member_id, credential_id)
    return RedirectResponse("/me/credentials", status_code=303)


@pages.post("/me/credentials/end-others")
def end_others(form: Posting) -> Response:
    credentials.end_others(form.system.uow(), form.member_id, current=form.session.token)
    return RedirectResponse("/me/credentials", status_code=303)


@pages.post("/me/password")
def change_password(
    form: Posting,
    current: Annotated[str, Form(max_length=1000)] = "",
    new: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    t = texts(language(form.request))
    if new != confirm:
        return _page(form, error=t["mismatch"], status_code=422)
    try:
        ended = credentials.change_password(
            form.system.uow(), form.member_id, current, new, token=form.session.token
        )
    except (BadCredentials, InvalidRequest) as error:
        message = t.get(error.message, error.message)
        return _page(form, error=message, status_code=422)
    return _page(form, message=t["changed"] % {"n": ended})
