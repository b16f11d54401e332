"""Authorization, tested as a matrix (issue 5): every route of the app (API and pages, every
method) x seven roles -> the expected status. A route missing from the table fails the test, so
a new route must say who may call it.

Roles (tests/e2e/web/authz_world.py): anonymous; `other_unit` (mill4, a member of the South's
Mill); `member` (forge4, a member of the North's Forge); `deputy` (forge2, a North deputy from
the Forge); `recalled` (barracks1, the North deputy recalled by the Barracks; their login was
issued before the recall committed); `official` (forge1, a North deputy holding the North's
secretary office with every capability); `other_official` (mill1, the same in the South).

Writes run on fresh copies of the built world: every refusal first, all on one copy, each one
checked to change nothing (the audit log does not grow); then each allowed role on its own copy
(on PostgreSQL, where a copy is a CREATE DATABASE, only the first allowed role: every refusal
runs on both databases, every success on SQLite).
Path ids are real; bodies are valid, so the status says who may act, not what is malformed.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from authz_world import (
    PASSWORD,
    RESET_WHO,
    ROLES,
    WHO,
    Template,
    World,
    app_routes,
    audit_size,
    copy_of,
    drop_template,
    is_api,
    make_template,
)

from dualpower.services import accounts
from dualpower.web.app import create_app
from dualpower.web.deps import CSRF_FIELD, LOGIN_CSRF_COOKIE, SESSION_COOKIE
from dualpower.web.live import Broadcaster
from dualpower.web.routes.join import CODE_CSRF_COOKIE

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
A = "/api/v1"
LOGIN_CSRF = "matrix-login-csrf-token"
# pages that send the anonymous to /login
LOGIN_PAGES = (
    "/me",
    "/notifications",
    "/me/credentials",
    "/units/{unit_id}/roll",
    "/councils/{council_id}/structure",
)
# Forms posted before any session exists: their CSRF token is a double-submit cookie.
DOUBLE_SUBMIT = {
    "/login": LOGIN_CSRF_COOKIE,
    "/join": CODE_CSRF_COOKIE,
    "/reset": CODE_CSRF_COOKIE,
}
NEW_PASSWORD = "a new password, long enough"


def row(default: int | None = None, **cells: int) -> dict[str, int]:
    """Expected statuses by role: `default` for every role not named."""
    unknown = set(cells) - set(ROLES)
    assert not unknown, unknown
    out = {role: cells.get(role, default) for role in ROLES}
    assert None not in out.values(), out
    return out  # type: ignore[return-value]


def public(status: int = 200) -> dict[str, int]:
    return row(status)


def logged_in_api(status: int = 200) -> dict[str, int]:
    return row(status, anonymous=401)


def logged_in_page(status: int = 200) -> dict[str, int]:
    return row(status, anonymous=303)


def forge_members(ok: int, *, api: bool = True, refused: int = 403) -> dict[str, int]:
    """Allowed to the Forge's members (member, deputy, official), refused to the others."""
    return row(
        refused,
        anonymous=401 if api else 303,
        member=ok,
        deputy=ok,
        official=ok,
    )


def official_only(ok: int, *, api: bool = True) -> dict[str, int]:
    return row(403, anonymous=401 if api else 303, official=ok)


# Each case: expected statuses, and optionally `ids` (path parameter -> World.ids key, beside
# DEFAULT_IDS), `body` (JSON for the API, form fields for pages) and `query`.
DEFAULT_IDS = {
    "council_id": "north",
    "unit_id": "forge",
    "mandate_id": "mandate_deputy",
    "comment_id": "comment",
    "report_id": "report",
    "faction_id": "reds",
    "subject_id": "motion_unit",
    "election_id": "election_closed",
    "office_id": "office_north",
    "member_id": "member_target",
    "term_id": "term_north",
    "petition_id": "petition",
    "directive_id": "directive",
    "motion_id": "motion_unit",
    "session_id": "session_open",
    "breach_id": "breach",
    "initiative_id": "initiative",
}

MATRIX: dict[tuple[str, str], dict[str, Any]] = {}


def case(method: str, path: str, expect: dict[str, int], **extra: Any) -> None:
    key = (method, path)
    assert key not in MATRIX, key
    MATRIX[key] = {"expect": expect, **extra}


