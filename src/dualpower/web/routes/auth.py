"""Logging in and out: API bearer tokens, and page sessions in an HttpOnly cookie.

The login form is posted before any session exists, so its CSRF token is a double-submit
cookie: the form carries the same random value as a cookie only this site can set. The logout
form carries the session's own CSRF token. A page login replaces the browser's old session (a new
token, the old one deleted); after too many failed logins for a username from one address the
answer is 429 with Retry-After (services/limits.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from dualpower.domain.errors import BadCredentials
from dualpower.domain.limits import RateLimited
from dualpower.services import accounts
from dualpower.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Session,
    SystemDep,
    check_csrf,
    render,
)
from dualpower.web.forms import (
    Csrf,
    Posted,
    keep_pre_login_token,
    pre_login_token,
    start_session,
)
from dualpower.web.openapi_answers import LOGINS_LIMITED, WRONG_PASSWORD, refusals
from dualpower.web.routes import routers
from dualpower.web.routes.join import client_address
from dualpower.web.schemas import TokenCreate, TokenPublic
from dualpower.web.texts_members import language, texts

api, pages = routers("auth")


@api.post(
    "/auth/login",
    response_model=TokenPublic,
    responses=refusals(WRONG_PASSWORD, LOGINS_LIMITED),
)
def api_login(body: TokenCreate, request: Request, system: SystemDep) -> TokenPublic:
    """Exchange a username and password for a bearer token (valid 30 days)."""
    issued = accounts.login(
        system.uow(), body.username, body.password, kind="api", address=client_address(request)
    )
    return TokenPublic(token=issued.token)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: no scheme, no host, no "//evil.example".
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/me"


def _login_page(
    request: Request, next_: str, error: str | None = None, status_code: int = 200
) -> Response:
    token = pre_login_token(request, LOGIN_CSRF_COOKIE)
    context = {
        "login_csrf": token,
        "next": _safe_next(next_),
        "error": error,
        "t": texts(language(request)),
    }
    response = render(request, "auth/page.html", context, status_code=status_code)
    return keep_pre_login_token(request, response, LOGIN_CSRF_COOKIE, token, path="/login")


@pages.get("/login")
def login_form(request: Request, session: Session, next: str | None = None) -> Response:
    if session is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next or "/me")


@pages.post("/login")
def login_submit(
    request: Request,
    system: SystemDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Csrf = "",
    next: Annotated[str, Form()] = "/me",
) -> Response:
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token)
    old = request.cookies.get(SESSION_COOKIE) or None
    try:
        issued = accounts.login(
            system.uow(),
            username,
            password,
            kind="session",
            replacing=old,
            address=client_address(request),
        )
    except BadCredentials as error:
        return _login_page(request, next, error.message, status_code=401)
    except RateLimited as error:
        response = _login_page(request, next, error.message, status_code=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    return start_session(request, response, issued.token, cookie=LOGIN_CSRF_COOKIE, path="/login")


@pages.post("/logout")
def logout(request: Request, system: SystemDep, session: Posted) -> Response:
    accounts.logout(system.uow(), session.token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
