"""A real SMTP server (aiosmtpd) on localhost for the tests of mail: `smtp` collects what it
is sent, as (recipients, message text), and points DUALPOWER_SMTP_* at itself."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller


class Collect:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("DUALPOWER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DUALPOWER_SMTP_PORT", str(port))
    monkeypatch.setenv("DUALPOWER_SMTP_FROM", "council@example.org")
    yield handler
    controller.stop()
