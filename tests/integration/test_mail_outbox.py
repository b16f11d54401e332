"""Notices by mail survive a crash (issue 27: "a mail ... survives a crash"): the mailer follows
the notification rows the acts wrote (mail.py, store `claim_mail`), so a notice committed by a
process that died before mailing it is mailed by the next one; a claim of a mailer that died is
taken again once it is old; two mailers on one database mail each notice once; a notice too old
when first looked at, or to a member without an address, is marked and not mailed."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta

from sqlalchemy import select, update

from dualpower.bootstrap import System, build
from dualpower.mail import CLAIM, STALE
from dualpower.services import recall
from dualpower.store import tables as t
from factories import small_federation, username
from smtp_support import smtp  # noqa: F401  (the SMTP server fixture)


def _addresses(system: System) -> set[str]:
    """Every member gets an address; returns them."""
    members = t.members
    with system.engine.begin() as conn:
        conn.execute(update(members).values(email=members.c.username + "@example.org"))
        return set(conn.execute(select(members.c.email)).scalars())


def _open_petition(system: System, fed, unit: str = "Forge", seat: int = 0) -> None:  # type: ignore[no-untyped-def]
    """A recall petition against a deputy of `unit`: its electors are told (a notice each)."""
    with system.uow() as uow:
        electorate = uow.electorates.for_unit(fed.units[unit])
        active = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)
        mandate = sorted(active, key=lambda md: md.id)[seat]
        opener = next(
            fed.members[username(unit, i)]
            for i in range(1, 9)
            if fed.members[username(unit, i)] != mandate.holder_id
        )
    recall.open_recall(system.uow(), mandate.id, opener)


def _dead(system: System) -> System:
    """The process dies after its commits, before its mailer sent anything."""
    system.mailer.close()  # its thread ends; what is queued after is lost
    return system


def _told(system: System) -> set[int]:
    with system.engine.connect() as conn:
        return set(conn.execute(select(t.notifications.c.member_id)).scalars())


def _pending(system: System) -> int:
    with system.engine.connect() as conn:
        rows = conn.execute(
            select(t.notifications.c.id).where(t.notifications.c.mailed_at.is_(None))
        )
        return len(rows.all())


def _dying(database_url: str, *petitions: tuple[str, int]) -> System:
    """A process on a federation whose members all have an address: its mailer dies, then the
    petitions open (committed: their electors' notices are rows, none mailed)."""
    first = build(database_url)
    fed = small_federation(first)
    _addresses(first)
    _dead(first)
    for unit, seat in petitions or (("Forge", 0),):
        _open_petition(first, fed, unit, seat)
    return first


def test_a_notice_committed_before_a_crash_is_mailed_after_it(smtp, database_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first = _dying(database_url)
    addresses = _addresses(first)
    assert smtp.messages == [] and _pending(first) == len(_told(first)) > 0
    first.engine.dispose()
    restarted = build(database_url, migrate=False)  # `serve` again: it looks at start
    restarted.mailer.watch(3600)
    restarted.mailer.drain()
    to = sorted(r[0][0] for r in smtp.messages)
    told = _told(restarted)
    assert len(to) == len(told) and set(to) <= addresses  # each notice once, to its member
    assert all("A recall petition against your deputy was opened" in m for _, m in smtp.messages)
    assert _pending(restarted) == 0
    restarted.mailer.drain()  # marked mailed: not again
    assert len(smtp.messages) == len(to)
    restarted.mailer.close()
    restarted.engine.dispose()


def test_a_dead_mailers_claim_is_taken_again_once_old(smtp, database_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first = _dying(database_url)
    now = first.clock()
    with first.uow() as uow:  # a mailer claims them, then dies before sending
        claimed = uow.notifications.claim_mail(now, claims_before=now - CLAIM, limit=100)
        uow.commit()
    assert len(claimed) == _pending(first) > 0
    other = build(database_url, migrate=False)
    other.mailer.drain()
    assert smtp.messages == []  # a claim of this minute is another mailer's: left to it
    other.clock = lambda: now + CLAIM + timedelta(seconds=1)
    other.mailer.drain()
    assert len(smtp.messages) == len(claimed) and _pending(other) == 0
    other.engine.dispose()
    first.engine.dispose()


def test_two_mailers_on_one_database_mail_each_notice_once(smtp, database_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first = _dying(database_url, ("Forge", 0), ("Forge", 1), ("Barracks", 0))  # 32 notices
    pending = _pending(first)
    mailers = [build(database_url, migrate=False) for _ in range(2)]
    start = threading.Barrier(2)

    def drain(system: System) -> None:
        start.wait()
        system.mailer.drain()

    threads = [threading.Thread(target=drain, args=(s,)) for s in mailers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(smtp.messages) == pending
    bodies = sorted((to[0], m.split("/recalls/")[1]) for to, m in smtp.messages)
    assert len(set(bodies)) == pending  # no address was sent the same petition twice
    for system in (*mailers, first):
        system.engine.dispose()


def test_old_notices_and_members_without_an_address_are_not_mailed(smtp, database_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first = build(database_url)
    fed = small_federation(first)
    _dead(first)
    _open_petition(first, fed)  # nobody has an address yet
    later = build(database_url, migrate=False)
    later.mailer.drain()
    assert smtp.messages == [] and _pending(later) == 0  # marked: nothing to send
    _addresses(first)
    now = first.clock()
    first.clock = lambda: now - STALE - timedelta(hours=1)  # a notice written long ago ...
    _open_petition(first, fed, "Barracks")
    assert _pending(later) > 0
    later.mailer.drain()  # ... is not mailed now
    assert smtp.messages == [] and _pending(later) == 0
    later.engine.dispose()
    first.engine.dispose()


def test_a_server_that_fails_to_say_goodbye_still_had_the_notices(
    smtp,  # noqa: F811
    database_url,
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    first = _dying(database_url)
    pending = _pending(first)

    said = smtplib.SMTP.docmd

    def hang_up(self, cmd, args=""):  # type: ignore[no-untyped-def]
        if cmd.lower() == "quit":  # after the messages: an answer smtplib takes for an error
            return 421, b"closing badly"
        return said(self, cmd, args)

    monkeypatch.setattr(smtplib.SMTP, "docmd", hang_up)
    other = build(database_url, migrate=False)
    other.mailer.drain()
    assert len(smtp.messages) == pending and _pending(other) == 0  # sent: marked, not again
    other.mailer.drain()
    assert len(smtp.messages) == pending
    other.engine.dispose()
    first.engine.dispose()


def test_an_address_removed_between_the_look_and_the_claim_is_not_claimed_again(
    smtp,  # noqa: F811
    database_url,
) -> None:  # type: ignore[no-untyped-def]
    """A member's address can go (`member forget`, a roll sync) after the look marked what has no
    address and before the claim: the claim marks that notice (nothing to send) and hands over
    the others, so neither a batch nor that notice waits for a claim to grow old."""
    first = _dying(database_url)
    told = sorted(_told(first))
    with first.engine.begin() as conn:
        conn.execute(update(t.members).where(t.members.c.id == told[0]).values(email=None))
    now = first.clock()
    with first.uow() as uow:  # the claim of a look that found every address present
        claimed = uow.notifications.claim_mail(now, claims_before=now - CLAIM, limit=100)
        uow.commit()
    assert len(claimed) == len(told) - 1 and all(n.address for n in claimed)
    assert _pending(first) == len(claimed)  # the gone address's notice is marked, not claimed
    other = build(database_url, migrate=False)
    other.clock = lambda: now + CLAIM + timedelta(seconds=1)  # the claim above died
    other.mailer.drain()
    assert len(smtp.messages) == len(claimed) and _pending(other) == 0
    other.engine.dispose()
    first.engine.dispose()
