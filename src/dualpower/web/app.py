"""The FastAPI application: the JSON API under /api/v1 (OpenAPI at /api/openapi.json, an
interactive page at /api/docs from local assets: web/api_docs.py) and the server-rendered pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from dualpower.bootstrap import System
from dualpower.web import api_docs, errors, i18n, routes
from dualpower.web.actor_marks import ActorMarkMiddleware
from dualpower.web.ballot_fast_path import BallotFastPath
from dualpower.web.guards import BodyLimitMiddleware, PasswordGate
from dualpower.web.live import Broadcaster
from dualpower.web.live_fast_path import TurnoutFastPath
from dualpower.web.middleware import HttpMiddleware
from dualpower.web.observability import Metrics, ObservedMiddleware
from dualpower.web.observability import routes as health_routes
from dualpower.web.read_routing import ReadRoutingMiddleware
from dualpower.web.visibility import VisibilityMiddleware

API_PREFIX = routes.API_PREFIX
STATIC = Path(__file__).parent / "static"

# Pages load nothing from elsewhere; inline scripts and styles are refused too.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(system: System) -> FastAPI:
    app = FastAPI(
        title="dualpower",
        summary="Council democracy: deputies elected from below, recallable at the first demand.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=_live_across_processes,
    )
    app.state.system = system
    app.state.metrics = Metrics(system)
    app.state.live = Broadcaster()
    system.subscribe(app.state.live)  # events after commit wake the live pages' streams
    errors.install(app)
    for topic in routes.topics():  # the routes built once a process (web/routes/__init__.py)
        for router in (getattr(topic, "api", None), getattr(topic, "pages", None)):
            if router is not None:
                app.router.routes.extend(router.routes)
    api_docs.write_summaries(app, API_PREFIX)
    api_docs.install(app, "/api/openapi.json")
    app.router.routes.extend(health_routes.routes)  # /healthz, /readyz, /metrics
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Matched first: well-formed ballots skip FastAPI's routing and dependency solving
    # (web/ballot_fast_path.py); everything else reaches the routes above as before.
    app.router.routes.insert(0, BallotFastPath(API_PREFIX, app.router))
    app.router.routes.insert(0, TurnoutFastPath(API_PREFIX, app.router))  # web/live_fast_path.py
    app.add_middleware(VisibilityMiddleware)  # whose names the reader sees (DESIGN.md 2.11)
    app.add_middleware(ActorMarkMiddleware)  # acts in operator-set sessions marked (2.10)
    app.add_middleware(ReadRoutingMiddleware, replicas=system.replicas)  # replicas (issue 24)
    app.add_middleware(i18n.LanguageMiddleware)  # the page's language (web/i18n.py)
    app.add_middleware(PasswordGate)  # argon2 paced: DUALPOWER_PASSWORD_CHECK_* (web/guards.py)
    app.add_middleware(SecurityHeadersMiddleware)  # on every answer of the app
    app.add_middleware(BodyLimitMiddleware)  # DUALPOWER_MAX_BODY_BYTES (web/guards.py)
    app.add_middleware(ObservedMiddleware, metrics=app.state.metrics)  # outermost: request id
    return app


@asynccontextmanager
async def _live_across_processes(app: FastAPI) -> AsyncIterator[None]:
    """While serving, other processes' commits wake this one's live streams too (PostgreSQL:
    one listening connection per process, store/change_feed.py)."""
    feed, live = app.state.system.feed, app.state.live
    if feed is not None:
        feed.listen(live)
    try:
        yield
    finally:
        if feed is not None:
            feed.unlisten(live)


_SECURITY = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware(HttpMiddleware):
    """Adds SECURITY_HEADERS, and `Cache-Control: no-store` outside /static/, to every answer
    that does not set them itself. A plain ASGI middleware: it only edits the headers of the
    response's start message (Starlette's `@app.middleware("http")` re-streams every body
    through a task and a queue, measured at a third of a trivial request's cost)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = _SECURITY if scope["path"].startswith("/static/") else [*_SECURITY, _NO_STORE]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in wanted if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
