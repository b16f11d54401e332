"""The ballot route's fast path (web/ballot_fast_path.py), on SQLite and PostgreSQL: a
well-formed ballot is cast without FastAPI's routing, and every other request is answered
exactly as the FastAPI route answers it (compared with the same app without the fast path),
changing nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import recall_web_support as support
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualpower.services import elections
from dualpower.services.elections import OpenElection
from dualpower.store import tables as t
from dualpower.web import ballot_fast_path
from dualpower.web.app import create_app
from dualpower.web.ballot_fast_path import BallotFastPath
from fixtures_services import open_election

API = "/api/v1"
small_template, fed = support.small_template, support.fed  # fixtures


def _election(fed: Any) -> tuple[int, int]:
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
    election = open_election(fed.system.uow(), OpenElection(forge.id, "plurality"))
    cand = elections.nominate(fed.system.uow(), election, fed.members["forge12"], None, None)
    return election, cand


def _ballots(fed: Any) -> int:
    with fed.system.reader() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(t.ballots)).scalar_one())


def _without_fast_path(fed: Any) -> Any:
    app = create_app(fed.system)
    fast = [route for route in app.router.routes if isinstance(route, BallotFastPath)]
    assert len(fast) == 1
    app.router.routes.remove(fast[0])
    return app


def test_a_well_formed_ballot_is_cast_by_the_fast_path(
    fed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    election, cand = _election(fed)
    calls = []
    cast = ballot_fast_path.api_cast

    async def counted(*args: Any) -> Any:
        calls.append(args[0])
        return await cast(*args)

    monkeypatch.setattr(ballot_fast_path, "api_cast", counted)
    with TestClient(create_app(fed.system)) as client:
        headers = support.bearer(fed.system, fed.members["forge1"])
        answer = client.post(
            f"{API}/elections/{election}/ballots", json={"choices": [cand]}, headers=headers
        )
        assert answer.status_code == 201, answer.text
        assert set(answer.json()) == {"receipt"} and len(answer.json()["receipt"]) >= 16
        assert answer.headers["x-content-type-options"] == "nosniff"  # the app's middleware ran
        again = client.post(
            f"{API}/elections/{election}/ballots", json={"choices": [cand]}, headers=headers
        )
        assert again.status_code == 409 and "already voted" in again.json()["detail"]
    assert calls == [election, election]
    assert _ballots(fed) >= 1


def test_every_other_request_gets_the_fastapi_routes_answer_and_changes_nothing(
    fed: Any,
) -> None:
    election, cand = _election(fed)
    good = support.bearer(fed.system, fed.members["forge2"])["Authorization"]
    body = json.dumps({"choices": [cand]})
    json_type = "application/json"
    cases: list[tuple[str, dict[str, str], str]] = [
        (f"{election}", {"content-type": json_type}, body),  # no token
        (f"{election}", {"authorization": "Basic abc", "content-type": json_type}, body),
        (f"{election}", {"authorization": "Bearer ", "content-type": json_type}, body),
        (f"{election}", {"authorization": "Bearer unknown", "content-type": json_type}, body),
        (f"{election}", {"authorization": good, "content-type": "text/plain"}, body),
        (f"{election}", {"authorization": good}, body),  # no content type
        (f"{election}", {"authorization": good, "content-type": json_type}, "[1]"),
        (f"{election}", {"authorization": good, "content-type": json_type}, "{not json"),
        (
            f"{election}",
            {"authorization": good, "content-type": json_type},
            '{"choices": [1], "x": 1}',
        ),
        (f"{election}", {"authorization": good, "content-type": json_type}, '{"choices": "a"}'),
        (
            f"{election}",
            {"authorization": good, "content-type": json_type},
            json.dumps({"ranking": [cand]}),
        ),
        (
            f"{election}",
            {"authorization": good, "content-type": json_type},
            json.dumps({"choices": [cand + 999]}),
        ),
        ("999999", {"authorization": good, "content-type": json_type}, body),  # no such election
        ("9" * 25, {"authorization": good, "content-type": json_type}, body),  # beyond 64 bits
        ("-1", {"authorization": good, "content-type": json_type}, body),
        (f"{election}/", {"authorization": good, "content-type": json_type}, body),
    ]
    before = _ballots(fed)
    with TestClient(create_app(fed.system)) as fast, TestClient(_without_fast_path(fed)) as plain:
        for path, headers, content in cases:
            url = f"{API}/elections/{path}/ballots"
            answers = [
                client.post(url, content=content, headers=headers, follow_redirects=False)
                for client in (fast, plain)
            ]
            assert answers[0].status_code == answers[1].status_code, (path, headers, content)
            assert answers[0].status_code >= 300, (path, headers, content, answers[0].text)
            assert answers[0].content == answers[1].content, (path, headers, content)
    assert _ballots(fed) == before


def test_the_fast_path_matches_only_its_route() -> None:
    route = BallotFastPath(API, lambda *_: None)  # type: ignore[arg-type,return-value]

    def scope(method: str, path: str, **more: Any) -> dict[str, Any]:
        return {"type": "http", "method": method, "path": path, **more}

    assert route.matches(scope("POST", f"{API}/elections/7/ballots"))[1] == {
        "path_params": {"election_id": 7}
    }
    for refused in (
        scope("GET", f"{API}/elections/7/ballots"),
        scope("POST", f"{API}/elections/7/candidates"),
        scope("POST", "/elections/7/ballots"),  # the page's form, not the API
        scope("POST", f"{API}/elections/x/ballots"),
        scope("POST", f"{API}/elections/7/ballots", **{ballot_fast_path.HANDED_ON: True}),
        {"type": "websocket", "path": f"{API}/elections/7/ballots"},
    ):
        assert route.matches(refused)[0].name == "NONE", refused
