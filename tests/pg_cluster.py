"""Local PostgreSQL clusters for the replication tests and bench/failover.py (issue 24): a
primary and streaming standbys on 127.0.0.1, each in a directory of its own.

The server binaries are the newest /usr/lib/postgresql/N/bin (as scripts/test finds them); as
root they run as the `postgres` user (runuser), as another user as that user. Nothing here is
mocked: initdb, pg_basebackup, pg_ctl promote, pg_rewind and SIGKILL are the real thing.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

PORTS = range(56000, 56100)  # this project's share of the machine's ports (notes: dp_rep)


def pg_bin() -> Path | None:
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name.split(".")[0]) if p.parent.name[0].isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(_as_owner(args), capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done  # type: ignore[no-any-return]


def free_port(taken: set[int] = frozenset()) -> int:  # type: ignore[assignment]
    """A port of PORTS nobody listens on, drawn at random: two test workers starting clusters
    at the same moment rarely draw the same one (and `start` retries on another)."""
    for port in random.sample(PORTS, len(PORTS)):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def make_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    path.chmod(0o700)
    return path


@dataclass
class Cluster:
    name: str  # also the standby's application_name
    data: Path
    port: int
    bin: Path

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database} connect_timeout=3"

    def start(self) -> None:
        _run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
             "start"]
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
        )

    def pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend it started: the machine is gone."""
        pid = self.pid()
        if pid is None:
            return
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
        for p in [pid, *(int(x) for x in children.stdout.split())]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        time.sleep(0.1)  # the backends notice the postmaster's death (and are killed above)

    def promote(self) -> None:
        _run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "promote"])

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def follow(self, primary: Cluster) -> None:
        """Make this (stopped) cluster a standby streaming from `primary`."""
        (self.data / "standby.signal").write_text("")
        auto = self.data / "postgresql.auto.conf"
        lines = [
            line
            for line in (auto.read_text().splitlines() if auto.exists() else [])
            if not line.startswith(("primary_conninfo", "synchronous_standby_names"))
        ]
        lines.append(
            f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
            f"application_name={self.name}'"
        )
        auto.write_text("\n".join(lines) + "\n")
        if os.geteuid() == 0:
            shutil.chown(auto, "postgres", "postgres")
            shutil.chown(self.data / "standby.signal", "postgres", "postgres")


CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
max_connections = 300
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
hot_standby = on
hot_standby_feedback = on
wal_log_hints = on
wal_receiver_status_interval = 1s
shared_buffers = '64MB'
fsync = {fsync}
"""


def _configure(data: Path, name: str, port: int, fsync: bool) -> None:
    conf = data / "postgresql.conf"
    text = conf.read_text()
    text += CONF.format(port=port, sockets=data.parent, fsync="on" if fsync else "off")
    conf.write_text(text)
    hba = data / "pg_hba.conf"
    hba.write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        "local replication all trust\nhost replication all 127.0.0.1/32 trust\n"
    )


def primary(root: Path, name: str, port: int, *, fsync: bool = True) -> Cluster:
    """initdb and start a primary in root/name."""
    binary = pg_bin()
    if binary is None:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql)")
    data = root / name
    _run(
        [str(binary / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
         "--encoding=UTF8", "--no-locale"]
    )  # fmt: skip
    _configure(data, name, port, fsync)
    cluster = Cluster(name, data, port, binary)
    cluster.start()
    return cluster


def standby(root: Path, name: str, port: int, of: Cluster) -> Cluster:
    """pg_basebackup `of` into root/name and start it streaming (hot standby)."""
    data = root / name
    if data.exists():
        shutil.rmtree(data)
    _run(
        [str(of.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(of.port), "-U", "postgres",
         "-D", str(data), "-X", "stream", "-c", "fast"]
    )  # fmt: skip
    conf = data / "postgresql.conf"
    conf.write_text(conf.read_text() + f"\nport = {port}\n")
    cluster = Cluster(name, data, port, of.bin)
    cluster.follow(of)
    cluster.start()
    return cluster


def rewind(cluster: Cluster, new_primary: Cluster) -> None:
    """Bring a killed former primary back as a standby of the new one (pg_rewind; a fresh
    base backup when the rewind fails)."""
    # A promoted server writes its new timeline into its control file only at the end-of-
    # recovery checkpoint; before it, pg_rewind sees one timeline and "no rewind required".
    new_primary.sql("CHECKPOINT")
    try:
        _run(
            [str(cluster.bin / "pg_rewind"), "-D", str(cluster.data),
             f"--source-server={new_primary.dsn()}"]
        )  # fmt: skip
    except RuntimeError:
        port = cluster.port
        fresh = standby(cluster.data.parent, cluster.name, port, new_primary)
        cluster.data = fresh.data
        return
    conf = cluster.data / "postgresql.conf"  # pg_rewind copies the source's configuration
    conf.write_text(conf.read_text() + f"\nport = {cluster.port}\n")
    cluster.follow(new_primary)
    cluster.start()


def wait_streaming(
    primary_: Cluster, standby_name: str, timeout: float = 60.0, standby_: Cluster | None = None
) -> None:
    """Until the standby streams from the primary (and, given `standby_`, on its timeline,
    having replayed all the primary had when asked)."""
    deadline = time.monotonic() + timeout
    target = None
    while time.monotonic() < deadline:
        rows = primary_.sql(
            f"SELECT state FROM pg_stat_replication WHERE application_name = '{standby_name}'"
        )
        if rows and rows[0][0] == "streaming":
            if standby_ is None:
                return
            if target is None:
                primary_.sql("CHECKPOINT")  # its control file names its timeline
                target, tli = primary_.sql(
                    "SELECT pg_current_wal_lsn()::text, timeline_id FROM pg_control_checkpoint()"
                )[0]
            caught = standby_.sql(
                f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn FROM pg_stat_wal_receiver"
                f" WHERE status = 'streaming' AND received_tli = {tli}"
            )
            if caught and caught[0][0]:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{standby_name} is not streaming from {primary_.name}")
