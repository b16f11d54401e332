"""Issue 25, defect 7: the notifications page in Russian. Subjects are stored as the services'
English sentences (the API and e-mail give them so); the page shows each in the page's language,
names, numbers and dates kept, and its dates as dates, not ISO text."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
from test_pages_web import log_in

from dualpower.services import notify
from dualpower.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
# As services/cycle.py, elections.py, recall.py, initiatives.py, instructions.py, discussion.py
# and panels.py write them (names: North Council, chair, The eight-hour day).
SUBJECTS = {
    "election": "An election of deputies to North Council is open: nominations until "
    "2026-12-09 12:00 UTC",
    "election_before": "An election of deputies to North Council is open: nominations until "
    "2026-12-10T12:00:00+00:00",  # as subjects were written before (ISO): still read as a date
    "by_election": "A by-election for a seat in North Council is open",
    "recall_opened": "A recall petition against your deputy was opened",
    "recall_vote": "A recall vote on your deputy is open",
    "initiative": "An initiative from below is on your council's agenda: “The eight-hour day”",
    "instruction_breach": "Your deputy voted no on “The eight-hour day” against your "
    "instruction (yes)",
    "comment_reply": "A reply to you on The eight-hour day",
    "report_panel": "You were drawn by lot to decide report 3",
    "report_decided": "Report 3: hide",
}
NAMES = ("North Council", "The eight-hour day")


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def test_notifications_read_in_russian(client, system, federation) -> None:
    member = federation.members["forge5"]
    with system.uow() as uow:
        for kind, subject in SUBJECTS.items():
            notify.notify(uow, [member], kind.removesuffix("_before"), subject, "/me")
        uow.commit()
    log_in(client, "forge5")
    page = client.get("/notifications", headers=RU).text
    main = page.split('id="main"', 1)[1].split("</main>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", main)
    for name in NAMES:
        assert name in text
        text = text.replace(name, " ")
    english = re.findall(r"\b[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,})+\b", text)
    assert english == [], english
    assert "Выборы депутатов" in text and "жалобе 3" in text.lower()
    assert "скрыть" in text and "против" in text and "9 декабря 2026" in text
    assert "10 декабря 2026" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO dates (defect 10)
    english_page = client.get("/notifications").text
    assert SUBJECTS["by_election"] in english_page
