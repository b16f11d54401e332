"""The recall and ballot API of DESIGN.md 4.1 on both databases: petitions opened, signed and
withdrawn; each refusal a clear 4xx that changes nothing; a recalled deputy's session losing
its powers on its very next request; self-nomination; notifications."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import recall_web_support as support

from dualpower.services import elections, recall
from dualpower.services.elections import OpenElection
from dualpower.store.tables import audit_log
from dualpower.web.app import create_app
from factories import username
from fixtures_services import close_election, open_election

API = "/api/v1"
bearer = support.bearer
small_template, fed = support.small_template, support.fed  # fixtures


@pytest.fixture
def client(fed) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(fed.system), raise_server_exceptions=False) as c:
        yield c


def _member(fed, unit: str, i: int) -> int:  # type: ignore[no-untyped-def]
    return int(fed.members[username(unit, i)])


def _as(fed, unit: str, i: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return bearer(fed.system, _member(fed, unit, i))


def _deputy_of(fed, unit: str):  # type: ignore[no-untyped-def]
    """The first active mandate the unit elects."""
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units[unit])
        return uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]


def _acts(fed, act: str) -> int:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.act == act)
        return int(uow.conn.execute(query).scalar_one())


def test_open_sign_withdraw_answer_the_petition(client, fed) -> None:
    mandate = _deputy_of(fed, "Forge")
    r = client.post(f"{API}/recalls", json={"mandate_id": mandate.id}, headers=_as(fed, "Forge", 2))
    assert r.status_code == 201, r.text
    petition = r.json()
    assert {"id", "status", "signatures", "threshold"} <= set(petition)
    assert (petition["status"], petition["signatures"], petition["threshold"]) == ("open", 0, 7)
    assert petition["mandate_id"] == mandate.id
    url = f"{API}/recalls/{petition['id']}"
    assert client.get(url).json() == petition

    signed = client.post(f"{url}/signatures", headers=_as(fed, "Forge", 2))
    assert signed.status_code == 200 and signed.json()["signatures"] == 1
    client.post(f"{url}/signatures", headers=_as(fed, "Forge", 3))
    withdrawn = client.delete(f"{url}/signatures", headers=_as(fed, "Forge", 2))
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["signatures"], withdrawn.json()["status"]) == (1, "open")
    assert client.get(url).json()["signatures"] == 1


def test_the_deciding_signature_recalls_and_opens_a_by_election(client, fed) -> None:
    mandate = _deputy_of(fed, "Forge")
    petition = recall.open_recall(fed.system.uow(), mandate.id, _member(fed, "Forge", 1))
    recall.sign_many(fed.system.uow(), petition.id, [_member(fed, "Forge", i) for i in range(1, 7)])
    r = client.post(f"{API}/recalls/{petition.id}/signatures", headers=_as(fed, "Forge", 7))
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["signatures"], body["threshold"]) == ("recalled", 7, 7)
    by = client.get(f"{API}/elections/{body['by_election_id']}").json()
    assert (by["status"], by["seats"], by["electorate"]) == (
        "open",
        1,
        {"kind": "unit", "id": fed.units["Forge"]},
    )
    ended = client.get(f"{API}/mandates/{mandate.id}").json()
    assert (ended["is_active"], ended["end_reason"]) == (False, "recalled")


def test_the_list_of_petitions_newest_first_by_status(client, fed) -> None:
    assert client.get(f"{API}/recalls").json() == []
    forge, mill = _deputy_of(fed, "Forge"), _deputy_of(fed, "Mill")
    decided = recall.open_recall(fed.system.uow(), forge.id, _member(fed, "Forge", 1))
    recall.sign_many(fed.system.uow(), decided.id, [_member(fed, "Forge", i) for i in range(1, 8)])
    still = recall.open_recall(fed.system.uow(), mill.id, _member(fed, "Mill", 1))

    listed = client.get(f"{API}/recalls")
    assert listed.status_code == 200
    assert [(p["id"], p["status"]) for p in listed.json()] == [
        (still.id, "open"),
        (decided.id, "recalled"),
    ]
    first = listed.json()[0]
    assert (first["mandate_id"], first["office_term_id"]) == (mill.id, None)
    assert (first["holder_id"], first["council_id"]) == (mill.holder_id, mill.council_id)
    assert first["holder_name"] and first["opened_at"]
    opened = client.get(f"{API}/recalls", params={"status": "open"}).json()
    assert [p["id"] for p in opened] == [still.id]
    recalled = client.get(f"{API}/recalls", params={"status": "recalled"}).json()
    assert [p["id"] for p in recalled] == [decided.id]
    assert client.get(f"{API}/recalls", params={"status": "vote_open"}).json() == []
    _refused(client.get(f"{API}/recalls", params={"status": "closed"}), 422, "status")


def _refused(r, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert set(r.json()) == {"detail"} and words in r.json()["detail"]


def test_refusals_are_clear_and_change_nothing(client, fed) -> None:
    mandate = _deputy_of(fed, "Forge")
    forge2 = _as(fed, "Forge", 2)
    _refused(client.post(f"{API}/recalls", json={"mandate_id": mandate.id}), 401, "log in")
    _refused(
        client.post(f"{API}/recalls", json={"mandate_id": 10**6}, headers=forge2),
        404,
        "no mandate",
    )
    _refused(
        client.post(f"{API}/recalls", json={"mandate_id": mandate.id}, headers=_as(fed, "Mill", 1)),
        403,
        "only electors",
    )
    _refused(client.post(f"{API}/recalls", json={}, headers=forge2), 422, "mandate_id")
    petition = client.post(f"{API}/recalls", json={"mandate_id": mandate.id}, headers=forge2).json()
    url = f"{API}/recalls/{petition['id']}"
    _refused(
        client.post(
            f"{API}/recalls", json={"mandate_id": mandate.id}, headers=_as(fed, "Forge", 3)
        ),
        409,
        f"petition {petition['id']}",
    )
    assert client.post(f"{url}/signatures", headers=forge2).status_code == 200
    before = client.get(url).json()
    _refused(client.post(f"{url}/signatures", headers=forge2), 409, "already signed")
    _refused(client.post(f"{url}/signatures", headers=_as(fed, "Mill", 1)), 403, "only electors")
    _refused(client.delete(f"{url}/signatures", headers=_as(fed, "Forge", 5)), 409, "not signed")
    _refused(client.post(f"{API}/recalls/999999/signatures", headers=forge2), 404, "no recall")
    _refused(client.get(f"{API}/recalls/999999"), 404, "no recall petition 999999")
    _refused(client.post(f"{url}/signatures"), 401, "log in")
    assert client.get(url).json() == before
    with fed.system.reader() as uow:
        assert uow.recalls.signers(petition["id"]) == {_member(fed, "Forge", 2)}
    assert _acts(fed, "recall.sign") == 1


def test_a_decided_petition_takes_no_more_signatures(client, fed) -> None:
    mandate = _deputy_of(fed, "Forge")
    petition = recall.open_recall(fed.system.uow(), mandate.id, _member(fed, "Forge", 1))
    recall.sign_many(fed.system.uow(), petition.id, [_member(fed, "Forge", i) for i in range(1, 8)])
    url = f"{API}/recalls/{petition.id}"
    _refused(client.post(f"{url}/signatures", headers=_as(fed, "Forge", 9)), 409, "decided")
    _refused(client.delete(f"{url}/signatures", headers=_as(fed, "Forge", 1)), 409, "decided")
    state = client.get(url).json()
    assert (state["status"], state["signatures"]) == ("recalled", 7)
    assert _acts(fed, "recall.decide") == 1 and _acts(fed, "recall.withdraw") == 0


def test_recall_by_vote_through_the_api(client, fed) -> None:
    """South Council recalls by vote: 3 of Mill's 12 open the vote; yes/no ballots decide."""
    mandate = _deputy_of(fed, "Mill")
    opened = client.post(
        f"{API}/recalls", json={"mandate_id": mandate.id}, headers=_as(fed, "Mill", 1)
    ).json()
    url = f"{API}/recalls/{opened['id']}/signatures"
    for i in (1, 2, 3):
        state = client.post(url, headers=_as(fed, "Mill", i)).json()
    assert state["status"] == "vote_open" and state["vote_election_id"]
    _refused(client.post(url, headers=_as(fed, "Mill", 4)), 409, "recall vote is under way")
    vote = f"{API}/elections/{state['vote_election_id']}"
    detail = client.get(vote).json()
    assert (detail["method"], detail["is_secret"], detail["status"]) == ("referendum", True, "open")
    for i in range(1, 8):
        r = client.post(f"{vote}/ballots", json={"choices": [1]}, headers=_as(fed, "Mill", i))
        assert r.status_code == 201 and r.json()["receipt"]
    for i in range(8, 11):
        client.post(f"{vote}/ballots", json={"choices": [0]}, headers=_as(fed, "Mill", i))
    bad = client.post(f"{vote}/ballots", json={"choices": [2]}, headers=_as(fed, "Mill", 11))
    _refused(bad, 422, "[1] to recall or [0] to keep")
    _refused(
        client.post(f"{vote}/candidates", json={}, headers=_as(fed, "Mill", 11)),
        422,
        "no candidates",
    )
    assert recall.close_recall_vote(fed.system.uow(), state["vote_election_id"]) == "recalled"
    result = client.get(f"{vote}/result").json()
    assert (result["yes"], result["no"], result["ballots"]) == (7, 3, 10)
    final = client.get(f"{API}/recalls/{opened['id']}").json()
    assert final["status"] == "recalled" and final["by_election_id"]


