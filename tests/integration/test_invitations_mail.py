"""Invitation and reset codes by mail (DESIGN.md 2.10), against a real SMTP server (aiosmtpd) on
localhost, on both databases: each member with an address gets one message with their code, in
English and Russian; the code in the mail sets their password; a reset mail's code ends their
old token."""

from __future__ import annotations

import re
from email import message_from_string, policy

from dualpower.bootstrap import build
from dualpower.services import accounts, invitations
from dualpower.services.offices import OPERATOR_CALLER
from dualpower.services.roll_changes import add_member
from factories import small_federation
from smtp_support import smtp  # noqa: F401  (the SMTP server fixture)

CODE = re.compile(r"(?:Code|Код): ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})")


def _text(raw: str) -> str:
    message = message_from_string(raw, policy=policy.default)
    return str(message.get_content())  # type: ignore[attr-defined]


def test_codes_are_mailed_and_work(smtp, database_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    system = build(database_url)
    small_federation(system, elect=False)
    for i in range(3):
        email = f"m{i}@example.org" if i < 2 else None
        add_member(system.uow(), f"m{i}", f"Member {i}", "Farm", OPERATOR_CALLER, email=email)
    codes = invitations.issue_invitations(system.uow(), "Farm", mail=True, actor="operator")
    system.mailer.drain()
    assert len(codes) == 3
    assert sorted(rcpt for rcpt, _ in smtp.messages) == [["m0@example.org"], ["m1@example.org"]]
    body = _text(next(raw for rcpt, raw in smtp.messages if rcpt == ["m0@example.org"]))
    assert "/join" in body and "Код" in body and "m0" in body
    found = CODE.search(body)
    assert found is not None
    code = found.group(1)
    assert code == next(c.code for c in codes if c.username == "m0")
    old = invitations.redeem(system.uow(), code, "m0 own password").issued.token
    invitations.request_reset(system.uow(), "m0")
    system.mailer.drain()
    assert len(smtp.messages) == 3
    reset_code = CODE.search(_text(smtp.messages[-1][1]))
    assert reset_code is not None
    invitations.redeem(system.uow(), reset_code.group(1), "m0 second password")
    assert accounts.authenticate(system.uow(), old) is None
    system.engine.dispose()
