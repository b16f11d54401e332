"""Mail for notifications, through SMTP when configured (DUALPOWER_SMTP_HOST and friends).

Notices follow the notification rows the acts wrote (at least once: a notice committed before
a crash is mailed after it); invitation and reset codes (`CodeMailed`: DESIGN.md 2.10) are
mailed from memory, one message a member, in English and Russian. Both are sent by a background
thread, so a request never waits on a mail server (`Mailer`).
"""

from __future__ import annotations

import logging
import os
import queue
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from dualpower.domain.cycle import plain_moment
from dualpower.domain.events import Notified
from dualpower.domain.invitations import CodeMailed, IssuedCode
from dualpower.store.repositories import MailNotice
from dualpower.store.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "dualpower@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    base_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        host = os.environ.get("DUALPOWER_SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(os.environ.get("DUALPOWER_SMTP_PORT", "25")),
            sender=os.environ.get("DUALPOWER_SMTP_FROM", "dualpower@localhost"),
            username=os.environ.get("DUALPOWER_SMTP_USER") or None,
            password=os.environ.get("DUALPOWER_SMTP_PASSWORD") or None,
            starttls=os.environ.get("DUALPOWER_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            base_url=os.environ.get("DUALPOWER_BASE_URL", "http://127.0.0.1:8000"),
        )


class _Look:
    """Look for notifications to mail (a wake of the mailer's thread)."""


LOOK = _Look()
BATCH = 50  # notices claimed, and sent on one connection to the server, at a time
CLAIM = timedelta(minutes=10)  # a claim older than this is a dead mailer's: claimed again
STALE = timedelta(days=2)  # a notice older than this when first looked at is not mailed


class Mailer:
    """Sends two kinds of mail from one thread. Invitation and reset codes (`CodeMailed`) are
    queued in memory: only their hashes are stored, so a code whose process dies before it is
    sent is issued again. Notices follow the notification rows (store: `claim_mail`): a mailer
    claims the rows still to mail, sends them, then marks them mailed, so a notice committed
    before a crash is mailed after it (at least once; a mailer that died after sending and before
    marking sends again once its claim is CLAIM old).

    Only a process that stays up looks for notices (`notices`): `serve`, which looks every
    `watch(every)` seconds for those other processes wrote (the clock's `dualpower due`, the
    operator's commands), and tests. A command's own process leaves its notices to it."""

    def __init__(
        self, new_uow: Callable[[], UnitOfWork], settings: SmtpSettings, *, notices: bool = True
    ):
        self.new_uow = new_uow
        self.settings = settings
        self.notices = notices
        self.every: float | None = None  # seconds between looks (None: when woken only)
        self.outbox: queue.Queue[EmailMessage | _Look | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="dualpower-mailer", daemon=True)
        self.thread.start()

    def watch(self, every: float) -> None:
        """Look for notices now (what a process that died left to mail) and every `every`
        seconds (`serve`)."""
        self.notices, self.every = True, every
        self.outbox.put(LOOK)

    def __call__(self, event: object) -> None:
        if isinstance(event, CodeMailed):
            for code in event.codes:
                if code.email:
                    self.outbox.put(self.code_message(code))
        elif isinstance(event, Notified) and event.member_ids and self.notices:
            self.outbox.put(LOOK)

    def notice_message(self, notice: MailNotice) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = notice.address
        message["Subject"] = notice.subject
        base = self.settings.base_url.rstrip("/")
        message.set_content(f"{notice.subject}.\n\n{base}{notice.link}\n")
        return message

    def code_message(self, code: IssuedCode) -> EmailMessage:
        base = self.settings.base_url.rstrip("/")
        page = "join" if code.purpose == "join" else "reset"
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = code.email
        expires = plain_moment(code.expires_at)
        if code.purpose == "join":
            message["Subject"] = "Your invitation / Ваше приглашение"
            lead_en = f"{code.display_name}, you are invited to set your password"
            lead_ru = f"{code.display_name}, вас приглашают задать свой пароль"
        else:
            message["Subject"] = "Reset your password / Сброс пароля"
            lead_en = f"{code.display_name}, a password reset was asked for your account"
            lead_ru = f"{code.display_name}, для вашей учётной записи запрошен сброс пароля"
        message.set_content(
            f"{lead_en} (username {code.username}).\n"
            f"Code: {code.code} (once, until {expires})\n{base}/{page}\n\n"
            f"{lead_ru} (имя пользователя {code.username}).\n"
            f"Код: {code.code} (один раз, до {expires})\n{base}/{page}\n"
        )
        return message

    def _run(self) -> None:
        while True:
            try:
                item = self.outbox.get(timeout=self.every)
            except queue.Empty:
                self._look_safely()  # the periodic look (nothing to mark done in the queue)
                continue
            try:
                if item is None:
                    return
                if isinstance(item, _Look):
                    self._look_safely()
                else:
                    self._send([item])
            finally:
                self.outbox.task_done()

    def _look_safely(self) -> None:
        try:
            self._mail_notices()
        except Exception:  # noqa: BLE001 - the mailer outlives one bad look; the next retries
            log.exception("the mailer failed to look for notices; it looks again later")

    def _mail_notices(self) -> None:
        """Claim, send and mark notices until none is left, or the server fails (the rest then
        waits for its claim to grow old)."""
        with self.new_uow() as uow:
            now = uow.now()
            uow.notifications.skip_unmailable(now, stale_before=now - STALE)
            uow.commit()
        while True:
            with self.new_uow() as uow:
                now = uow.now()
                claimed = uow.notifications.claim_mail(now, claims_before=now - CLAIM, limit=BATCH)
                uow.commit()
            if not claimed:
                return
            done = self._send([self.notice_message(n) for n in claimed])
            if done:
                with self.new_uow() as uow:
                    uow.notifications.mark_mailed([n.id for n in claimed[:done]], uow.now())
                    uow.commit()
            if done < len(claimed):
                return

    def _send(self, messages: list[EmailMessage]) -> int:
        """Send on one connection, in order; returns how many are done (sent, or refused by the
        server for good: a bad address is not tried again). Stops at the first failure of the
        connection or the server."""
        done = 0
        try:
            with smtplib.SMTP(self.settings.host, self.settings.port, timeout=30) as smtp:
                if self.settings.starttls:
                    smtp.starttls()
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password or "")
                for message in messages:
                    try:
                        smtp.send_message(message)
                    except smtplib.SMTPRecipientsRefused as refused:
                        log.warning("mail to %s refused: %s", message["To"], refused)
                    done += 1
        except (OSError, smtplib.SMTPException) as error:
            if done < len(messages):
                log.warning("mail to %s not sent: %s", messages[done]["To"], error)
            else:  # every message went; the server failed to say goodbye
                log.warning("the mail server closed badly after %d message(s): %s", done, error)
        return done

    def close(self) -> None:
        """Stop the thread once what is queued before was handled; what is queued after is
        not sent (a notice's row waits for the next mailer)."""
        self.outbox.put(None)
        self.thread.join()

    def drain(self) -> None:
        """Wait until every queued code and every notice this mailer may send was handed to
        the server (or failed)."""
        if self.notices:
            self.outbox.put(LOOK)
        self.outbox.join()