def test_a_recalled_deputy_loses_its_powers_on_its_next_request(client, fed) -> None:
    """A North deputy may sign a petition against a North delegate to the chief council (the
    North deputies elect those seats); once recalled, the same token is refused at once."""
    north, chief = fed.councils["North Council"], fed.councils["Chief Council"]
    with fed.system.reader() as uow:
        deputies = uow.mandates.active_in_council(north)
        delegates = uow.mandates.active_in_council(chief)
        from_north = [d for d in delegates if d.depends_on_id in {m.id for m in deputies}]
        target = from_north[0]
        plain = next(m for m in deputies if m.id not in {d.depends_on_id for d in from_north})
    headers = bearer(fed.system, plain.holder_id)  # the session it holds before the recall
    upper = recall.open_recall(fed.system.uow(), target.id, plain.holder_id)
    me = client.get(f"{API}/me", headers=headers).json()
    assert plain.id in [m["id"] for m in me["mandates"]]

    # The deputy's own electors recall it (direct: a majority of its unit).
    with fed.system.reader() as uow:
        unit_id = uow.electorates.get(plain.electorate_id).unit_id
        electors = sorted(m.id for m in uow.members.of_unit(unit_id))
    petition = recall.open_recall(fed.system.uow(), plain.id, electors[0])
    majority = electors[: len(electors) // 2 + 1]
    assert recall.sign_many(fed.system.uow(), petition.id, majority).status == "recalled"

    r = client.post(f"{API}/recalls/{upper.id}/signatures", headers=headers)
    _refused(r, 403, "only electors")
    assert recall.petition_state(fed.system.reader(), upper.id).signatures == 0
    assert client.get(f"{API}/me", headers=headers).json()["mandates"] == []
    # Nor may it stand or vote in the by-election the chief council may hold for North's seats.
    by = open_election(
        fed.system.uow(), OpenElection(target.electorate_id, "plurality", kind="by", seat_no=9)
    )
    _refused(
        client.post(f"{API}/elections/{by}/candidates", json={}, headers=headers),
        403,
        "one of the electors",
    )


def _open_stv(
    fed, *, closes_in: timedelta | None = None, is_secret: bool = True
) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
    closes_at = fed.system.clock() + closes_in if closes_in is not None else None
    election_id = open_election(
        fed.system.uow(),
        OpenElection(electorate.id, "stv-scottish", is_secret=is_secret, closes_at=closes_at),
    )
    candidates = [
        elections.nominate(fed.system.uow(), election_id, _member(fed, "Forge", i), None, None)
        for i in (4, 5, 6)
    ]
    return election_id, candidates


def _voted(fed, election_id: int) -> int:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        return len(uow.elections.ballot_choices(election_id))


def test_ballot_refusals_change_nothing(client, fed) -> None:
    election_id, candidates = _open_stv(fed)
    url = f"{API}/elections/{election_id}/ballots"
    forge7 = _as(fed, "Forge", 7)
    _refused(
        client.post(url, json={"ranking": [candidates[0], 10**6]}, headers=forge7),
        422,
        "not a candidate",
    )
    _refused(client.post(url, json={"ranking": [candidates[0]] * 2}, headers=forge7), 422, "twice")
    _refused(client.post(url, json={"choices": candidates}, headers=forge7), 422, "ranking")
    _refused(
        client.post(url, json={"ranking": candidates}, headers=_as(fed, "Mill", 1)),
        403,
        "not an elector",
    )
    _refused(
        client.post(f"{API}/elections/999999/ballots", json={"ranking": [1]}, headers=forge7),
        404,
        "no election",
    )
    assert _voted(fed, election_id) == 0
    ok = client.post(url, json={"ranking": candidates[::-1]}, headers=forge7)
    assert ok.status_code == 201
    _refused(client.post(url, json={"ranking": candidates}, headers=forge7), 409, "already voted")
    assert _voted(fed, election_id) == 1


@pytest.mark.parametrize("is_secret", [True, False], ids=["secret", "open"])
def test_the_ballots_are_published_at_the_close(client, fed, is_secret: bool) -> None:
    election_id, candidates = _open_stv(fed, is_secret=is_secret)
    url = f"{API}/elections/{election_id}/ballots"
    cast = {
        i: client.post(url, json={"ranking": ranking}, headers=_as(fed, "Forge", i)).json()
        for i, ranking in ((7, candidates), (8, candidates[::-1]), (9, candidates[:1]))
    }
    _refused(client.get(url), 409, "published when it closes")
    close_election(fed.system.uow(), election_id)

    published = client.get(url, headers=_as(fed, "Forge", 3))  # voters' names: the unit's (2.11)
    assert published.status_code == 200
    ballots = published.json()
    assert [b["receipt"] for b in ballots] == sorted(c["receipt"] for c in cast.values())
    by_receipt = {b["receipt"]: b for b in ballots}
    names = {
        c["id"]: c["name"]
        for c in client.get(f"{API}/elections/{election_id}").json()["candidates"]
    }
    for i, ranking in ((7, candidates), (8, candidates[::-1]), (9, candidates[:1])):
        mine = by_receipt[cast[i]["receipt"]]
        assert mine["choices"] == ranking
        assert mine["named"] == [names[c] for c in ranking]
        if is_secret:  # nothing links a secret ballot to its voter
            assert (mine["voter_id"], mine["voter_name"]) == (None, None)
        else:  # how each elector voted is known to the federation's members
            assert (mine["voter_id"], mine["voter_name"]) == (
                _member(fed, "Forge", i),
                f"Forge Member {i}",
            )
    _refused(client.get(f"{API}/elections/999999/ballots"), 404, "no election")


def test_voting_after_the_window_is_refused(client, fed) -> None:
    election_id, candidates = _open_stv(fed, closes_in=timedelta(seconds=-1))
    r = client.post(
        f"{API}/elections/{election_id}/ballots",
        json={"ranking": candidates},
        headers=_as(fed, "Forge", 7),
    )
    _refused(r, 409, "voting closed at")
    assert _voted(fed, election_id) == 0
    with fed.system.reader() as uow:
        assert not uow.elections.has_participated(election_id, _member(fed, "Forge", 7))


def test_self_nomination(client, fed) -> None:
    election_id, _ = _open_stv(fed)
    url = f"{API}/elections/{election_id}/candidates"
    forge8 = _as(fed, "Forge", 8)
    r = client.post(url, json={"faction_id": fed.factions["G"]}, headers=forge8)
    assert r.status_code == 201 and isinstance(r.json()["id"], int)
    names = {
        c["name"]: c["faction"]
        for c in client.get(f"{API}/elections/{election_id}").json()["candidates"]
    }
    assert names["Forge Member 8"] == "Greens"
    _refused(client.post(url, json={}, headers=forge8), 409, "already a candidate")
    _refused(client.post(url, json={}, headers=_as(fed, "Mill", 2)), 403, "one of the electors")
    _refused(
        client.post(url, json={"faction_id": 10**6}, headers=_as(fed, "Forge", 9)),
        422,
        "no faction",
    )
    _refused(client.post(url, json={}), 401, "log in")
    assert len(client.get(f"{API}/elections/{election_id}").json()["candidates"]) == 4


def test_notifications_for_the_caller(client, fed) -> None:
    _refused(client.get(f"{API}/notifications"), 401, "log in")
    mandate = _deputy_of(fed, "Forge")
    petition = recall.open_recall(fed.system.uow(), mandate.id, _member(fed, "Forge", 1))
    forge9 = _as(fed, "Forge", 9)
    first = client.get(f"{API}/notifications", headers=forge9).json()
    assert [(n["kind"], n["link"], n["is_read"]) for n in first] == [
        ("recall_opened", f"/recalls/{petition.id}", False)
    ]
    assert client.get(f"{API}/notifications", headers=forge9).json()[0]["is_read"] is False
    up_to = {"up_to": first[0]["id"]}
    marked = client.post(f"{API}/notifications/read", json=up_to, headers=forge9)
    assert marked.json() == {"marked": 1}
    assert client.get(f"{API}/notifications", headers=forge9).json()[0]["is_read"] is True
    assert client.get(f"{API}/notifications", headers=_as(fed, "Mill", 1)).json() == []