# -- public reads ---------------------------------------------------------------------------------
for _path in (
    "/api/openapi.json",
    f"{A}/health",
    f"{A}/alignment",
    f"{A}/alignment/tree.svg",
    f"{A}/councils/{{council_id}}/hemicycle.svg",
    f"{A}/councils/{{council_id}}/strength.svg",
    f"{A}/audit/head",
    f"{A}/audit/entries",
    f"{A}/audit/heads",
    f"{A}/councils",
    f"{A}/councils/{{council_id}}",
    f"{A}/councils/{{council_id}}/mandates",
    f"{A}/councils/{{council_id}}/events",
    f"{A}/mandates/{{mandate_id}}",
    f"{A}/comments/{{comment_id}}",
    f"{A}/discussions/{{kind}}/{{subject_id}}/events",
    f"{A}/reports/{{report_id}}",
    f"{A}/factions/{{faction_id}}/platforms",
    f"{A}/elections",
    f"{A}/elections/{{election_id}}",
    f"{A}/elections/{{election_id}}/result",
    f"{A}/elections/{{election_id}}/ballots",
    f"{A}/elections/{{election_id}}/events",
    f"{A}/councils/{{council_id}}/offices",
    f"{A}/pay",
    f"{A}/recalls",
    f"{A}/recalls/{{petition_id}}",
    f"{A}/directives",
    f"{A}/directives/{{directive_id}}",
    f"{A}/authorities",
    f"{A}/motions/{{motion_id}}",
    f"{A}/councils/{{council_id}}/sessions",
    f"{A}/sessions/{{session_id}}",
    f"{A}/sessions/{{session_id}}/speakers",
    f"{A}/sessions/{{session_id}}/stewards",
    f"{A}/breaches/{{breach_id}}",
    f"{A}/initiatives",
    f"{A}/initiatives/{{initiative_id}}",
    "/",
    "/alignment",
    "/councils/{council_id}",
    "/councils/{council_id}/composition",
    "/councils/{council_id}/alignment",
    "/discussions/{kind}/{subject_id}",
    "/comments/{comment_id}",
    "/reports/{report_id}",
    "/factions",
    "/factions/{faction_id}",
    "/elections/{election_id}",
    "/pay",
    "/councils/{council_id}/offices",
    "/recalls",
    "/recalls/{petition_id}",
    "/directives",
    "/directives/{directive_id}",
    "/motions/{motion_id}",
    "/sessions/{session_id}",
    "/councils/{council_id}/sessions",
    "/initiatives/{initiative_id}",
    "/breaches/{breach_id}",
    "/units/{unit_id}",
    "/tour",
    "/elections",  # issue 25: open elections, elections indexes, directory, API docs
    "/councils/{council_id}/elections",
    "/units/{unit_id}/elections",
    f"{A}/units",
    f"{A}/factions",
    "/api/docs",
):
    case("GET", _path, public())
case("GET", "/mandates/{mandate_id}/recall", logged_in_page())  # the recall's confirmation step
case("GET", f"{A}/alignment/road", public(), query={"faction": "R"})
case("GET", f"{A}/audit/proof/inclusion", public(), query={"seq": "0"})
case("GET", f"{A}/audit/proof/consistency", public(), query={"first": "1"})
case("GET", f"{A}/comments", public(), query={"kind": "motion", "id": "{motion_unit}"})
case(
    "GET",
    f"{A}/recalls/{{petition_id}}/events",
    public(),
    ids={"petition_id": "petition_decided"},
)
# The login form: a logged-in member is sent on to /me.
case("GET", "/login", row(303, anonymous=200))
# The language switch sets a cookie and goes back (web/routes/language.py).
case("GET", "/language", public(303), query={"to": "ru", "next": "/tour"})

# -- reads for the logged-in ----------------------------------------------------------------------
case("GET", f"{A}/me", logged_in_api())
case("GET", "/me", logged_in_page())
case("GET", f"{A}/notifications", logged_in_api())
case("GET", "/notifications", logged_in_page())
case("POST", f"{A}/notifications/read", logged_in_api(), body={})
case("POST", "/notifications/read", logged_in_page(303), body={})
case("GET", f"{A}/directives/{{directive_id}}/binding", logged_in_api())
# The roll: to the unit's members and the deputies of the councils above it (a recalled deputy
# of the North is no longer one of them; a deputy of the Chief Council is).
case(
    "GET",
    f"{A}/units/{{unit_id}}/members",
    forge_members(200) | {"other_official": 200},
)

# -- logging in and out ---------------------------------------------------------------------------
case(
    "POST",
    f"{A}/auth/login",
    public(),
    body={"username": WHO["member"], "password": PASSWORD},
)
case("POST", "/login", public(303), body={"username": WHO["member"], "password": PASSWORD})
case("POST", "/logout", logged_in_page(303))

