"""Errors mapped once (STYLE.md convention 4): domain errors to 4xx, validation errors to 422
(400 for a body that is not JSON at all) with one readable sentence, anything unexpected to 500
"internal error" without a traceback.

The API answers `{"detail": "..."}` (a 5xx also `"request_id"`, the id on the request's log
lines and in its `X-Request-ID` header); pages answer an HTML error page with the same sentence
and the id. A database that cannot work (a full disk, a read-only database or server, one out
of reach) answers 503 with a sentence, the reason in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from dualpower.domain import errors as e
from dualpower.domain.limits import RateLimited
from dualpower.web.deps import LoginRequired, login_url, render
from dualpower.web.i18n import N_
from dualpower.web.observability import REQUEST_ID

log = logging.getLogger("dualpower.web")

# Most specific first: AlreadyVoted is a Conflict, every one is a DomainError.
STATUS: tuple[tuple[type[e.DomainError], int], ...] = (
    (e.NotFound, 404),
    (e.InvalidRequest, 422),
    (e.NotAllowed, 403),
    (e.Conflict, 409),
    (e.BadCredentials, 401),
    (RateLimited, 429),
    (e.DomainError, 400),
)
TITLES = {
    400: "Refused",
    401: "Not logged in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable",
}
RETRY_UNAVAILABLE = "30"  # seconds: Retry-After of a 503


def status_of(error: e.DomainError) -> int:
    return next(code for cls, code in STATUS if isinstance(error, cls))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _answer(
    request: Request,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    *,
    title: str | None = None,
) -> Response:
    rid = request.scope.get(REQUEST_ID)
    if rid:  # answers that leave by the outermost handler (500) pass no middleware
        headers = {**(headers or {}), "X-Request-ID": rid}
    if _is_api(request):
        # A server's failure names the request to quote to its operator; a refusal says why.
        body = (
            {"detail": detail, "request_id": rid} if rid and status >= 500 else {"detail": detail}
        )
        return JSONResponse(body, status_code=status, headers=headers)
    title = title or TITLES.get(status, "Error")
    context = {"status": status, "title": title, "detail": detail, "request_id": rid}
    response: Response = render(request, "errors/page.html", context, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# SQLite's primary result codes and PostgreSQL's SQLSTATEs of a database that cannot work now.
_SQLITE_UNAVAILABLE = {
    5: "the database is busy",
    6: "the database is locked",
    8: "the database is read-only",
    10: "the disk failed to read or write",
    13: "the disk is full",
    14: "the database file cannot be opened",
}
_POSTGRES_UNAVAILABLE = {
    "53100": "the database server's disk is full",
    "25006": "the database is read-only",
    "58030": "the database server failed to read or write its disk",
    "57P01": "the database server is shutting down",
    "57P03": "the database server is not accepting connections yet",
}


def unavailable_reason(error: DBAPIError) -> str | None:
    """Why the database cannot work now (a full disk, read-only, out of reach), or None for
    an error of the request itself."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _SQLITE_UNAVAILABLE.get(code & 0xFF)
    state = str(getattr(error.orig, "sqlstate", None) or "")
    if state in _POSTGRES_UNAVAILABLE:
        return _POSTGRES_UNAVAILABLE[state]
    if state.startswith("53"):
        return "the database server is out of resources"
    if state.startswith("08") or error.connection_invalidated:
        return "the database server cannot be reached"
    return None


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts)


def validation_sentence(error: RequestValidationError) -> str:
    """One readable sentence for FastAPI's list of validation errors."""
    problems = []
    for item in error.errors():
        kind, field = item.get("type", ""), _field(tuple(item.get("loc", ())))
        if kind == "json_invalid":
            problems.append("the request body is not valid JSON")
        elif kind == "missing":
            problems.append(f"{field} is required" if field else "the request body is missing")
        else:
            message = str(item.get("msg", "is invalid"))
            problems.append(f"{field}: {message[:1].lower()}{message[1:]}" if field else message)
    return "invalid request: " + "; ".join(dict.fromkeys(problems))


