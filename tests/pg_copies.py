"""Test databases on PostgreSQL, copied from templates off the tests' path (issue 27).

Each PostgreSQL test gets a database of its own, `CREATE DATABASE ... TEMPLATE source` (0.2 to
1 s on a loaded machine), and leaves it to be dropped (a DROP DATABASE waits for a checkpoint, 1
to 4 s). Both happen on threads of the xdist worker while its tests run: `Spares` keeps a copy of
each source ready, made while the previous test ran; `Dropper` drops the databases the tests are
done with.

A spare is the database a CREATE DATABASE at the test's start would give only because no source
is written after it is built (the migrated template of `pg_template`, the federations of
`FederationTemplates`): a source that is replaced is retired, and its spares dropped, never handed
out. The copies use the server's default strategy, WAL_LOG on PostgreSQL 15 (FILE_COPY waits for
two checkpoints: 1.4 to 2.2 s a copy here against 0.2 to 1.4 s, measured with psql)."""

from __future__ import annotations

import os
import queue
import threading
import uuid

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url


def admin_engine(url: str) -> Engine:
    """An engine on the cluster's `postgres` database, for CREATE and DROP DATABASE."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def admin_sql(url: str, statement: str) -> None:
    admin = admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def create_copy(url: str, source: str, prefix: str = "dp") -> str:
    """The name of a new database copied from the template database `source`."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_sql(url, f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return name


class Dropper:
    """Drops databases on THREADS threads of their own; `finish` waits for the last drop.

    Every DROP DATABASE forces a checkpoint and waits for it (PostgreSQL 15's dropdb), and
    drops that wait at once share the next one: one thread alone fell minutes behind the tests
    on a loaded machine, and the session waited for it at its end."""

    THREADS = 4

    def __init__(self, url: str) -> None:
        self._url = url
        self._names: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []

    def drop(self, name: str) -> None:
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._run, name=f"drop-databases-{i}", daemon=True)
                for i in range(self.THREADS)
            ]
            for thread in self._threads:
                thread.start()
        self._names.put(name)

    def _run(self) -> None:
        while (name := self._names.get()) is not None:
            admin_sql(self._url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def finish(self) -> None:
        for _ in self._threads:
            self._names.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []


class Spares:
    """Keeps DEPTH copies of each source that a test has asked for, made on a thread of its own.

    `take(source)` hands over a spare (or waits for the one being made, or makes one itself when
    there is none) and wakes the thread to make the next. Each spare is handed over once; the
    databases handed over are the caller's to drop. `retire(source)` drops the source's spares,
    and the one being made when it is done; `finish` stops the thread and drops every spare.
    A source may be dropped once retired: a copy of it under way then either ends before the
    drop (and is dropped) or fails (and is not retried)."""

    DEPTH = 1

    def __init__(self, url: str, dropper: Dropper) -> None:
        self._url = url
        self._dropper = dropper
        self._cond = threading.Condition()
        self._ready: dict[str, list[str]] = {}  # a source asked for -> its spares
        self._making: str | None = None  # the source the thread is copying now
        self._thread: threading.Thread | None = None
        self._stopping = False

    def take(self, source: str) -> str:
        with self._cond:
            spares = self._ready.setdefault(source, [])
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="spare-dbs", daemon=True)
                self._thread.start()
            while not spares and self._making == source:
                self._cond.wait()
            spare = spares.pop(0) if spares else None
            self._cond.notify_all()
        return spare if spare is not None else create_copy(self._url, source)

    def retire(self, source: str) -> None:
        with self._cond:
            for name in self._ready.pop(source, []):
                self._dropper.drop(name)

    def finish(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        with self._cond:
            for source in list(self._ready):
                self.retire(source)
            self._thread, self._stopping = None, False

    def _wanted(self) -> str | None:
        return next((s for s, names in self._ready.items() if len(names) < self.DEPTH), None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (source := self._wanted()) is None:
                    self._cond.wait()
                if self._stopping:
                    return
                self._making = source
            try:
                name: str | None = create_copy(self._url, source)
            except Exception:  # the source is gone or the server refuses: `take` makes its own
                name = None
            with self._cond:
                self._making = None
                if name is not None and source in self._ready:
                    self._ready[source].append(name)
                elif name is not None:  # retired while it was copied
                    self._dropper.drop(name)
                else:  # not copied again until a test asks for it
                    self.retire(source)
                self._cond.notify_all()


# The worker's one Dropper and one Spares: the fixtures of conftest.py and the test modules that
# copy worlds of their own (authz_world, recall_web_support) take their copies and drop them
# through these; conftest waits for both at the end.
DROPPER = Dropper(os.environ.get("DUALPOWER_TEST_PG_URL", ""))
SPARES = Spares(os.environ.get("DUALPOWER_TEST_PG_URL", ""), DROPPER)