# -- motions and votes (API) ------------------------------------------------------------------
# A deputy puts motions to their own council (a recalled one no longer does); members draft in
# their unit (tests/e2e/web/test_sessions_web.py).
case(
    "POST",
    f"{A}/motions",
    row(403, anonymous=401, deputy=201, official=201),
    body={"council_id": "{north}", "title": "Eight hours", "text": "The 8-hour day."},
)
# A council's motion vote is opened and closed by its chair (convene_session); the motion is
# on the agenda of an open, quorate session.
case(
    "POST",
    f"{A}/motions/{{motion_id}}/vote/open",
    official_only(200),
    ids={"motion_id": "motion_draft"},
)
case(
    "POST",
    f"{A}/motions/{{motion_id}}/vote/close",
    official_only(200),
    ids={"motion_id": "motion_voting_closable"},  # every deputy present voted (2.9)
)
# Deputies present at the session vote; a recalled deputy no longer does.
case(
    "POST",
    f"{A}/motions/{{motion_id}}/votes",
    row(403, anonymous=401, deputy=201, official=201),
    ids={"motion_id": "motion_voting"},
    body={"position": "yes"},
)
# A member of the unit sends up a motion its assembly adopted.
case(
    "POST",
    f"{A}/motions/{{motion_id}}/send-up",
    forge_members(201),
    ids={"motion_id": "motion_adopted"},
)

# -- sessions (API) -----------------------------------------------------------------------------
case(
    "POST",
    f"{A}/councils/{{council_id}}/sessions",
    official_only(201),
    body={"title": "An extraordinary session", "agenda": []},
)
case(
    "POST",
    f"{A}/sessions/{{session_id}}/open",
    official_only(204),
    ids={"session_id": "session_convened"},
)
case(
    "POST",
    f"{A}/sessions/{{session_id}}/close",
    official_only(204),
    ids={"session_id": "session_closable"},
)
case(
    "POST",
    f"{A}/sessions/{{session_id}}/attendance",
    row(403, anonymous=401, deputy=204, official=204),
    ids={"session_id": "session_convened"},
)
case(
    "POST",
    f"{A}/sessions/{{session_id}}/agenda",
    official_only(204),
    ids={"session_id": "session_convened"},
    body={"motion_id": "{motion_new}"},
)

# -- speakers' list and stewards (API; DESIGN.md 2.4a) ------------------------------------------
# In the open session forge1 (the chair) holds the floor and forge2 waits on the current item; no
# steward is elected yet, so the chair keeps the list. Deputies present ask for the floor (here
# on another item); a recalled deputy no longer does.
case(
    "POST",
    f"{A}/sessions/{{session_id}}/speakers",
    row(403, anonymous=401, deputy=201, official=201),
    body={"motion_id": "{motion_voting}"},
)
# Withdrawing touches only the caller's own waiting request: whoever has none gets 409.
case("DELETE", f"{A}/sessions/{{session_id}}/speakers", row(409, anonymous=401, deputy=204))
case("POST", f"{A}/sessions/{{session_id}}/speakers/next", official_only(200))
case("POST", f"{A}/sessions/{{session_id}}/speakers/end", official_only(200))
case(
    "POST",
    f"{A}/sessions/{{session_id}}/speakers/limit",
    official_only(200),
    body={"seconds": 120},
)
case("POST", f"{A}/sessions/{{session_id}}/stewards", official_only(201), body={"posts": 1})
case(
    "POST",
    f"{A}/sessions/{{session_id}}/stewards/elections/{{election_id}}/close",
    official_only(200),
    ids={"election_id": "steward_election"},
)

# -- instructions, breaches, initiatives (API) -------------------------------------------------
# The Forge's assembly instructs its deputies: drafted by any Forge member.
case(
    "POST",
    f"{A}/instructions",
    forge_members(201),
    body={"unit_id": "{forge}", "motion_id": "{motion_draft}", "position": "no"},
)
# The breach's one-step recall: electors of the seat (the Forge's members).
case("POST", f"{A}/breaches/{{breach_id}}/recall", forge_members(201))
# A member takes an initiative up in their own unit (here: the Mill).
case(
    "POST",
    f"{A}/initiatives/{{initiative_id}}/take-up",
    row(403, anonymous=401, other_unit=201, other_official=201),
    body={"unit_id": "{mill}"},
)

# -- discussion (API) -----------------------------------------------------------------------------
# Anyone logged in speaks in a discussion (explanation is open to all, DESIGN.md 2.7a).
case(
    "POST",
    f"{A}/comments",
    logged_in_api(201),
    body={"subject": {"kind": "motion", "id": "{motion_unit}"}, "text": "I agree."},
)
case(
    "PATCH",
    f"{A}/comments/{{comment_id}}",
    row(403, anonymous=401, member=200),  # the author only
    body={"text": "I agree, with a correction."},
)
case(
    "POST",
    f"{A}/reports",
    logged_in_api(201),
    body={"comment_id": "{comment}", "reason": "Abusive."},
)
# The panel drawn by lot (here: every Forge member but the author and the reporter).
case(
    "POST",
    f"{A}/reports/{{report_id}}/decision",
    forge_members(200),
    body={"decision": "dismiss"},
)
# A deputy of the faction publishes its platform (forge1 and forge2 are Reds).
case(
    "POST",
    f"{A}/factions/{{faction_id}}/platforms",
    row(403, anonymous=401, deputy=201, official=201, other_official=201),
    body={"title": "Programme", "text": "All power to the councils."},
)
# A faction registers by its members' act (DESIGN.md 2.10): any member on a roll; joins likewise.
case(
    "POST",
    f"{A}/factions",
    logged_in_api(201),
    body={"name": "Left SRs", "short": "LSR", "colour": "#0a0"},
)
case("POST", f"{A}/factions/{{faction_id}}/members", logged_in_api(201))
# Leaving: nobody in the built world has joined the Reds by their act, so every member is told so.
case("DELETE", f"{A}/factions/{{faction_id}}/members", row(409, anonymous=401))

