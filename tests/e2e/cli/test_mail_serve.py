"""`dualpower serve` mails the notices any process wrote (issue 27: mail survives a crash). The
operator's commands are processes of their own that send no notice by mail: what
`dualpower elections open-founding` told every member while no server ran is mailed when
`serve` starts, each member once; what `dualpower passwd` told a member while it runs is mailed
at its next look. A real SMTP server (aiosmtpd) receives them."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from test_cycle_e2e import DUALPOWER, _cli, _port, _wait_up

from smtp_support import smtp  # noqa: F401  (the SMTP server fixture)

BUILDINGS = ("Elm House", "Oak House")
PER_BUILDING = 4


def _plan() -> dict[str, Any]:
    return {
        "name": "Mailed Tenants",
        "sections": ["tenants"],
        "factions": [{"name": "Tenants United", "short": "TU", "colour": "#0072b2"}],
        "councils": [{"name": "Estate Council", "parent": None, "recall_rule": "direct"}],
        "units": [
            {"name": b, "kind": "building", "section": "tenants", "council": "Estate Council"}
            for b in BUILDINGS
        ],
        "members": [
            {
                "username": f"{b.split()[0].lower()}{i}",
                "name": f"Tenant {i} of {b}",
                "unit": b,
                "email": f"{b.split()[0].lower()}{i}@example.org",
            }
            for b in BUILDINGS
            for i in range(1, PER_BUILDING + 1)
        ],
    }


def _serve(database_url: str, log: Any) -> tuple[subprocess.Popen[bytes], str]:
    assert DUALPOWER
    port = _port()
    env = {**os.environ, "DUALPOWER_DATABASE_URL": database_url, "DUALPOWER_CLOCK_SECONDS": "0.2"}
    proc = subprocess.Popen(
        [DUALPOWER, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    _wait_up(url)
    return proc, url


def _mailed(smtp, count: int, timeout: float = 60) -> list[str]:  # type: ignore[no-untyped-def]  # noqa: F811
    deadline = time.monotonic() + timeout
    while len(smtp.messages) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return sorted(to[0] for to, _ in smtp.messages)


def test_serve_mails_the_notices_a_command_wrote(smtp, database_url, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_plan()), encoding="utf-8")
    _cli(database_url, "init", "--plan", str(plan))
    _cli(database_url, "elections", "open-founding")  # tells every member: rows, no mail yet
    time.sleep(1)
    assert smtp.messages == []
    log = (tmp_path / "serve.log").open("w")
    server, _ = _serve(database_url, log)  # looks at start for what any process left to mail
    try:
        addresses = sorted(m["email"] for m in _plan()["members"])
        assert _mailed(smtp, len(addresses)) == addresses  # each member once
        assert all("nominations until" in text for _, text in smtp.messages)
        _cli(database_url, "passwd", "elm1", "--password-stdin", stdin="a new long secret\n")
        _mailed(smtp, len(addresses) + 1)  # at its next look (10 clock intervals: 2 s)
        assert len(smtp.messages) == len(addresses) + 1
        to, text = smtp.messages[-1]
        assert to == ["elm1@example.org"] and "set a new password" in text
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
