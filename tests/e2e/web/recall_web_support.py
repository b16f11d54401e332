"""Support for the recall web tests: federations built once per backend and copied per test,
tokens issued without the (deliberately slow) password check, and a live uvicorn server.

Building the small federation costs ~1.7 s; copying a built one costs a file copy on SQLite and
a CREATE DATABASE ... TEMPLATE on PostgreSQL, so each test gets its own writable federation.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dualpower.bootstrap import System, build
from dualpower.domain.founding import CouncilPlan, FactionPlan, FoundingPlan, MemberPlan, UnitPlan
from dualpower.services import accounts
from dualpower.services.founding import found_federation
from factories import PASSWORD, Small, password_hash, small_federation
from fixtures_services import FoundingVote, founding_election
from pg_copies import DROPPER, SPARES

PG_URL = os.environ.get("DUALPOWER_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
WORKS_SIZE = 140  # the big unit: enough electors for 64 signers beside a majority less one


def _admin_sql(sql: str) -> None:
    assert PG_URL is not None
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


def _pg_url(name: str) -> str:
    assert PG_URL is not None
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def big_plan() -> FoundingPlan:
    """A chief council over the Works Council, elected by one big factory (one seat, direct
    recall) and a small Yard (one seat)."""
    pw = password_hash(PASSWORD)
    fixed = {"default": {"rule": "fixed", "seats": 1}}
    return FoundingPlan(
        name="Works Federation",
        factions=(FactionPlan("Reds", "R", "#c00000"), FactionPlan("Greens", "G", "#00a000")),
        councils=(
            CouncilPlan("Chief Council", None, apportionment=fixed),
            CouncilPlan("Works Council", "Chief Council", apportionment=fixed),
        ),
        units=(
            UnitPlan("Works", "factory", "workers", "Works Council"),
            UnitPlan("Yard", "factory", "workers", "Works Council"),
        ),
        members=tuple(
            MemberPlan(f"works{i}", f"Works Member {i}", "Works", pw)
            for i in range(1, WORKS_SIZE + 1)
        )
        + tuple(MemberPlan(f"yard{i}", f"Yard Member {i}", "Yard", pw) for i in range(1, 6)),
    )


def big_federation(system: System) -> Small:
    """works1 (Reds) holds the Works seat and the Works Council's seat in the chief council."""
    fed = Small(system, found_federation(system.uow(), big_plan()))
    with system.uow() as uow:
        fed.members = {m.username: m.id for m in uow.members.list()}
        fed.factions = {f.short: f.id for f in uow.factions.list()}
        fed.councils = {c.name: c.id for c in uow.councils.list()}
        fed.units = {u.name: u.id for u in uow.units.list()}
        electorates = uow.electorates.list()
    for unit, size in (("Works", WORKS_SIZE), ("Yard", 5)):
        e = next(e for e in electorates if e.unit_id == fed.units[unit])
        first, second = fed.members[f"{unit.lower()}1"], fed.members[f"{unit.lower()}2"]
        cands = [(first, fed.factions["R"]), (second, fed.factions["G"])]
        ballots = [(fed.members[f"{unit.lower()}{i}"], [0]) for i in range(1, size + 1)]
        founding_election(system.uow(), FoundingVote(e.id, cands, ballots, method="plurality"))
    upper = next(e for e in electorates if e.kind == "council")
    cands = [(fed.members["works1"], fed.factions["R"])]
    voters = [(fed.members["works1"], [0]), (fed.members["yard1"], [0])]
    founding_election(system.uow(), FoundingVote(upper.id, cands, voters, method="plurality"))
    return fed


BUILDERS = {"small": small_federation, "big": big_federation}


@dataclasses.dataclass
class Template:
    backend: str
    where: str  # SQLite: the file; PostgreSQL: the template database's name
    ids: Small


def make_template(kind: str, backend: str, tmp: Path, pg_template: str | None) -> Template:
    if backend == "sqlite":
        path = tmp / f"{kind}.db"
        system = build(f"sqlite:///{path}")
        where = str(path)
    else:
        assert pg_template is not None
        where = f"dp_{kind}_{uuid.uuid4().hex[:8]}"
        _admin_sql(f'CREATE DATABASE "{where}" TEMPLATE "{pg_template}"')
        system = build(_pg_url(where))
    ids = BUILDERS[kind](system)
    system.engine.dispose()
    return Template(backend, where, ids)


def drop_template(template: Template) -> None:
    if template.backend == "postgresql":
        SPARES.retire(template.where)  # its spares dropped, and none made any more
        DROPPER.drop(template.where)


def copy_of(template: Template, tmp: Path) -> Iterator[Small]:
    """A writable copy of a built federation, as a fresh System."""
    if template.backend == "sqlite":
        target = tmp / "fed.db"
        for suffix in ("", "-wal", "-shm"):
            if Path(template.where + suffix).exists():
                shutil.copyfile(template.where + suffix, str(target) + suffix)
        url, name = f"sqlite:///{target}", None
    else:  # the built federation is never written: a copy made while the previous test ran
        name = SPARES.take(template.where)
        url = _pg_url(name)
    system = build(url, migrate=False)
    try:
        yield dataclasses.replace(template.ids, system=system)
    finally:
        system.engine.dispose()
        if name is not None:
            DROPPER.drop(name)  # off the test's path (tests/pg_copies.py)


def token(system: System, member_id: int, kind: str = "api") -> accounts.Issued:
    """A bearer token (or page session) for a member, without the password check: argon2 takes
    ~0.4 s a login, too slow for a hundred voters."""
    with system.uow() as uow:
        member = uow.members.get(member_id)
        assert member is not None
        issued = accounts._issue(uow, member, kind)
        uow.commit()
    return issued


def bearer(system: System, member_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(system, member_id).token}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: Any) -> Iterator[str]:
    """Serve the app with uvicorn in a thread; yields its base URL."""
    import uvicorn

    port = _free_port()
    # At the test's end only the live streams of the pages it left open are still answered:
    # they are ended at once (a graceful shutdown would wait for them as long as it is let).
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=0
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dualpower-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session", params=BACKENDS)
def small_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_template: Any
) -> Iterator[Template]:
    template = make_template("small", request.param, tmp_path_factory.mktemp("small"), pg_template)
    yield template
    drop_template(template)


@pytest.fixture(scope="session", params=BACKENDS)
def big_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_template: Any
) -> Iterator[Template]:
    template = make_template("big", request.param, tmp_path_factory.mktemp("big"), pg_template)
    yield template
    drop_template(template)


@pytest.fixture
def fed(small_template: Template, tmp_path: Path) -> Iterator[Small]:
    """A writable small federation (tests/factories.py), copied from one built per backend."""
    yield from copy_of(small_template, tmp_path)


@pytest.fixture
def big(big_template: Template, tmp_path: Path) -> Iterator[Small]:
    """A writable Works federation (140 electors in one unit), copied per test."""
    yield from copy_of(big_template, tmp_path)