# -- elections (API) ------------------------------------------------------------------------------
# The Barracks by-election after the recall: its electors are the Barracks' members.
case(
    "POST",
    f"{A}/elections/{{election_id}}/ballots",
    row(403, anonymous=401, recalled=201),
    ids={"election_id": "election"},
    body={"choices": ["{candidate}"]},
)
# Its nominations have closed: the elector is told so (409), others that they are none (403).
case(
    "POST",
    f"{A}/elections/{{election_id}}/candidates",
    row(403, anonymous=401, recalled=409),
    ids={"election_id": "election"},
    body={},
)

# -- offices and pay (API) ----------------------------------------------------------------------
# A deputy of the office's council proposes a stipend; the council's vote sets it.
case(
    "POST",
    f"{A}/offices/{{office_id}}/stipend-motions",
    row(403, anonymous=401, deputy=201, official=201),
    body={"amount": 50},
)
# A deputy of the office's council proposes giving it a capability; the council's vote gives it.
case(
    "POST",
    f"{A}/offices/{{office_id}}/capability-motions",
    row(403, anonymous=401, deputy=201, official=201),
    ids={"office_id": "office_vacant"},
    body={"capability": "record_stance"},
)
case(
    "POST",
    f"{A}/units/{{unit_id}}/wages",
    official_only(200),
    body={"wages": [{"member_id": "{member_target}", "amount": 300}]},
)
case("POST", f"{A}/members/{{member_id}}/verification", official_only(200), body={})
case(
    "POST",
    f"{A}/offices/{{office_id}}/elections",
    official_only(201),
    ids={"office_id": "office_vacant2"},
    body={},
)
# Deputies of the office's council stand (forge2 stands already: 409).
case(
    "POST",
    f"{A}/office-elections/{{election_id}}/candidacy",
    row(403, anonymous=401, deputy=409, official=201),
    ids={"election_id": "office_election"},
)
# Every elector has voted: the commission may close it before its time, nobody else.
case(
    "POST",
    f"{A}/office-elections/{{election_id}}/close",
    official_only(200),
    ids={"election_id": "office_election_closable"},
)
# The council that elected the official recalls them: its deputies open the petition.
case(
    "POST",
    f"{A}/office-terms/{{term_id}}/recalls",
    row(403, anonymous=401, deputy=201, official=201),
)
case(
    "POST",
    f"{A}/office-terms/{{term_id}}/resignation",
    official_only(204),
)

# -- recalls (API) --------------------------------------------------------------------------------
# Electors of the seat's electorate (the Forge) open, sign, withdraw; forge4 signed already.
case("POST", f"{A}/recalls", forge_members(201), body={"mandate_id": "{mandate_deputy}"})
case(
    "POST",
    f"{A}/recalls/{{petition_id}}/signatures",
    forge_members(200) | {"member": 409},
)
# Withdrawing touches only the caller's own signature: whoever has none gets 409.
case(
    "DELETE",
    f"{A}/recalls/{{petition_id}}/signatures",
    row(409, anonymous=401, member=200),
)

# -- the register (API) ---------------------------------------------------------------------------
# record_directive in the council named: the North's official only, never the South's.
case(
    "POST",
    f"{A}/authorities",
    official_only(201),
    body={"name": "War Ministry", "council_id": "{north}"},
)
case(
    "POST",
    f"{A}/directives",
    official_only(201),
    body={
        "authority_id": "{authority}",
        "council_id": "{north}",
        "title": "Order to the front",
        "issued_on": "1917-04-18",
    },
)
case(
    "POST",
    f"{A}/directives/{{directive_id}}/stances",
    official_only(201),
    body={"council_id": "{north}", "kind": "endorse"},
)