# What every JSON error looks like; the OpenAPI document says so for 422 too (FastAPI's default
# describes its own list of validation errors, which this API does not send).
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"type": "string", "title": "Detail"}},
    "required": ["detail"],
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
    if headers:
        answer["headers"] = headers
    return answer


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _document_limits(method: str, operation: dict[str, Any]) -> None:
    """Operations that take a bearer token may answer 401 without a valid one, and their writes
    429 past the member's rate limits (web/deps.py, services/limits.py)."""
    if not operation.get("security"):
        return
    responses = operation.setdefault("responses", {})
    responses.setdefault("401", _error("No bearer token, or an unknown or expired one."))
    if method.upper() not in ("GET", "HEAD", "OPTIONS"):
        responses.setdefault(
            "429", _error("Too many requests by this member; wait and try again.", RETRY_AFTER)
        )


def _document_errors(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in components:
                components["HTTPValidationError"] = ERROR_SCHEMA
                components.pop("ValidationError", None)
            for operations in schema.get("paths", {}).values():
                for method, operation in operations.items():
                    _document_limits(method, operation)
                    if "requestBody" in operation:
                        operation.setdefault("responses", {}).setdefault(
                            "400", _error("The request body is not valid JSON.")
                        )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _document_errors(app)

    @app.exception_handler(e.DomainError)
    async def domain_error(request: Request, error: e.DomainError) -> Response:
        headers = None
        if isinstance(error, RateLimited):
            headers = {"Retry-After": str(error.retry_after)}
        return _answer(request, status_of(error), error.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # A body that is not JSON at all is a malformed request (400); JSON of the wrong
        # shape or values is a well-formed request the API cannot process (422).
        malformed = any(item.get("type") == "json_invalid" for item in error.errors())
        if not _is_api(request):
            return _page_refusal(request, error)
        return _answer(request, 400 if malformed else 422, validation_sentence(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code)
        if error.status_code == 404 and detail == "Not Found":
            detail = f"there is nothing at {request.url.path}" if _is_api(request) else NO_SUCH_PAGE
        if error.status_code == 405 and detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed on {request.url.path}"
        return _answer(request, error.status_code, str(detail), getattr(error, "headers", None))

    @app.exception_handler(OverflowError)  # SQLite: an integer wider than 64 bits
    @app.exception_handler(DataError)  # PostgreSQL: a value out of its column's range
    async def out_of_range(request: Request, _: Exception) -> Response:
        if not _is_api(request) and any(v.isdigit() for v in request.path_params.values()):
            return _answer(request, 404, NO_SUCH_PAGE)  # an id too large to be one names nothing
        return _answer(request, 422, "invalid request: a value in it is out of range")

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: DBAPIError) -> Response:
        reason = unavailable_reason(error)
        if reason is None:
            return await unexpected(request, error)
        return _unavailable(request, reason, error)

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, error: PoolTimeout) -> Response:
        return _unavailable(request, "no database connection came free in time", error)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        return RedirectResponse(login_url(request), status_code=303)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if _is_api(request):
            return _answer(request, 500, "internal error")
        try:
            return _answer(request, 500, "internal error")
        except Exception:  # the error page itself may need what just failed
            return Response("internal error", status_code=500, media_type="text/plain")


# What a page says when its address or form is not what it takes (issue 25): the validator's
# own words ("input should be a valid integer", field paths) are for the API's integrators.
NO_SUCH_PAGE = N_("there is no such page: check the address")
CHECK_WHAT_YOU_SENT = N_(
    "something in the form or the address is not what this page takes; go back, check it "
    "and send it again"
)
CHECK_TITLE = N_("Check what you sent")


def _page_refusal(request: Request, error: RequestValidationError) -> Response:
    """A page's address with an id that is not a number names no page (404); any other value
    a page cannot take is explained in one sentence (422, titled "Check what you sent")."""
    if any(tuple(item.get("loc", ()))[:1] == ("path",) for item in error.errors()):
        return _answer(request, 404, NO_SUCH_PAGE)
    return _answer(request, 422, CHECK_WHAT_YOU_SENT, title=CHECK_TITLE)


def _unavailable(request: Request, reason: str, error: Exception) -> Response:
    log.error(
        "database unavailable on %s %s: %s (%s)",
        request.method,
        request.url.path,
        reason,
        getattr(error, "orig", error),
    )
    detail = f"the server cannot use its database right now ({reason}); please try again later"
    try:
        return _answer(request, 503, detail, {"Retry-After": RETRY_UNAVAILABLE})
    except Exception:  # the error page itself may need what just failed
        return Response(detail, status_code=503, media_type="text/plain")
