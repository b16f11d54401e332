"""The API's documentation (issue 25): a written summary for every operation, and `/api/docs`,
an interactive page served from local assets only (Swagger UI as shipped in the PyPI package
`fastapi-offline`, and a small start script in /static; no CDN).

A route may give its own `summary=`; the others take theirs from SUMMARIES, by method and path
(under /api/v1). `tests/unit/web/test_api_docs.py` fails on an operation with neither, so a new
route cannot ship with a generated summary such as "Api Cast".
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

# Swagger UI 5 (OpenAPI 3.1, the version FastAPI writes; Swagger UI 4 refuses to render it), as
# the fastapi-offline package ships it: only its static files are used.
SWAGGER_UI = Path(str(importlib.resources.files("fastapi_offline") / "static"))

DOCS_URL = "/api/docs"
ASSETS = f"{DOCS_URL}/assets"
# Swagger UI sets style attributes as it renders: this page alone allows inline styles.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

SUMMARIES: dict[tuple[str, str], str] = {
    ("GET", "/alignment"): "Seats by faction and majority in every council",
    ("GET", "/alignment/road"): "A faction's road to a majority in the chief council",
    ("GET", "/councils/{council_id}/hemicycle.svg"): "A council's seats as an SVG hemicycle",
    ("GET", "/councils/{council_id}/strength.svg"): "A council's factions over time, as SVG",
    ("GET", "/alignment/tree.svg"): "The federation's councils as an SVG tree",
    ("GET", "/audit/head"): "The audit log's latest tree head",
    ("GET", "/audit/entries"): "Audit log entries in a range",
    ("GET", "/audit/heads"): "Every published tree head",
    ("GET", "/audit/proof/inclusion"): "Proof that an entry is in the log",
    ("GET", "/audit/proof/consistency"): "Proof that a larger log extends a smaller one",
    ("POST", "/auth/login"): "Log in: a bearer token for a username and password",
    ("GET", "/councils"): "List the councils",
    ("GET", "/councils/{council_id}"): "A council with its composition and majority",
    ("GET", "/councils/{council_id}/mandates"): "A council's active mandates",
    ("GET", "/mandates/{mandate_id}"): "A mandate, active or ended",
    ("GET", "/councils/{council_id}/events"): "Live composition of a council (server-sent events)",
    ("GET", "/me/credentials"): "Your sessions and API tokens",
    ("DELETE", "/me/credentials/{credential_id}"): "End one of your sessions or tokens",
    ("POST", "/auth/password"): "Change your password",
    ("POST", "/comments"): "Post a comment",
    ("GET", "/comments"): "A discussion thread",
    ("GET", "/comments/{comment_id}"): "A comment with its revisions",
    ("PATCH", "/comments/{comment_id}"): "Edit your comment",
    ("GET", "/discussions/{kind}/{subject_id}/events"): "Live discussion (server-sent events)",
    ("POST", "/reports"): "Report a text, a roll entry or conduct",
    ("GET", "/reports/{report_id}"): "A report with its panel's draws and votes",
    ("POST", "/reports/{report_id}/decision"): "A panel member's decision on a report",
    ("GET", "/factions/{faction_id}/platforms"): "A faction's platforms, newest first",
    ("POST", "/factions/{faction_id}/platforms"): "Publish a faction's platform",
    ("GET", "/elections"): "List the elections",
    ("POST", "/councils/{council_id}/elections"): "Open a general election of a council's seats",
    ("GET", "/elections/{election_id}"): "An election with its candidates",
    ("POST", "/elections/{election_id}/ballots"): "Cast a ballot",
    ("GET", "/elections/{election_id}/ballots"): "The published ballots of a closed election",
    ("GET", "/elections/{election_id}/result"): "The count of a closed election, round by round",
    ("POST", "/elections/{election_id}/candidates"): "Stand as a candidate",
    ("GET", "/elections/{election_id}/events"): "Live turnout of an election (server-sent events)",
    ("GET", "/health"): "Health check",
    ("POST", "/auth/join"): "Set your password with an invitation or reset code",
    ("POST", "/auth/reset"): "Ask for a password reset code by mail",
    ("POST", "/auth/logout"): "Log out: end the bearer token sent",
    ("GET", "/me"): "You: your unit, mandates and what you can do now",
    ("GET", "/notifications"): "Your latest notifications",
    ("POST", "/notifications/read"): "Mark your notifications read",
    ("GET", "/councils/{council_id}/offices"): "A council's offices, holders and stipends",
    ("GET", "/pay"): "Every stipend and the cap of ordinary pay",
    ("POST", "/offices/{office_id}/stipend-motions"): "Propose an office's stipend",
    ("POST", "/units/{unit_id}/wages"): "Report a unit's wages",
    ("POST", "/members/{member_id}/verification"): "Verify a member (credentials committee)",
    ("POST", "/offices/{office_id}/elections"): "Open the election of an office's holder",
    ("POST", "/office-elections/{election_id}/candidacy"): "Stand for an office",
    ("POST", "/office-elections/{election_id}/close"): "Count an office election",
    ("POST", "/office-terms/{term_id}/recalls"): "Open a recall petition against an official",
    ("POST", "/office-terms/{term_id}/resignation"): "Resign from an office",
    ("POST", "/recalls"): "Open a recall petition against a deputy",
    ("GET", "/recalls"): "List the recall petitions",
    ("GET", "/recalls/{petition_id}"): "A recall petition with its count",
    ("POST", "/recalls/{petition_id}/signatures"): "Sign a recall petition",
    ("DELETE", "/recalls/{petition_id}/signatures"): "Withdraw your signature",
    ("GET", "/recalls/{petition_id}/events"): "Live count of a petition (server-sent events)",
    ("GET", "/directives"): "List the directives",
    ("POST", "/directives"): "Record an authority's directive",
    ("GET", "/directives/{directive_id}"): "A directive with the councils' stances",
    ("GET", "/directives/{directive_id}/binding"): "Whether a directive binds you, and why",
    ("GET", "/authorities"): "List the outside authorities",
    ("POST", "/authorities"): "Record an outside authority",
    ("POST", "/directives/{directive_id}/stances"): "Take a council's stance on a directive",
    ("POST", "/motions"): "Draft a motion",
    ("GET", "/motions/{motion_id}"): "A motion with its amendments and roll-call",
    ("POST", "/motions/{motion_id}/vote/open"): "Open the vote on a motion",
    ("POST", "/motions/{motion_id}/votes"): "Vote on a motion",
    ("POST", "/motions/{motion_id}/vote/close"): "Close the vote on a motion",
    ("POST", "/motions/{motion_id}/send-up"): "Send an adopted motion up as an initiative",
    ("POST", "/councils/{council_id}/sessions"): "Convene a session of a council",
    ("GET", "/councils/{council_id}/sessions"): "A council's sessions",
    ("GET", "/sessions/{session_id}"): "A session: agenda, attendance, quorum and minutes",
    ("POST", "/sessions/{session_id}/open"): "Open a session",
    ("POST", "/sessions/{session_id}/close"): "Close a session",
    ("POST", "/sessions/{session_id}/attendance"): "Register your attendance at a session",
    ("POST", "/sessions/{session_id}/agenda"): "Add a motion to a session's agenda",
    ("POST", "/instructions"): "Draft an instruction to an electorate's deputies",
    ("GET", "/breaches/{breach_id}"): "A breach of an instruction",
    ("POST", "/breaches/{breach_id}/recall"): "Open a recall petition over a breach",
    ("GET", "/initiatives"): "List the initiatives",
    ("GET", "/initiatives/{initiative_id}"): "An initiative and its path upward",
    ("POST", "/initiatives/{initiative_id}/take-up"): "Take up an initiative in your unit",
    ("GET", "/sessions/{session_id}/speakers"): "A session's speakers' list",
    ("POST", "/sessions/{session_id}/speakers"): "Ask for the floor",
    ("DELETE", "/sessions/{session_id}/speakers"): "Withdraw your request for the floor",
    ("POST", "/sessions/{session_id}/speakers/next"): "Give the floor to the next speaker",
    ("POST", "/sessions/{session_id}/speakers/end"): "End the speech in progress",
    ("POST", "/sessions/{session_id}/speakers/limit"): "Set the time limit per speech",
    ("GET", "/sessions/{session_id}/stewards"): "A session's stewards",
    ("POST", "/sessions/{session_id}/stewards"): "Open the election of a session's stewards",
    ("POST", "/sessions/{session_id}/stewards/elections/{election_id}/close"): (
        "Count a steward election"
    ),
    ("GET", "/units/{unit_id}/members"): "A unit's roll",
}


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, inside included routers too (FastAPI keeps those as they were written)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)


def write_summaries(app: FastAPI, prefix: str) -> None:
    """Give every API operation without its own summary the one written in SUMMARIES (paths
    without `prefix`, as the topic routers write them)."""
    for route in api_routes(app.router.routes):
        if route.summary or not route.include_in_schema:
            continue
        path = route.path.removeprefix(prefix)
        for method in sorted(route.methods or ()):
            written = SUMMARIES.get((method, path))
            if written:
                route.summary = written


PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>API · dualpower</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
  <p><a href="/">dualpower</a> · <a href="{spec}">OpenAPI document</a></p>
  <div id="swagger-ui" data-spec="{spec}"></div>
  <noscript>The interactive page needs JavaScript; the <a href="{spec}">OpenAPI document</a>
  describes every operation without it.</noscript>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI, openapi_url: str) -> None:
    """Serve `/api/docs` and Swagger UI's files from the installed package."""
    app.mount(ASSETS, StaticFiles(directory=str(SWAGGER_UI)), name="api-docs-assets")
    page = PAGE.format(assets=ASSETS, spec=openapi_url)

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_CSP})
