"""Issue 25, defect 7 (what 7c12c08 left): the texts the product writes for stipend, stance,
instruction and standing-orders motions read in Russian on a Russian page, the typed parts (a
stance's counter-order) as typed; the English page and the API show the stored English, word for
word what the services wrote before, and the audit log still verifies. A breach of an
instruction on such a motion, and the electors' notification of it, name the motion in Russian
too."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date

import pytest
from test_i18n_first_hour_pages import RU, _data_names, _english_runs
from test_i18n_pages import parse
from test_pages_web import log_in

from dualpower.services import (
    discussion,
    instructions,
    motions,
    register,
    sessions,
    stance_motions,
    standing_orders,
    stipends,
)
from dualpower.services.audit import verify_log
from dualpower.web.app import create_app
from factories import close_vote_in_time
from fixtures_services import show_of_hands
from offices_support import setup_offices, sit
from sessions_helpers import member

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; either works here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

EN = {"Accept-Language": "en"}
COUNTER = "Stay in Petrograd"
DIRECTIVE = "Order to the front"


@pytest.fixture
def client(system, federation) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(system)) as c:
        yield c


def _text(client: TestClient, path: str, headers: dict[str, str]) -> str:
    got = client.get(path, headers=headers)
    assert got.status_code == 200, (path, got.status_code)
    return " ".join(" ".join(parse(got.text).text).split())


def _motions(federation):  # type: ignore[no-untyped-def]
    o = setup_offices(federation, stipend=0)
    uow, north = federation.system.uow, federation.councils["North Council"]
    deputy = o.deputies[1]
    operator = register.Actor(is_operator=True)
    authority = register.record_authority(
        uow(), register.RecordAuthority("Provisional Government", north), operator
    )
    directive = register.record_directive(
        uow(), register.RecordDirective(authority, north, DIRECTIVE, date(1917, 4, 18)), operator
    )
    stance = register.TakeStance(directive, north, "countermand", counter_order=f" {COUNTER} ")
    made = {
        "stipend": stipends.propose_stipend(uow(), deputy, o.office["chair"], 450),
        "stance": stance_motions.propose_stance(uow(), deputy, stance),
        "orders": standing_orders.propose_standing_orders(
            uow(), deputy, north, {"recall_rule": "vote", "secret_elections": True}
        ),
    }
    made["instruction"] = instructions.propose_instruction(
        uow(),
        member(federation, "Forge", 5),
        federation.units["Forge"],
        None,
        made["stipend"],
        "no",
    )
    return o, made


def test_stipend_stance_instruction_and_standing_orders_texts_read_in_russian(
    client, system, federation
) -> None:
    o, made = _motions(federation)
    with system.uow() as uow:
        stored = {kind: uow.motions.get(m).text for kind, m in made.items()}
        currency = (uow.federations.only().currency or "XXX").upper()
    # stored as the services wrote them before (the API gives them as stored)
    money = "4.50" if currency == "XXX" else f"4.50 {currency}"
    zero = "0.00" if currency == "XXX" else f"0.00 {currency}"
    assert stored["stipend"] == (
        f"The council sets the monthly stipend of its office 'chair' at {money} (now {zero}), no "
        "more than the ordinary pay of a worker. Adopted, it takes effect at once."
    )
    assert stored["stance"] == (
        f"North Council countermands the directive {DIRECTIVE!r}. Its counter-order: {COUNTER}"
    )
    stipend_title = client.get(f"/api/v1/motions/{made['stipend']}").json()["title"]
    assert stored["instruction"] == (
        "Our deputies in the council are instructed to vote no on motion "
        f"{made['stipend']}, “{stipend_title}”."
    )
    assert stored["orders"].startswith(
        "The council sets its standing orders: recall_rule = vote; secret_elections = True."
    )
    for kind, motion in made.items():
        assert client.get(f"/api/v1/motions/{motion}").json()["text"] == stored[kind]
        assert stored[kind] in _text(client, f"/motions/{motion}", EN), kind
    said = {kind: _text(client, f"/motions/{m}", RU) for kind, m in made.items()}
    stipend = "Совет устанавливает ежемесячную стипендию своей должности «председатель»"
    assert stipend in said["stipend"]
    assert "(сейчас " in said["stipend"]
    assert f"North Council отменяет распоряжение «{DIRECTIVE}»." in said["stance"]
    assert f"Встречное распоряжение совета: {COUNTER}" in said["stance"]
    assert (
        f"дан наказ голосовать «против» по предложению {made['stipend']} «Установить стипендию "
        "должности «председатель»" in said["instruction"]
    )
    assert "порядок отзыва = голосованием; тайные выборы = да" in said["orders"]
    names = _data_names(system) + [COUNTER, DIRECTIVE]
    for kind, motion in made.items():
        got = client.get(f"/motions/{motion}", headers=RU)
        runs = [r for r in _english_runs(got.text, names) if r not in ("Provisional Government",)]
        assert not runs, (kind, runs)
        assert stored[kind] not in said[kind], kind
    # the motion's discussion is headed by its title in the page's language too
    heading = _text(client, f"/discussions/motion/{made['stipend']}", RU)
    assert "Обсуждение: Установить стипендию должности «председатель»" in heading
    assert stipend_title in _text(client, f"/discussions/motion/{made['stipend']}", EN)
    comment = discussion.post_comment(
        system.uow(), discussion.PostComment(o.deputies[2], "motion", made["stipend"], "Too much")
    )
    crumbs = _text(client, f"/comments/{comment}", RU)
    assert "Обсуждение: Установить стипендию должности «председатель»" in crumbs
    assert stipend_title in _text(client, f"/comments/{comment}", EN)
    # a reply tells the comment's author, naming the motion in the reader's language
    reply = discussion.PostComment(o.deputies[1], "motion", made["stipend"], "No", comment)
    discussion.post_comment(system.uow(), reply)
    with system.uow() as uow:
        author = uow.members.get(o.deputies[2]).username
    log_in(client, author)
    told = _text(client, "/notifications", RU)
    assert "Вам ответили в обсуждении: Установить стипендию должности «председатель»" in told
    assert f"A reply to you on {stipend_title}" in _text(client, "/notifications", EN)
    assert verify_log(system.engine).ok


def _forge_deputy(federation) -> int:  # type: ignore[no-untyped-def]
    with federation.system.uow() as uow:
        forge = uow.electorates.for_unit(federation.units["Forge"])
        north = uow.mandates.active_in_council(federation.councils["North Council"])
        return next(md.holder_id for md in north if md.electorate_id == forge.id)


def test_a_breach_on_a_stipend_motion_names_it_in_russian(client, system, federation) -> None:
    """The breach's page and the electors' notification name the motion the deputy voted on in
    the reader's language; the English pages and the notification's stored subject as before."""
    o, made = _motions(federation)
    uow, order, caller = system.uow, made["instruction"], member(federation, "Forge", 5)
    motions.open_vote(uow(), order, caller)
    show_of_hands(uow(), order, [(member(federation, "Forge", i), "yes") for i in range(5, 9)])
    assert close_vote_in_time(system, order, caller).status == "adopted"
    session = sit(o)
    sessions.add_to_agenda(uow(), o.holder["chair"], session, made["stipend"])
    motions.open_vote(uow(), made["stipend"], o.holder["chair"])
    motions.cast_vote(uow(), made["stipend"], _forge_deputy(federation), "yes")
    view = client.get(f"/api/v1/motions/{made['stipend']}").json()
    breach = view["breaches"][0]["id"]
    english = view["title"]
    assert english.startswith("Set the stipend of the chair")
    russian = "Установить стипендию должности «председатель»"
    page = _text(client, f"/breaches/{breach}", RU)
    assert russian in page and english not in page
    assert english in _text(client, f"/breaches/{breach}", EN)
    log_in(client, "forge9")  # an elector of the Forge, told of the breach
    with system.uow() as uow:
        stored = uow.notifications.of_member(member(federation, "Forge", 9))
    assert any(english in n.subject for n in stored)  # the API and the mail read it so
    page = _text(client, "/notifications", RU)
    assert russian in page and english not in page
    assert english in _text(client, "/notifications", EN)
    # the session's page and its minutes: the motion, its outcome and the breach in Russian
    close_vote_in_time(system, made["stipend"], o.holder["chair"])
    got = client.get(f"/sessions/{session}", headers=RU)
    assert russian in _text(client, f"/sessions/{session}", RU)
    names = _data_names(system)
    # a template's fragment that is also a typed name ("Pay of officials", the session) is data
    runs = [r for r in _english_runs(got.text, names) if not any(r in n for n in names)]
    assert not runs, runs