# -- page forms (session cookie + CSRF token) ------------------------------------------------
case(
    "POST",
    "/discussions/{kind}/{subject_id}",
    logged_in_page(303),
    body={"text": "I agree."},
)
case(
    "POST",
    "/comments/{comment_id}/edit",
    row(403, anonymous=303, member=303),
    body={"text": "Corrected."},
)
case("POST", "/comments/{comment_id}/report", logged_in_page(303), body={"reason": "Abusive."})
case(
    "POST",
    "/reports/{report_id}/decision",
    forge_members(303, api=False),
    body={"decision": "dismiss"},
)
case(
    "POST",
    "/factions/{faction_id}/platforms",
    row(403, anonymous=303, deputy=303, official=303, other_official=303),
    body={"title": "Programme", "text": "All power to the councils."},
)
# The faction forms (DESIGN.md 2.10): any member on a roll registers one or joins one; leaving
# is refused to each here (none has joined the Reds; the CSRF test joins one first).
case(
    "POST",
    "/factions",
    logged_in_page(303),
    body={"name": "Left SRs", "short": "LSR", "colour": "#00aa00"},
)
case("POST", "/factions/{faction_id}/join", logged_in_page(303))
case("POST", "/factions/{faction_id}/leave", row(409, anonymous=303))
case(
    "POST",
    "/elections/{election_id}/ballot",
    row(403, anonymous=303, recalled=200),
    ids={"election_id": "election"},
    body={"choice": "{candidate}"},
)
case(
    "POST",
    "/elections/{election_id}/candidates",
    row(403, anonymous=303, recalled=409),  # nominations closed: the page says so
    ids={"election_id": "election"},
    body={"faction_id": ""},
)
# Looking up a receipt in the published ballots: a read, open to all.
case("POST", "/elections/{election_id}/receipt", public(), body={"receipt": "nothing"})
case("POST", "/recalls", forge_members(303, api=False), body={"mandate_id": "{mandate_deputy}"})
case(
    "POST",
    "/recalls/{petition_id}/sign",
    forge_members(303, api=False) | {"member": 409},
)
case(
    "POST",
    "/recalls/{petition_id}/withdraw",
    row(409, anonymous=303, member=303),
)
case(
    "POST",
    "/directives/{directive_id}/stances",
    official_only(303, api=False),
    body={"council_id": "{north}", "kind": "endorse"},
)
# A Forge assembly vote (called by forge4; forge5..9 voted).
case(
    "POST",
    "/motions/{motion_id}/vote",
    forge_members(303, api=False),
    ids={"motion_id": "motion_unit_voting"},
    body={"position": "no"},
)
case("POST", "/motions/{motion_id}/call", forge_members(303, api=False))
# The page form that puts a motion in the Forge's assembly: its members only.
case(
    "POST",
    "/motions",
    forge_members(303, api=False),
    body={"unit_id": "{forge}", "title": "Eight hours", "text": "The 8-hour day."},
)
# Closed by the member who called the vote, once every member has voted (or its time came).
case(
    "POST",
    "/motions/{motion_id}/close",
    row(403, anonymous=303, member=303),
    ids={"motion_id": "motion_unit_closable"},
)
case(
    "POST",
    "/sessions/{session_id}/attendance",
    row(403, anonymous=303, deputy=303, official=303),
    ids={"session_id": "session_convened"},
)
case("POST", "/breaches/{breach_id}/recall", forge_members(200, api=False))
# -- offices and pay (page forms; each redirects to the council's offices page) -----------------
case(
    "POST",
    "/councils/{council_id}/stipend-motions",
    row(403, anonymous=303, deputy=303, official=303),
    body={"office_id": "{office_north}", "amount": "50"},
)
case(
    "POST",
    "/councils/{council_id}/capability-motions",
    row(403, anonymous=303, deputy=303, official=303),
    body={"office_id": "{office_vacant}", "capability": "record_stance"},
)
case(
    "POST",
    "/councils/{council_id}/office-elections",
    official_only(303, api=False),
    body={"office_id": "{office_vacant2}", "method": "plurality"},
)
case(
    "POST",
    "/office-elections/{election_id}/candidacy",
    row(403, anonymous=303, deputy=409, official=303),
    ids={"election_id": "office_election"},
)
case(
    "POST",
    "/office-elections/{election_id}/close",
    official_only(303, api=False),
    ids={"election_id": "office_election_closable"},
)
case(
    "POST",
    "/councils/{council_id}/wages",
    official_only(303, api=False),
    body={"unit_id": "{forge}", "wages": "forge4 300"},
)
case(
    "POST",
    "/councils/{council_id}/verifications",
    official_only(303, api=False),
    body={"username": "forge4", "verified": "yes"},
)
case(
    "POST",
    "/office-terms/{term_id}/recall",
    row(403, anonymous=303, deputy=303, official=303),
)
case("POST", "/office-terms/{term_id}/resign", official_only(303, api=False))
# The chair's session acts as page forms (the chair: forge1, with convene_session).
case(
    "POST",
    "/councils/{council_id}/sessions",
    official_only(303, api=False),
    body={"title": "An extraordinary session"},
)
case(
    "POST",
    "/sessions/{session_id}/open",
    official_only(303, api=False),
    ids={"session_id": "session_convened"},
)
case(
    "POST",
    "/sessions/{session_id}/close",
    official_only(303, api=False),
    ids={"session_id": "session_closable"},
)
case(
    "POST",
    "/sessions/{session_id}/agenda",
    official_only(303, api=False),
    ids={"session_id": "session_convened"},
    body={"motion_id": "{motion_new}"},
)
case(
    "POST",
    "/sessions/{session_id}/vote/open",
    official_only(303, api=False),
    body={"motion_id": "{motion_draft}"},
)
case(
    "POST",
    "/sessions/{session_id}/vote/close",
    official_only(303, api=False),
    body={"motion_id": "{motion_voting_closable}"},
)
# The speakers' list and stewards as page forms (as in the API above).
case(
    "POST",
    "/sessions/{session_id}/speakers",
    row(403, anonymous=303, deputy=303, official=303),
    body={"motion_id": "{motion_voting}"},
)
case("POST", "/sessions/{session_id}/speakers/withdraw", row(409, anonymous=303, deputy=303))
case("POST", "/sessions/{session_id}/speakers/next", official_only(303, api=False))
case("POST", "/sessions/{session_id}/speakers/end", official_only(303, api=False))
case(
    "POST",
    "/sessions/{session_id}/speakers/limit",
    official_only(303, api=False),
    body={"seconds": 120},
)
case(
    "POST",
    "/sessions/{session_id}/stewards",
    official_only(303, api=False),
    body={"posts": 1},
)
case(
    "POST",
    "/sessions/{session_id}/stewards/close",
    official_only(303, api=False),
    body={"election_id": "{steward_election}"},
)

