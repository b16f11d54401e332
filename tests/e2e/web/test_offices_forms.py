"""The officials' acts as page forms, without JavaScript (DESIGN.md 2.4, 4): on the council's
offices page each act its caller may do has a labelled form; it posts with the CSRF token and
redirects back with a message, or answers the page again with the refusal (4xx, nothing
changed). Stipends: a deputy's form drafts a motion; only its adoption sets the stipend."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import offices
from dualpower.services.elections import cast_ballot
from dualpower.store.tables import audit_log
from dualpower.web.app import create_app
from factories import PASSWORD, close_nominations, username
from offices_support import WAGE_MEDIAN, Offices, setup_offices


@pytest.fixture
def o(system, federation) -> Offices:  # type: ignore[no-untyped-def]
    return setup_offices(federation)


@pytest.fixture
def client(system, o) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system), raise_server_exceptions=False) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def log_in(client: TestClient, o: Offices, member_id: int) -> str:
    name = next(u for u, i in o.fed.members.items() if i == member_id)
    client.cookies.clear()
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return csrf_of(client.get("/me").text)


def _log_size(o: Offices) -> int:
    with o.fed.system.uow() as uow:
        return int(uow.conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


class _Forms(HTMLParser):
    """Form actions, and every input's id against the labels' `for`."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []
        self.fields: list[str | None] = []
        self.labelled: set[str] = set()
        self.in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("action") != "/logout":
            self.actions.append(a.get("action") or "")
        elif tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labelled.add(a["for"] or "")
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append("(in a label)" if self.in_label else a.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


def forms(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    unlabelled = [f for f in parser.fields if f != "(in a label)" and f not in parser.labelled]
    assert not unlabelled, f"fields without a label: {unlabelled}"
    return parser


def _page(o: Offices) -> str:
    return f"/councils/{o.fed.councils['North Council']}/offices"


def test_each_role_sees_the_forms_of_its_own_acts(client, o) -> None:
    page = _page(o)
    assert forms(client.get(page).text).actions == []  # the public page: no forms
    log_in(client, o, o.fed.members[username("Forge", 9)])
    assert forms(client.get(page).text).actions == []  # a member: no act here
    log_in(client, o, o.holder["credentials committee"])
    actions = set(forms(client.get(page).text).actions)
    north = o.fed.councils["North Council"]
    assert {f"/councils/{north}/wages", f"/councils/{north}/verifications"} <= actions
    assert f"/councils/{north}/stipend-motions" in actions  # a deputy
    assert f"/councils/{north}/office-elections" not in actions  # no run_election
    log_in(client, o, o.holder["electoral commission"])
    actions = set(forms(client.get(page).text).actions)
    assert f"/councils/{north}/office-elections" in actions
    assert f"/councils/{north}/wages" not in actions


def test_a_stipend_form_drafts_a_motion_and_only_the_adoption_sets_it(client, o) -> None:
    csrf = log_in(client, o, o.holder["credentials committee"])
    north, chair = o.fed.councils["North Council"], o.office["chair"]
    r = client.post(
        f"/councils/{north}/stipend-motions",
        data={"office_id": str(chair), "amount": "100", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith(f"/councils/{north}/offices?done=stipend&ref=")
    motion = int(location.split("ref=")[1].split("#")[0])
    shown = client.get(location).text
    assert 'role="status"' in shown and f'href="/motions/{motion}"' in shown
    with o.fed.system.uow() as uow:
        assert uow.offices.get(chair).stipend == WAGE_MEDIAN  # not yet
        assert uow.motions.get(motion).council_id == north


def test_refused_forms_answer_the_page_with_the_reason_and_change_nothing(client, o) -> None:
    north = o.fed.councils["North Council"]
    before = _log_size(o)
    csrf = log_in(client, o, o.holder["chair"])
    r = client.post(
        f"/councils/{north}/stipend-motions",
        data={
            "office_id": str(o.office["chair"]),
            "amount": str(WAGE_MEDIAN + 1),
            "csrf_token": csrf,
        },
    )
    assert r.status_code == 422 and "above the cap" in r.text and 'role="alert"' in r.text
    r = client.post(
        f"/councils/{north}/wages",
        data={"unit_id": str(o.fed.units["Forge"]), "wages": "forge1 10", "csrf_token": csrf},
    )
    assert r.status_code == 403 and "report wages" in r.text  # the chair has no such capability
    csrf = log_in(client, o, o.holder["credentials committee"])
    r = client.post(
        f"/councils/{north}/wages",
        data={"unit_id": str(o.fed.units["Forge"]), "wages": "forge1 ten", "csrf_token": csrf},
    )
    assert r.status_code == 422 and "Line 1" in r.text
    r = client.post(
        f"/councils/{north}/verifications",
        data={"username": "nobody-at-all", "csrf_token": csrf},
    )
    assert r.status_code == 422 and "no member" in r.text
    member = log_in(client, o, o.fed.members[username("Forge", 9)])
    r = client.post(
        f"/councils/{north}/stipend-motions",
        data={"office_id": str(o.office["chair"]), "amount": "1", "csrf_token": member},
    )
    assert r.status_code == 403 and "deputies" in r.text
    assert _log_size(o) == before


def test_a_stipend_above_the_cap_is_refused_in_the_page_s_language(client, o) -> None:
    """Issue 25, defect 7: the pay cap's refusal on a Russian page reads in Russian."""
    north = o.fed.councils["North Council"]
    before = _log_size(o)
    csrf = log_in(client, o, o.holder["chair"])
    data = {"office_id": str(o.office["chair"]), "amount": str(WAGE_MEDIAN + 1), "csrf_token": csrf}
    r = client.post(
        f"/councils/{north}/stipend-motions", data=data, headers={"Accept-Language": "ru"}
    )
    assert r.status_code == 422 and 'role="alert"' in r.text
    alert = r.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert "жалованье" in alert.lower() and "above the cap" not in alert, alert
    assert _log_size(o) == before


def test_wages_and_verification_by_the_credentials_committee(client, o) -> None:
    north, forge = o.fed.councils["North Council"], o.fed.units["Forge"]
    csrf = log_in(client, o, o.holder["credentials committee"])
    lines = "\n".join(f"{username('Forge', i)} {1000 * i}" for i in range(1, 13))
    r = client.post(
        f"/councils/{north}/wages",
        data={"unit_id": str(forge), "wages": lines, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=wages" in r.headers["location"]
    with o.fed.system.uow() as uow:
        assert uow.wages.by_unit()[forge][0] == 12
    target = username("Barracks", 3)
    r = client.post(
        f"/councils/{north}/verifications",
        data={"username": target, "verified": "no", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=unverified" in r.headers["location"]
    with o.fed.system.uow() as uow:
        assert uow.members.get(o.fed.members[target]).is_verified is False


def test_an_office_election_opened_stood_for_and_counted_by_forms(client, o) -> None:
    north = o.fed.councils["North Council"]
    extra = offices.create_office(o.fed.system.uow(), north, "commissioner", ())
    commission = log_in(client, o, o.holder["electoral commission"])
    r = client.post(
        f"/councils/{north}/office-elections",
        data={"office_id": str(extra), "method": "plurality", "csrf_token": commission},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=election" in r.headers["location"]
    election = int(r.headers["location"].split("ref=")[1].split("#")[0])
    # The chair, paid the cap, may stand: this office pays 0.
    chair = log_in(client, o, o.holder["chair"])
    r = client.post(
        f"/office-elections/{election}/candidacy",
        data={"csrf_token": chair},
        follow_redirects=False,
    )
    assert r.status_code == 303
    again = client.post(f"/office-elections/{election}/candidacy", data={"csrf_token": chair})
    assert again.status_code == 409
    with o.fed.system.uow() as uow:
        candidate = uow.elections.candidates(election)[0].id
    close_nominations(o.fed.system, election)  # its voting window (DESIGN.md 2.9)
    for deputy in o.deputies:  # every elector votes: it may close before its time
        cast_ballot(o.fed.system.uow(), election, deputy, [candidate])
    refused = client.post(f"/office-elections/{election}/close", data={"csrf_token": chair})
    assert refused.status_code == 403
    commission = log_in(client, o, o.holder["electoral commission"])
    r = client.post(
        f"/office-elections/{election}/close",
        data={"csrf_token": commission},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=closed" in r.headers["location"]
    with o.fed.system.uow() as uow:
        assert uow.office_terms.active_of_office(extra).holder_id == o.holder["chair"]
    # The holder resigns it by its form.
    chair = log_in(client, o, o.holder["chair"])
    with o.fed.system.uow() as uow:
        term = uow.office_terms.active_of_office(extra).id
    r = client.post(
        f"/office-terms/{term}/resign", data={"csrf_token": chair}, follow_redirects=False
    )
    assert r.status_code == 303 and "done=resigned" in r.headers["location"]
