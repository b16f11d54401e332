"""Mail for notifications, through SMTP when configured (DUALPOWER_SMTP_HOST and friends).

A subscriber to `Notified` events: after commit, the mailer looks up the members' addresses and
hands the messages to a background thread, so a request never waits on a mail server. It mails
invitation and reset codes too (`CodeMailed`: DESIGN.md 2.10), one message a member, in English
and Russian.
"""

from __future__ import annotations

import logging
import os
import queue
import smtplib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import Engine, select

from dualpower.domain.cycle import plain_moment
from dualpower.domain.events import Notified
from dualpower.domain.invitations import CodeMailed, IssuedCode
from dualpower.store import tables as t

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


class Mailer:
    def __init__(self, engine: Engine, settings: SmtpSettings):
        self.engine = engine
        self.settings = settings
        self.outbox: queue.Queue[EmailMessage | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="dualpower-mailer", daemon=True)
        self.thread.start()

    def __call__(self, event: object) -> None:
        if isinstance(event, CodeMailed):
            for code in event.codes:
                if code.email:
                    self.outbox.put(self.code_message(code))
            return
        if not isinstance(event, Notified) or not event.member_ids:
            return
        members = t.members
        query = select(members.c.email).where(
            members.c.id.in_(event.member_ids), members.c.email.is_not(None)
        )
        with self.engine.connect() as conn:
            found: Sequence[str | None] = conn.execute(query).scalars().all()
        addresses = [a for a in found if a]
        for address in addresses:
            message = EmailMessage()
            message["From"] = self.settings.sender
            message["To"] = address
            message["Subject"] = event.subject
            message.set_content(
                f"{event.subject}.\n\n{self.settings.base_url.rstrip('/')}{event.link}\n"
            )
            self.outbox.put(message)

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
            message = self.outbox.get()
            if message is None:
                return
            try:
                with smtplib.SMTP(self.settings.host, self.settings.port, timeout=30) as smtp:
                    if self.settings.starttls:
                        smtp.starttls()
                    if self.settings.username:
                        smtp.login(self.settings.username, self.settings.password or "")
                    smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as error:
                log.warning("mail to %s not sent: %s", message["To"], error)
            finally:
                self.outbox.task_done()

    def drain(self) -> None:
        """Wait until every queued message was handed to the server (or failed)."""
        self.outbox.join()
