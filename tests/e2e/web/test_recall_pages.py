"""The recall and ballot pages without JavaScript: "recall" beside each deputy on /me, the
petition with sign and withdraw (CSRF on each), ranked ballots with one labelled select per
candidate, recall votes, self-nomination, results by name with the published ballots and a
receipt check, notifications, and the navigation."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
import recall_web_support as support

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import elections, recall
from dualpower.services.elections import OpenElection
from dualpower.web.app import create_app
from factories import PASSWORD
from fixtures_services import cast_many, close_election, open_election

small_template, fed = support.small_template, support.fed  # fixtures


@pytest.fixture
def client(fed) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(fed.system)) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def log_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return csrf_of(client.get("/me").text)


def _forge_deputy(fed):  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        return uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]


def _forge_election(fed, method: str, *, is_secret: bool, nominees: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """An election of the Forge seat with forge{i} of `nominees` standing: its id, candidates."""
    with fed.system.reader() as uow:
        forge = uow.electorates.for_unit(fed.units["Forge"])
    election_id = open_election(
        fed.system.uow(), OpenElection(forge.id, method, is_secret=is_secret)
    )
    ids = [
        elections.nominate(fed.system.uow(), election_id, fed.members[f"forge{i}"], None, None)
        for i in nominees
    ]
    return election_id, ids


def test_recall_button_on_me_opens_the_petition(client, fed) -> None:
    csrf = log_in(client, "forge5")
    me = client.get("/me").text
    mandate = _forge_deputy(fed)
    # A link to a confirmation step (issue 25), whose form opens the petition.
    assert f'href="/mandates/{mandate.id}/recall"' in me
    assert 'aria-label="Recall Forge Member 1">Recall</a>' in me
    confirm = client.get(f"/mandates/{mandate.id}/recall").text
    assert f'name="mandate_id" value="{mandate.id}"' in confirm and "Open the petition" in confirm
    with fed.system.uow() as uow:
        assert uow.recalls.list() == []  # nothing opened by the link alone
    r = client.post("/recalls", data={"mandate_id": mandate.id}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    r = client.post(
        "/recalls", data={"mandate_id": mandate.id, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/recalls/")
    page = client.get(r.headers["location"]).text
    assert "Recall Forge Member 1" in page and "North Council" in page
    assert re.search(
        r'data-field="signatures">0</strong> of\s*<span data-field="threshold">7', page
    )
    assert "/api/v1/recalls/" in page and 'src="/static/live.js"' in page
    # /me now links to the open petition instead of offering a second one.
    assert "Recall petition open" in client.get("/me").text


def test_sign_and_withdraw_on_the_petition_page(client, fed) -> None:
    mandate = _forge_deputy(fed)
    petition = recall.open_recall(fed.system.uow(), mandate.id, fed.members["forge2"])
    url = f"/recalls/{petition.id}"
    csrf = log_in(client, "forge6")
    assert f'action="{url}/sign"' in client.get(url).text
    assert client.post(f"{url}/sign", data={}, follow_redirects=False).status_code == 403
    assert recall.petition_state(fed.system.reader(), petition.id).signatures == 0
    r = client.post(f"{url}/sign", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url
    page = client.get(url).text
    assert "You have signed this petition." in page and f'action="{url}/withdraw"' in page
    again = client.post(f"{url}/sign", data={"csrf_token": csrf})
    assert again.status_code == 409 and "You have already signed this petition." in again.text
    client.post(f"{url}/withdraw", data={"csrf_token": csrf})
    assert recall.petition_state(fed.system.reader(), petition.id).signatures == 0
    log_in(client, "mill1")
    assert "you are not one of them" in client.get(url).text
    client.cookies.clear()
    assert f"/login?next={url}" in client.get(url).text
    assert client.get("/recalls").status_code == 200
    assert "Recall Forge Member 1" in client.get("/recalls").text
    assert client.get("/recalls/999999").status_code == 404


def test_ranked_ballot_has_one_labelled_select_per_candidate(client, fed) -> None:
    election_id, ids = _forge_election(fed, "stv-scottish", is_secret=True, nominees=(4, 5, 6))
    csrf = log_in(client, "forge7")
    page = client.get(f"/elections/{election_id}").text
    for cid, who in zip(ids, (4, 5, 6), strict=True):
        assert re.search(
            rf'<label for="rank-{cid}">Forge Member {who} .*?</label>\s*'
            rf'<select id="rank-{cid}" name="rank_{cid}">',
            page,
            re.S,
        )
    assert "1st choice" in page and "3rd choice" in page
    url = f"/elections/{election_id}/ballot"
    clash = {f"rank_{ids[0]}": "1", f"rank_{ids[1]}": "1", "csrf_token": csrf}
    r = client.post(url, data=clash)
    assert r.status_code == 422 and "Two candidates share choice 1" in r.text
    r = client.post(
        url,
        data={
            f"rank_{ids[2]}": "1",
            f"rank_{ids[0]}": "2",
            f"rank_{ids[1]}": "",
            "csrf_token": csrf,
        },
    )
    assert r.status_code == 200 and "Your ballot was counted" in r.text
    with fed.system.reader() as uow:
        assert uow.elections.ballot_choices(election_id) == [[ids[2], ids[0]]]
    turnout = client.get(f"/elections/{election_id}").text
    assert re.search(
        r'data-field="voted">1</strong> of <span data-field="electorate_size">12', turnout
    )


def test_closed_secret_election_publishes_ballots_and_finds_a_receipt(client, fed) -> None:
    election_id, ids = _forge_election(fed, "stv-scottish", is_secret=True, nominees=(4, 5, 6))
    receipts = cast_many(
        fed.system.uow(),
        election_id,
        [(fed.members[f"forge{i}"], [ids[i % 3], ids[(i + 1) % 3]]) for i in range(1, 10)],
    )
    close_election(fed.system.uow(), election_id)
    page = client.get(f"/elections/{election_id}").text
    assert "Round 1" in page and "Every ballot" in page
    assert '<th scope="col">Voter</th>' not in page  # a secret ballot names no voter
    for receipt in receipts:
        assert f"<code>{receipt}</code>" in page
    captions = re.findall(r"<caption>(.*?)</caption>", page, re.S)
    assert captions and all(
        not re.search(rf"\b{cid}\b (elected|excluded)", c) for c in captions for cid in ids
    )
    assert any("Forge Member" in c for c in captions)
    found = client.post(f"/elections/{election_id}/receipt", data={"receipt": receipts[0]})
    assert found.status_code == 200 and "was counted as Forge Member" in found.text
    missing = client.post(f"/elections/{election_id}/receipt", data={"receipt": "nope"})
    assert "No published ballot has the receipt" in missing.text
    assert receipts[0] not in str(found.url)


def test_closed_open_ballot_election_names_each_voter(client, fed) -> None:
    election_id, ids = _forge_election(fed, "block", is_secret=False, nominees=(4, 5))
    receipts = cast_many(
        fed.system.uow(),
        election_id,
        [(fed.members["forge7"], [ids[0]]), (fed.members["forge8"], [ids[1]])],
    )
    close_election(fed.system.uow(), election_id)
    log_in(client, "forge3")  # the voters' names are for the unit concerned (DESIGN.md 2.11)
    page = client.get(f"/elections/{election_id}").text
    assert "each with its voter" in page
    rows = re.findall(r"<tr[^>]*><td><code>(\w+)</code></td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert sorted(rows) == sorted(
        [
            (receipts[0], "Forge Member 7", "Forge Member 4"),
            (receipts[1], "Forge Member 8", "Forge Member 5"),
        ]
    )


def test_recall_vote_page_has_yes_no_and_by_election_takes_self_nomination(client, fed) -> None:
    with fed.system.reader() as uow:
        mill = uow.electorates.for_unit(fed.units["Mill"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == mill.id)[0]
    mill_ids = [fed.members[f"mill{i}"] for i in range(1, 13)]
    petition = recall.open_recall(fed.system.uow(), mandate.id, mill_ids[0])
    state = recall.sign_many(fed.system.uow(), petition.id, mill_ids[:3])
    csrf = log_in(client, "mill5")
    vote = f"/elections/{state.vote_election_id}"
    page = client.get(vote).text
    with fed.system.reader() as uow:
        holder = uow.members.get(mandate.holder_id).display_name
    assert f"Recall vote: {holder}" in page
    assert 'type="radio" name="choice" value="1"' in page and "No: keep" in page
    assert "Stand as a candidate" not in page
    r = client.post(f"{vote}/ballot", data={"choice": "1", "csrf_token": csrf})
    assert r.status_code == 200 and "Your ballot was counted" in r.text
    for voter in mill_ids[5:9]:
        elections.cast_ballot(fed.system.uow(), state.vote_election_id, voter, [1])
    assert recall.close_recall_vote(fed.system.uow(), state.vote_election_id) == "recalled"
    closed = client.get(vote).text
    assert "5</strong> to recall" in closed and "was recalled" in closed
    by_id = recall.petition_state(fed.system.reader(), petition.id).by_election_id
    by = f"/elections/{by_id}"
    assert "Stand as a candidate" in client.get(by).text
    r = client.post(
        f"{by}/candidates",
        data={"faction_id": str(fed.factions["R"]), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(by).text
    assert "You are a candidate in this election." in page and "Mill Member 5" in page


def test_notifications_page_and_nav(client, fed) -> None:
    mandate = _forge_deputy(fed)
    petition = recall.open_recall(fed.system.uow(), mandate.id, fed.members["forge2"])
    assert client.get("/notifications", follow_redirects=False).status_code == 303
    log_in(client, "forge9")
    page = client.get("/notifications").text
    assert f'href="/recalls/{petition.id}"' in page and "New:" in page
    assert "New:" in client.get("/notifications").text, "reading does not mark read"
    client.post("/notifications/read", data={"csrf_token": csrf_of(page)})
    assert "New:" not in client.get("/notifications").text
    for link in ("/pay", "/alignment", "/directives", "/tour", "/recalls", "/notifications"):
        assert f'href="{link}"' in page
