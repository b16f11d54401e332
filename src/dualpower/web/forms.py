"""Page forms (issue 27): a form POST comes from a logged-in member's page and carries that
session's CSRF token, checked once here; the route then calls its one service and redirects, or
shows the form's page again with the refusal."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Form, Request, Response

from dualpower.domain.errors import DomainError, NotFound
from dualpower.services import limits
from dualpower.services.accounts import Issued
from dualpower.web.deps import (
    CSRF_FIELD,
    SESSION_COOKIE,
    LoggedIn,
    MemberVisit,
    SystemDep,
    check_csrf,
    render,
)
from dualpower.web.errors import status_of

Csrf = Annotated[str, Form(alias=CSRF_FIELD)]


def posting_session(session: LoggedIn, csrf_token: Csrf = "") -> Issued:
    """The session of a page form: login first (a redirect to /login), then 403 unless the
    form's token is the session's."""
    check_csrf(session.csrf_token, csrf_token)
    return session


Posted = Annotated[Issued, Depends(posting_session)]


class Post(MemberVisit):
    """A page form's post: a logged-in member's, with the session's CSRF token
    (`posting_session`)."""


def post(request: Request, system: SystemDep, session: Posted) -> Post:
    return Post(request, system, session)


Posting = Annotated[Post, Depends(post)]


def refusal(error: DomainError) -> dict[str, Any]:
    """What a form's page shows again when its act is refused: the sentence and the status
    web/errors.py gives the error. A missing subject is no form's to show: NotFound goes on to
    the 404 page."""
    if isinstance(error, NotFound):
        raise error
    return {"error": error.message, "status": status_of(error)}


# -- forms shown before login (log in, join, reset) ----------------------------------------------


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def pre_login_token(request: Request, cookie: str) -> str:
    """A form shown before login has no session to hold its CSRF token: a cookie holds it and
    the form sends it back (double submit). The token the cookie holds, or a new one."""
    return request.cookies.get(cookie) or secrets.token_urlsafe(32)


def keep_pre_login_token(
    request: Request, response: Response, cookie: str, token: str, *, path: str
) -> Response:
    """The cookie of `pre_login_token`: an hour, strict, out of scripts' reach."""
    response.set_cookie(
        cookie,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path=path,
    )
    return response


def start_session(
    request: Request, response: Response, token: str, *, cookie: str, path: str
) -> Response:
    """After a login (or a join): the page session's cookie, in place of the pre-login form's."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(limits.session_lifetime().total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )
    response.delete_cookie(cookie, path=path)
    return response


def form_page(request: Request, name: str, context: dict[str, Any]) -> Response:
    """A page with a form, shown again after a refusal: the context's `status` (from `refusal`;
    200 without one) is the answer's, not the template's."""
    status = context.pop("status", 200)
    return render(request, name, context, status_code=status)
