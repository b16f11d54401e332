"""Issue 25, defect 10: an error page is written for the people who meet it, not for developers.
A page address whose id is not a number (or too large to be one) names no page: 404 "Not found",
as any unknown address. A form or address a page cannot take says so in a sentence, in the
page's language, without the validator's words ("input should be a valid integer", field paths)
or a bare request id (it says what it is for). The JSON API keeps its detail."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dualpower.web.app import create_app

HTML = {"accept": "text/html"}
RU = HTML | {"accept-language": "ru-RU,ru;q=0.9"}
DEVELOPER_WORDS = ("input should", "unable to parse", "council_id", "election_id", "string should")


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _main(html: str) -> str:
    return html.split('id="main"', 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("path", ["/councils/abc", "/elections/99999999999999999999"])
def test_an_id_that_is_no_number_is_a_page_not_found(client: TestClient, path: str) -> None:
    r = client.get(path, headers=HTML)
    assert r.status_code == 404
    main = _main(r.text)
    assert "<h1>Not found</h1>" in main and "There is no such page" in main
    assert not any(word in main.lower() for word in DEVELOPER_WORDS), main
    assert "quote its reference:" in main  # the request id is said what it is for
    russian = _main(client.get(path, headers=RU).text)
    assert "Не найдено" in russian and "Такой страницы нет" in russian


def test_a_form_a_page_cannot_take_is_explained_in_a_sentence(client, federation) -> None:
    r = client.post("/elections/1/receipt", data={"receipt": "x" * 200}, headers=HTML)
    assert r.status_code == 422
    main = _main(r.text)
    assert "<h1>Check what you sent</h1>" in main
    assert "is not what this page takes" in main
    assert not any(word in main.lower() for word in DEVELOPER_WORDS), main
    sent = {"receipt": "x" * 200}
    russian = _main(client.post("/elections/1/receipt", data=sent, headers=RU).text)
    assert "Проверьте, что вы отправили" in russian


def test_the_api_keeps_its_detail(client: TestClient) -> None:
    r = client.get("/api/v1/councils/abc")
    assert r.status_code == 422 and "council_id" in r.json()["detail"]
