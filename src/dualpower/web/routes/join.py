"""Getting in (DESIGN.md 2.10): a member sets their own password with an invitation or reset
code, asks for a reset code by mail, and logs out a bearer token.

The /join and /reset forms are posted before any session exists, so their CSRF token is a
double-submit cookie, as the login form's. Wrong codes get one answer, whatever was wrong.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from dualpower.domain.errors import BadCredentials, InvalidRequest
from dualpower.domain.limits import RateLimited
from dualpower.services import accounts, invitations
from dualpower.web.deps import (
    SESSION_COOKIE,
    ApiToken,
    Session,
    SystemDep,
    check_csrf,
    render,
)
from dualpower.web.forms import Csrf, keep_pre_login_token, pre_login_token, start_session
from dualpower.web.openapi_answers import BAD_PASSWORD, CODES_LIMITED, UNKNOWN_CODE, refusals
from dualpower.web.routes import routers
from dualpower.web.schemas import TokenPublic
from dualpower.web.schemas_members import JoinCreate, ResetCreate
from dualpower.web.texts_members import language, texts


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


api, pages = routers("auth")
CODE_CSRF_COOKIE = "dp_code_csrf"
RESET_SENT = "if that member has an e-mail address, a code was sent to it"


@api.post(
    "/auth/join",
    response_model=TokenPublic,
    status_code=201,
    responses=refusals(UNKNOWN_CODE, BAD_PASSWORD, CODES_LIMITED),
)
def api_join(body: JoinCreate, request: Request, system: SystemDep) -> TokenPublic:
    """Set one's own password with an invitation or reset code (it works once); every other
    session and token of the member ends. Answers a bearer token."""
    done = invitations.redeem(
        system.uow(), body.code, body.password, kind="api", address=client_address(request)
    )
    return TokenPublic(token=done.issued.token)


@api.post("/auth/reset", status_code=202)
def api_reset(body: ResetCreate, system: SystemDep) -> dict[str, str]:
    """Ask for a reset code by mail (username or e-mail address). The answer is the same
    whether or not such a member or address exists."""
    invitations.request_reset(system.uow(), body.who)
    return {"detail": RESET_SENT}


@api.post("/auth/logout", status_code=204)
def api_logout(token: ApiToken, system: SystemDep) -> Response:
    """End the bearer token sent."""
    accounts.logout(system.uow(), token)
    return Response(status_code=204)


def _page(
    request: Request, name: str, context: dict[str, object], status_code: int = 200
) -> Response:
    token = pre_login_token(request, CODE_CSRF_COOKIE)
    base = {"code_csrf": token, "t": texts(language(request))}
    response = render(request, name, base | context, status_code=status_code)
    return keep_pre_login_token(request, response, CODE_CSRF_COOKIE, token, path="/")


@pages.get("/join")
def join_form(request: Request, session: Session, code: str = "") -> Response:
    return _page(request, "join/page.html", {"code": code[:40], "error": None})


@pages.post("/join")
def join_submit(
    request: Request,
    system: SystemDep,
    code: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request.cookies.get(CODE_CSRF_COOKIE), csrf_token)
    t = texts(language(request))
    if password != confirm:
        return _page(request, "join/page.html", {"code": code, "error": t["mismatch"]}, 422)
    old = request.cookies.get(SESSION_COOKIE) or None
    try:
        done = invitations.redeem(
            system.uow(),
            code,
            password,
            kind="session",
            address=client_address(request),
            replacing=old,
        )
    except (BadCredentials, InvalidRequest) as error:
        status = 401 if isinstance(error, BadCredentials) else 422
        message = t.get(error.message, error.message)
        return _page(request, "join/page.html", {"code": code, "error": message}, status)
    except RateLimited as error:
        response = _page(request, "join/page.html", {"code": "", "error": error.message}, 429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    response = RedirectResponse("/me", status_code=303)
    return start_session(request, response, done.issued.token, cookie=CODE_CSRF_COOKIE, path="/")


@pages.get("/reset")
def reset_form(request: Request, session: Session) -> Response:
    return _page(request, "join/reset.html", {"sent": False})


@pages.post("/reset")
def reset_submit(
    request: Request,
    system: SystemDep,
    who: Annotated[str, Form(max_length=254)] = "",
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request.cookies.get(CODE_CSRF_COOKIE), csrf_token)
    invitations.request_reset(system.uow(), who)
    return _page(request, "join/reset.html", {"sent": True})
