"""What routes depend on: the system, the caller (bearer token or page session), CSRF checks,
and page rendering with the context every page needs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from dualpower.bootstrap import System
from dualpower.domain import vote_methods
from dualpower.domain.model import Member
from dualpower.services import accounts, limits, views
from dualpower.services.accounts import Issued
from dualpower.web import i18n

SESSION_COOKIE = "dp_session"
LOGIN_CSRF_COOKIE = "dp_login_csrf"
CSRF_FIELD = "csrf_token"

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # every value is HTML-escaped unless a template says otherwise
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
# `{{ _("...") }}` and `{% trans %}` mark text for translation; web/i18n.py picks the request's
# language (English or Russian) and formats dates and numbers for it.
i18n.install(_env)
# The vote methods' registry (domain/vote_methods.py): a page's ballot and a form's choice of
# method follow it; `vote_method(name)` is None for a name it does not know.
_env.globals.update({"vote_method": vote_methods.find, "office_methods": vote_methods.for_offices})
templates = Jinja2Templates(env=_env)
_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/login.")


class LoginRequired(Exception):
    """A page needs a logged-in member; the handler redirects to /login."""


def get_system(request: Request) -> System:
    system: System = request.app.state.system
    return system


SystemDep = Annotated[System, Depends(get_system)]


READS = frozenset({"GET", "HEAD", "OPTIONS"})


def unauthenticated(detail: str = "the token is unknown or has expired") -> HTTPException:
    return HTTPException(401, detail, {"WWW-Authenticate": "Bearer"})


async def api_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer token as sent, unchecked (401 without one): for a route whose service checks
    the token itself in its own transaction (the ballot route: services/ballot_batch.py). Async:
    it does no I/O, so it runs on the event loop, not on a worker thread."""
    if credentials is None:
        raise unauthenticated("log in first: send Authorization: Bearer TOKEN")
    return credentials.credentials


ApiToken = Annotated[str, Depends(api_token)]


def api_member(request: Request, system: SystemDep, token: ApiToken) -> Member:
    """The member a bearer token belongs to; 401 without a valid token. A write (any method but
    GET, HEAD, OPTIONS) counts against the member's API write limit: 429 past it."""
    issued = accounts.authenticate(system.reader(fresh=True), token, kind="api")
    if issued is None:
        raise unauthenticated()
    if request.method not in READS:
        limits.api_write(system.uow(), issued.member.id)
    return issued.member


ApiMember = Annotated[Member, Depends(api_member)]


def page_session(request: Request, system: SystemDep) -> Issued | None:
    """The page session from its cookie, or None (also when it has been idle or open too long;
    its last use is noted at most once a minute)."""
    if not hasattr(request.state, "session"):
        token = request.cookies.get(SESSION_COOKIE, "")
        found = accounts.authenticate(system.reader(fresh=True), token, kind="session")
        if found is not None:
            accounts.keep_alive(system.uow(), found)
        request.state.session = found
    session: Issued | None = request.state.session
    return session


Session = Annotated[Issued | None, Depends(page_session)]


def require_session(session: Session) -> Issued:
    if session is None:
        raise LoginRequired()
    return session


LoggedIn = Annotated[Issued, Depends(require_session)]


def check_csrf(expected: str | None, given: str | None) -> None:
    """403 unless the form's token matches the expected one (compared in constant time)."""
    if not expected or not given or not secrets.compare_digest(expected, given):
        raise HTTPException(403, "the form has expired or did not come from this site; reload it")


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='/')}"


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page in the request's language with the federation, the logged-in member and
    their CSRF token."""
    system: System = request.app.state.system
    session: Issued | None = getattr(request.state, "session", None)
    language = i18n.language_of(
        request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )
    base = {
        "federation": views.federation(system.reader()),
        "me": session.member if session else None,
        "csrf_token": session.csrf_token if session else None,
        "lang": language,
    }
    with i18n.using(language):  # the template renders here, in this thread
        return templates.TemplateResponse(request, name, base | context, status_code=status_code)


@dataclass(frozen=True)
class Visit:
    """What a page's handler works with: the request, the system and the page session (None
    when nobody is logged in)."""

    request: Request
    system: System
    session: Issued | None

    @property
    def viewer(self) -> int | None:
        """The logged-in member's id, or None."""
        return self.session.member.id if self.session else None

    def render(self, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        return render(self.request, name, context, status_code)


def visit(request: Request, system: SystemDep, session: Session) -> Visit:
    return Visit(request, system, session)


Visiting = Annotated[Visit, Depends(visit)]


@dataclass(frozen=True)
class MemberVisit(Visit):
    """A visit to a page for logged-in members only."""

    session: Issued

    @property
    def member_id(self) -> int:
        return self.session.member.id


def member_visit(request: Request, system: SystemDep, session: LoggedIn) -> MemberVisit:
    """The visit of a logged-in member (anyone else is sent to /login first)."""
    return MemberVisit(request, system, session)


MemberVisiting = Annotated[MemberVisit, Depends(member_visit)]
