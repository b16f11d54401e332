"""The app behind pgbouncer in transaction pooling (issue 24, docs/scale.md): each transaction
may run on another server connection, so nothing may outlive one (advisory locks are
`pg_advisory_xact_lock`, no SET, no LISTEN, no statement prepared on the server with
DUALPOWER_DATABASE_POOLER=pgbouncer). A real pgbouncer (Debian's package) with a pool of two
server connections in front of the test server; recall signatures and ballots from several
threads at once, then the audit log verified."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from recall_web_support import token

import pg_cluster
from dualpower.bootstrap import build
from dualpower.services import elections
from dualpower.services.audit import verify_log
from dualpower.services.elections import OpenElection
from dualpower.web.app import create_app
from factories import small_federation, username
from fixtures_services import close_election, open_election

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
IS_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (DUALPOWER_TEST_PG_URL)"),
]


@pytest.fixture
def bounced(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database on the test server, and its URL through pgbouncer."""
    if not Path(PGBOUNCER).exists():
        if IS_CI:
            pytest.fail("pgbouncer is missing (scripts/test installs it as root)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    assert PG_URL is not None
    server = make_url(PG_URL)
    name = f"dp_bouncer_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    root = pg_cluster.make_dir(Path(f"/tmp/rep-bouncer-{uuid.uuid4().hex[:6]}"))
    port = pg_cluster.free_port()
    (root / "users.txt").write_text('"postgres" ""\n')
    (root / "pgbouncer.ini").write_text(
        f"[databases]\n{name} = host={server.host} port={server.port} dbname={name}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"unix_socket_dir = {root}\nauth_type = trust\nauth_file = {root}/users.txt\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 200\n"
        f"logfile = {root}/pgbouncer.log\npidfile = {root}/pgbouncer.pid\n"
    )
    if os.geteuid() == 0:
        for f in root.iterdir():
            shutil.chown(f, "postgres", "postgres")
    args = [PGBOUNCER, "-d", str(root / "pgbouncer.ini")]
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args, check=True
    )
    monkeypatch.setenv("DUALPOWER_DATABASE_POOLER", "pgbouncer")
    try:
        deadline = time.monotonic() + 10
        while not (root / "pgbouncer.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"
    finally:
        pid = (root / "pgbouncer.pid").read_text().strip()
        subprocess.run(["kill", pid], check=False)
        time.sleep(0.3)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(root, ignore_errors=True)


def test_recall_and_ballots_through_transaction_pooling(
    bounced: str, caplog: pytest.LogCaptureFixture
) -> None:
    system = build(bounced)
    fed = small_federation(system)
    try:
        with system.reader() as uow:  # more clients than the pool's two server connections
            electorate = uow.electorates.for_unit(fed.units["Forge"])
            mandate = uow.mandates.active(uow.mandates.table.c.electorate_id == electorate.id)[0]
        election_id = open_election(
            system.uow(), OpenElection(electorate.id, "plurality", is_secret=True)
        )
        candidate = elections.nominate(
            system.uow(), election_id, fed.members[username("Forge", 1)], None, None
        )
        members = [fed.members[username("Forge", i)] for i in range(2, 7)]
        bearers = {m: {"Authorization": f"Bearer {token(system, m).token}"} for m in members}
        with TestClient(create_app(system), raise_server_exceptions=False) as client:
            opened = client.post(
                "/api/v1/recalls", json={"mandate_id": mandate.id}, headers=bearers[members[0]]
            )
            assert opened.status_code == 201, opened.text
            petition = opened.json()["id"]

            def act(member: int) -> tuple[int, int]:
                signed = client.post(
                    f"/api/v1/recalls/{petition}/signatures", headers=bearers[member]
                )
                cast = client.post(
                    f"/api/v1/elections/{election_id}/ballots",
                    json={"choices": [candidate]},
                    headers=bearers[member],
                )
                return signed.status_code, cast.status_code

            with ThreadPoolExecutor(5) as pool:
                answers = list(pool.map(act, members))
            assert answers == [(200, 201)] * len(members)
            state = client.get(f"/api/v1/recalls/{petition}").json()
            assert (state["signatures"], state["status"]) == (5, "open")
        close_election(system.uow(), election_id)
        assert verify_log(system.engine).ok
        with system.reader() as uow:
            prepared = uow.conn.execute(text("SELECT count(*) FROM pg_prepared_statements"))
            assert prepared.scalar() == 0
        # Nothing failed behind the answers either (the audit sealer's own connection, say).
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == []
    finally:
        system.engine.dispose()
