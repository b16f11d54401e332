"""The FastAPI application: the JSON API under /api/v1 (OpenAPI at /api/openapi.json, no
Swagger or ReDoc pages: they load from a CDN) and the server-rendered pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from dualpower.bootstrap import System
from dualpower.web import errors, i18n, routes
from dualpower.web.live import Broadcaster

API_PREFIX = "/api/v1"
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
    )
    app.state.system = system
    app.state.live = Broadcaster()
    system.subscribe(app.state.live)  # events after commit wake the live pages' streams
    errors.install(app)
    for topic in routes.topics():
        if hasattr(topic, "api"):
            app.include_router(topic.api, prefix=API_PREFIX)
        if hasattr(topic, "pages"):
            app.include_router(topic.pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(i18n.LanguageMiddleware)  # the page's language (web/i18n.py)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
