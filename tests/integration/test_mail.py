"""Notifications by mail, against a real SMTP server (aiosmtpd) on localhost."""

from __future__ import annotations

from sqlalchemy import update

from dualpower.bootstrap import build
from dualpower.services import recall
from dualpower.store import tables as t
from factories import small_federation, username
from smtp_support import smtp  # noqa: F401  (the SMTP server fixture)


def test_electors_are_mailed_when_a_petition_opens(smtp, database_url):  # type: ignore[no-untyped-def]  # noqa: F811
    system = build(database_url)
    fed = small_federation(system)
    forge = [fed.members[username("Forge", i)] for i in range(1, 13)]
    with system.engine.begin() as conn:
        conn.execute(
            update(t.members).where(t.members.c.id == forge[2]).values(email="anna@example.org")
        )
    with system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units["Forge"])
        mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
    petition = recall.open_recall(system.uow(), mandate.id, forge[0])
    system.mailer.drain()
    assert len(smtp.messages) == 1
    rcpt, body = smtp.messages[0]
    assert rcpt == ["anna@example.org"]
    assert "Subject: A recall petition against your deputy was opened" in body
    assert f"/recalls/{petition.id}" in body
    system.engine.dispose()