# -- health and metrics (web/observability.py) ---------------------------------------------------
# /healthz is open; /readyz and /metrics answer only DUALPOWER_METRICS_FROM (default: the
# machine itself) or DUALPOWER_METRICS_TOKEN, whatever the role: the test client's address is
# none of these (tests/e2e/web/test_ops_web.py tests who may read them).
case("GET", "/healthz", public())
case("GET", "/readyz", public(403))
case("GET", "/metrics", public(403))

# -- getting in: invitation and reset codes, logging out (web/routes/join.py) ------------------
# A code works for whoever holds it (here forge9's invitation), logged in or not.
case(
    "POST",
    f"{A}/auth/join",
    public(201),
    body={"code": "{invitation}", "password": NEW_PASSWORD},
)
# Asking for a reset code: the same answer for anyone (forge9 has an address: a code is made).
case("POST", f"{A}/auth/reset", public(202), body={"who": RESET_WHO})
case("POST", f"{A}/auth/logout", logged_in_api(204))
case("GET", "/join", public())
case("GET", "/reset", public())
case(
    "POST",
    "/join",
    public(303),  # on to /me with a new session
    body={"code": "{invitation}", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
)
case("POST", "/reset", public(), body={"who": RESET_WHO})

# -- one's own credentials (web/routes/credentials.py) -----------------------------------------
# Only the member's own session or token may be ended; anyone else's is not found (404).
case("GET", f"{A}/me/credentials", logged_in_api())
case(
    "DELETE",
    f"{A}/me/credentials/{{credential_id}}",
    row(404, anonymous=401, member=204),
    ids={"credential_id": "credential_member"},
)
case(
    "POST",
    f"{A}/auth/password",
    logged_in_api(),
    body={"current": PASSWORD, "new": NEW_PASSWORD},
)
case("GET", "/me/credentials", logged_in_page())
case(
    "POST",
    "/me/credentials/{credential_id}/end",
    row(404, anonymous=303, member=303),
    ids={"credential_id": "credential_member"},
)
case("POST", "/me/credentials/end-others", logged_in_page(303))
case(
    "POST",
    "/me/password",
    logged_in_page(),
    body={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
)

# -- the roll (web/routes/roll_forms.py): `verify_members` of the unit's council --------------
# The Forge's council is the North: its official only, never the South's.
case("GET", "/units/{unit_id}/roll", official_only(200, api=False))
case(
    "POST",
    "/units/{unit_id}/roll/add",
    official_only(303, api=False),
    body={"username": "forge10", "name": "Forge Member 10", "email": ""},
)
case("POST", "/units/{unit_id}/roll/{member_id}/leave", official_only(303, api=False))
case(
    "POST",
    "/units/{unit_id}/roll/{member_id}/move",
    official_only(303, api=False),
    body={"to": "{barracks}"},
)

# -- general elections (web/routes/elections.py): `run_election` in the council ----------------
# forge1 holds it in the North (so no deputy may open one instead); the Forge's seats have no
# election open.
case(
    "POST",
    f"{A}/councils/{{council_id}}/elections",
    official_only(201),
    body={"electorate": {"kind": "unit", "id": "{forge}"}},
)

# -- standing orders (web/routes/standing_orders.py) -------------------------------------------
# A deputy of the council proposes a change by motion (a recalled one no longer does).
case(
    "POST",
    f"{A}/councils/{{council_id}}/standing-orders-motions",
    row(403, anonymous=401, deputy=201, official=201),
    body={"changes": {"secret_elections": True}},
)
# A structure change is proposed to the council concerned (here the North, the new unit's) by
# one of its deputies (DESIGN.md 2.10).
case(
    "POST",
    f"{A}/structure-motions",
    row(403, anonymous=401, deputy=201, official=201),
    body={
        "change": {
            "kind": "add_unit",
            "name": "Dockyard",
            "unit_kind": "factory",
            "section": "workers",
            "council": "{north}",
        }
    },
)
# The structure page's forms (web/routes/structure_forms.py): any member sees them; the change
# goes through the same service, so only a deputy of the council concerned proposes it.
case("GET", "/councils/{council_id}/structure", logged_in_page())
case(
    "POST",
    "/councils/{council_id}/structure",
    row(403, anonymous=303, deputy=303, official=303),
    body={
        "kind": "add_unit",
        "name": "Dockyard",
        "unit_kind": "factory",
        "section": "workers",
        "council": "{north}",
    },
)


# -- votes on paper (web/routes/paper.py): the electoral commission of the vote's council ------
# forge1 holds run_election in the North: the Barracks by-election's paper ballots (barracks3
# has not voted) and the Forge petition's paper signatures (forge6 has not signed) are theirs.
case(
    "POST",
    f"{A}/elections/{{election_id}}/paper-ballots",
    official_only(201),
    ids={"election_id": "election"},
    body={"voters": ["barracks3"], "ballots": [{"choices": ["{candidate}"]}]},
)
case(
    "POST",
    f"{A}/recalls/{{petition_id}}/paper-signatures",
    official_only(200),
    body={"members": ["forge6"]},
)
# Who enters a vote's paper sheets (the commission's members by name) is public, as offices are.
case(
    "GET", f"{A}/elections/{{election_id}}/paper-ballots", public(), ids={"election_id": "election"}
)
case("GET", f"{A}/recalls/{{petition_id}}/paper-signatures", public())
# The pages show anyone logged in the counts; the form only to the commission.
case("GET", "/elections/{election_id}/paper", logged_in_page(), ids={"election_id": "election"})
case("GET", "/recalls/{petition_id}/paper", logged_in_page())
case(
    "POST",
    "/elections/{election_id}/paper",
    official_only(200, api=False),
    ids={"election_id": "election"},
    body={"voters": "barracks3", "ballots": "{candidate}"},
)
case(
    "POST",
    "/recalls/{petition_id}/paper",
    official_only(200, api=False),
    body={"members": "forge6"},
)
# The council page's form to open a general election (the API's case above).
case(
    "POST",
    "/councils/{council_id}/elections",
    official_only(303, api=False),
    body={"electorate": "unit:{forge}"},
)

# -- stances by the council's vote (web/routes/stance_motions.py, register.py) ----------------
# A deputy of the council puts a stance to it (a motion); a recalled one no longer does.
case(
    "POST",
    f"{A}/councils/{{council_id}}/stance-motions",
    row(403, anonymous=401, deputy=201, official=201),
    body={"directive_id": "{directive}", "kind": "endorse"},
)
case(
    "POST",
    "/directives/{directive_id}/stance-motions",
    row(403, anonymous=303, deputy=303, official=303),
    body={"council_id": "{north}", "kind": "endorse"},
)

# -- running it -----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_template: Any
) -> Iterator[Template]:
    built = make_template(request.param, tmp_path_factory.mktemp("authz"), pg_template)
    yield built
    drop_template(built)


@pytest.fixture(scope="module", autouse=True)
def one_hash_of_each_password() -> Iterator[None]:
    """The routes that set a password (join, the password forms) hash NEW_PASSWORD at
    production's argon2 cost (~0.1 s of two cores), once for each role allowed, on each copy:
    here a hash of the same password is made once and handed out again (the matrix checks who
    may set one, not its salt; tests/unit/services/test_accounts.py checks hashing)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hash_password", functools.cache(accounts.hash_password))
        yield


def _ids(world: World) -> dict[str, Any]:
    extra = {"member_target": world.members[WHO["member"]], "kind": "motion"}
    return world.ids | world.codes | extra


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    """Body templates: "{key}" becomes the id (a number) of that object."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str) and ":{" in value and value.endswith("}"):  # "unit:{forge}"
        prefix, _, key = value[:-1].partition(":{")
        return f"{prefix}:{ids[key]}"
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def url_of(path: str, spec: dict[str, Any], ids: dict[str, Any]) -> str:
    chosen = DEFAULT_IDS | {"kind": "kind"} | spec.get("ids", {})
    for name in [p.split("}")[0] for p in path.split("{")[1:]]:
        path = path.replace(f"{{{name}}}", str(ids[chosen[name]]))
    return path


def client_for(world: World) -> TestClient:
    app = create_app(world.system)
    app.state.live = Broadcaster(heartbeat=0.05, lifetime=0.1)  # streams end at once here
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def call(client: TestClient, world: World, method: str, path: str, role: str) -> Any:
    spec = MATRIX[(method, path)]
    ids = _ids(world)
    url = url_of(path, spec, ids)
    query = {k: str(_fill(v, ids)) for k, v in spec.get("query", {}).items()}
    body = _fill(spec.get("body"), ids)
    client.cookies.clear()
    if is_api(path):
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {world.api[role]}"}
        kwargs: dict[str, Any] = {"headers": headers, "params": query}
        if method != "GET":
            kwargs["json"] = body if body is not None else None
        return client.request(method, url, **kwargs)
    if role != "anonymous":
        client.cookies.set(SESSION_COOKIE, world.cookie[role])
    if method == "GET":
        return client.get(url, params=query)
    form = {k: str(v) for k, v in (body or {}).items()}
    if path in DOUBLE_SUBMIT:
        client.cookies.set(DOUBLE_SUBMIT[path], LOGIN_CSRF)
        form[CSRF_FIELD] = LOGIN_CSRF
    elif role != "anonymous":
        form[CSRF_FIELD] = world.csrf[role]
    return client.request(method, url, data=form, params=query)


def test_every_route_is_in_the_matrix(template: Template) -> None:
    routes = {(m, p) for m, p, _ in app_routes(create_app(template.world.system))}
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes missing from the authorization matrix: {missing}"
    assert not stale, f"the matrix names routes the app does not have: {stale}"


def _check(got: Any, expected: int, route: tuple[str, str], role: str) -> str | None:
    what = f"{route[0]} {route[1]} as {role}"
    if got.status_code >= 500:
        return f"{what}: {got.status_code} (a server error)"
    if got.status_code != expected:
        return f"{what}: expected {expected}, got {got.status_code} {got.text[:160]!r}"
    login_needed = not is_api(route[1]) and route[1] not in DOUBLE_SUBMIT and route[0] != "GET"
    if expected == 303 and role == "anonymous" and (login_needed or route[1] in LOGIN_PAGES):
        if not got.headers["location"].startswith("/login?next="):
            return f"{what}: redirected to {got.headers['location']}, not to /login"
    return None


@pytest.mark.slow
def test_reads_by_role(template: Template, tmp_path: Path) -> None:
    failures = []
    for world in copy_of(template, tmp_path):
        client = client_for(world)
        for (method, path), spec in MATRIX.items():
            if method != "GET":
                continue
            for role in ROLES:
                got = call(client, world, method, path, role)
                failure = _check(got, spec["expect"][role], (method, path), role)
                if failure:
                    failures.append(failure)
    assert not failures, "\n".join(failures)


def _writes() -> list[tuple[str, str]]:
    return [key for key in MATRIX if key[0] != "GET"]


@pytest.mark.slow
@pytest.mark.parametrize("route", _writes(), ids=lambda r: f"{r[0]} {r[1]}")
def test_writes_by_role(template: Template, tmp_path: Path, route: tuple[str, str]) -> None:
    """Refusals first on one copy (each changes nothing), then every allowed role on a copy of
    its own (the first on the refusals' copy, which they left as it was)."""
    method, path = route
    expect = MATRIX[route]["expect"]
    login_needed = not is_api(path) and path not in DOUBLE_SUBMIT
    refused = [
        r
        for r in ROLES
        if expect[r] >= 400 or (r == "anonymous" and expect[r] == 303 and login_needed)
    ]
    allowed = [r for r in ROLES if r not in refused]
    failures = []
    batches = [refused + allowed[:1]] + [[r] for r in allowed[1:]]
    if template.backend == "postgresql":
        batches = batches[:1]  # a copy costs a CREATE DATABASE: the first allowed role only
    for batch in batches:
        for world in copy_of(template, tmp_path):
            client = client_for(world)
            for role in batch:
                before = audit_size(world.system)
                got = call(client, world, method, path, role)
                failure = _check(got, expect[role], route, role)
                if failure:
                    failures.append(failure)
                if role in refused and audit_size(world.system) != before:
                    failures.append(f"{method} {path} as {role}: refused but the log grew")
    assert not failures, "\n".join(failures)
