"""The page form that puts a motion, and secret votes on the pages (DESIGN.md 2.8, 2.11; issue 22),
on both databases.

A member of the Forge finds the form on their unit's page, a deputy of the North Council on its
sessions page. The form offers a secret ballot only where standing orders allow secret votes;
a secret ballot asked for where they do not is refused and nothing is put. A secret motion's page
shows no running tally while its vote is open, to its voters or anyone else, and every ballot with
its receipt once the vote is closed.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services.accounts import _issue
from dualpower.store import tables_sessions as ts
from dualpower.web.app import create_app
from dualpower.web.deps import SESSION_COOKIE
from factories import Small, close_vote_in_time, username
from sessions_helpers import adopt_orders, deputies

NORTH = "North Council"
SECRET_BOX = 'name="is_secret"'
TALLY = re.compile(r"yes \d+, no \d+, abstain \d+")


@pytest.fixture
def client(federation: Small) -> Iterator[TestClient]:
    with TestClient(create_app(federation.system), follow_redirects=False) as c:
        yield c


def _as(client: TestClient, fed: Small, member_id: int | None) -> str:
    """Sign the client in as the member (a page session, issued as a login would); returns the
    session's CSRF token. None: anonymous."""
    client.cookies.clear()
    if member_id is None:
        return ""
    with fed.system.uow() as uow:
        member = uow.members.get(member_id)
        assert member is not None
        issued = _issue(uow, member, "session")
        uow.commit()
    client.cookies.set(SESSION_COOKIE, issued.token)
    return issued.csrf_token


def _forge(fed: Small, i: int) -> int:
    return fed.members[username("Forge", i)]


def _count_motions(fed: Small) -> int:
    with fed.system.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ts.motions)).scalar_one())


def _put(client: TestClient, csrf: str, place: dict[str, int], **extra: str) -> object:
    form = {"csrf_token": csrf, "title": "Strike fund", "text": "Levy 1 %.", **place, **extra}
    return client.post("/motions", data=form)


def test_the_form_offers_a_secret_ballot_only_where_standing_orders_allow(
    federation: Small, client: TestClient
) -> None:
    fed = federation
    forge = fed.units["Forge"]
    unit_page = f"/units/{forge}"
    _as(client, fed, None)
    assert 'action="/motions"' not in client.get(unit_page).text  # the public: no form
    csrf = _as(client, fed, _forge(fed, 4))
    page = client.get(unit_page).text
    assert 'action="/motions"' in page and SECRET_BOX not in page
    before = _count_motions(fed)
    refused = _put(client, csrf, {"unit_id": forge}, is_secret="1")
    assert refused.status_code == 403 and "do not allow secret votes" in refused.text  # type: ignore[attr-defined]
    assert _count_motions(fed) == before
    _as(client, fed, fed.members[username("Mill", 4)])  # a member of another unit: no form here
    assert 'action="/motions"' not in client.get(unit_page).text
    adopt_orders(fed, NORTH, allows_secret_votes=True)
    _as(client, fed, _forge(fed, 4))
    assert SECRET_BOX in client.get(unit_page).text
    council = fed.councils[NORTH]
    deputy = deputies(fed, NORTH)[0]
    csrf = _as(client, fed, deputy)
    sessions_page = client.get(f"/councils/{council}/sessions").text
    assert 'action="/motions"' in sessions_page and SECRET_BOX in sessions_page
    put = _put(client, csrf, {"council_id": council}, is_secret="1", majority="absolute")
    assert put.status_code == 303, put.text  # type: ignore[attr-defined]
    motion = int(put.headers["location"].rsplit("/", 1)[1])  # type: ignore[attr-defined]
    with fed.system.engine.connect() as conn:
        row = conn.execute(select(ts.motions).where(ts.motions.c.id == motion)).one()
    assert (row.is_secret, row.council_id, row.author_id, row.majority) == (
        True,
        council,
        deputy,
        "absolute",
    )
    non_deputy = next(
        m for m in (_forge(fed, i) for i in range(1, 13)) if m not in deputies(fed, NORTH)
    )
    _as(client, fed, non_deputy)  # not a deputy: no form on the council's page
    assert 'action="/motions"' not in client.get(f"/councils/{council}/sessions").text


def test_a_secret_motion_page_shows_no_running_tally(federation: Small, client: TestClient) -> None:
    fed = federation
    adopt_orders(fed, NORTH, allows_secret_votes=True)
    forge = fed.units["Forge"]
    csrf = _as(client, fed, _forge(fed, 1))
    put = _put(client, csrf, {"unit_id": forge}, is_secret="1")
    assert put.status_code == 303, put.text  # type: ignore[attr-defined]
    where = put.headers["location"]  # type: ignore[attr-defined]
    motion = int(where.rsplit("/", 1)[1])
    page = client.get(where).text
    assert "secret vote" in page and TALLY.search(page) is None
    called = client.post(f"{where}/call", data={"csrf_token": csrf})
    assert called.status_code == 303, called.text
    for i, position in ((1, "yes"), (2, "yes"), (3, "no")):
        token = _as(client, fed, _forge(fed, i))
        voted = client.post(f"{where}/vote", data={"csrf_token": token, "position": position})
        assert voted.status_code == 303, voted.text
        page = client.get(where).text
        assert "You have voted on this motion." in page
        assert TALLY.search(page) is None, "a running tally on a secret vote's page"
        assert "nothing is counted in public until the vote closes" in page
    for reader in (None, _forge(fed, 4), fed.members[username("Mill", 4)]):
        _as(client, fed, reader)
        assert TALLY.search(client.get(where).text) is None
    close_vote_in_time(fed.system, motion, _forge(fed, 1))
    _as(client, fed, None)
    closed = client.get(where).text
    assert "yes 2, no 1, abstain 0" in closed
    with fed.system.engine.connect() as conn:
        mb = ts.motion_ballots
        receipts = list(
            conn.execute(select(mb.c.receipt).where(mb.c.motion_id == motion)).scalars()
        )
    assert len(receipts) == 3 and all(r in closed for r in receipts)  # published at the close
