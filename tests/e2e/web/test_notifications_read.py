"""Notifications: reading them (GET, page or API) changes nothing; marking them read is a POST
of the member themself, with the form's CSRF token on pages, and only up to the newest shown."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
import recall_web_support as support
from test_recall_pages import csrf_of, log_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.services import notify
from dualpower.web.app import create_app

small_template, fed = support.small_template, support.fed  # fixtures


@pytest.fixture
def client(fed) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(fed.system)) as c:
        yield c


def _member_id(fed, username: str) -> int:  # type: ignore[no-untyped-def]
    with fed.system.reader() as uow:
        return uow.members.by_username(username).id


def _unread(fed, member_id: int) -> list[bool]:  # type: ignore[no-untyped-def]
    return [not n["is_read"] for n in notify.inbox(fed.system.reader(), member_id)]


def _tell(fed, member_id: int, subject: str) -> None:  # type: ignore[no-untyped-def]
    uow = fed.system.uow()
    with uow:
        notify.notify(uow, [member_id], "recall_opened", subject, "/recalls")
        uow.commit()


def test_reading_the_page_marks_nothing_and_the_form_marks_what_was_shown(client, fed) -> None:
    member_id = _member_id(fed, "forge5")
    _tell(fed, member_id, "first")
    log_in(client, "forge5")
    page = client.get("/notifications").text
    assert "first" in page
    assert _unread(fed, member_id) == [True], "a GET marked the notification read"
    _tell(fed, member_id, "second, after the page was shown")
    posted = client.post(
        "/notifications/read",
        data={"csrf_token": csrf_of(page), "up_to": _newest_id(fed, member_id) - 1},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert _unread(fed, member_id) == [True, False], "only what the page showed is marked read"


def _newest_id(fed, member_id: int) -> int:  # type: ignore[no-untyped-def]
    return int(notify.inbox(fed.system.reader(), member_id)[0]["id"])  # type: ignore[call-overload]


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_marking_read_without_the_form_token_is_refused(client, fed, token) -> None:
    member_id = _member_id(fed, "forge5")
    _tell(fed, member_id, "unread")
    log_in(client, "forge5")
    data = {} if token is None else {"csrf_token": token}
    refused = client.post("/notifications/read", data=data, follow_redirects=False)
    assert refused.status_code == 403
    assert _unread(fed, member_id) == [True]


def test_one_member_cannot_mark_anothers_notifications(client, fed) -> None:
    forge5, forge6 = _member_id(fed, "forge5"), _member_id(fed, "forge6")
    _tell(fed, forge5, "for forge5")
    csrf = log_in(client, "forge6")
    client.post("/notifications/read", data={"csrf_token": csrf}, follow_redirects=False)
    assert _unread(fed, forge5) == [True]
    assert forge6 != forge5
