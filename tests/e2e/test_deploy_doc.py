# ruff: noqa: E501  (the bash stand-ins keep their lines whole)
"""docs/deploy.md, run (issue 23): every ```sh block of the page, in order, as one bash script,
from a fresh directory tree to a federation served by two processes behind nginx over HTTPS,
backed up, restored into a new database and upgraded, on a PostgreSQL cluster of its own.

The commands are the page's own text. What a CI machine cannot do is stood in for, each stand-in
a bash function defined before the page's commands (STAND_INS below) and named here:

- the machine's directories (/etc/dualpower, /opt/dualpower, /var/lib/dualpower,
  /var/backups/dualpower, /etc/systemd/system, /etc/nginx, /etc/letsencrypt, /var/www/html) are
  directories under a temporary root: the page's paths are rewritten (PATHS), so the test never
  touches the machine's own; the ports 8001 and 8002 become free ports;
- `apt-get install` checks the packages are installed (dpkg) instead of installing them;
  certbot is not needed (below);
- `adduser` creates no user, `sudo -u dualpower` runs as the test's user, `install -o/-g`
  sets no owner; `sudo -u postgres` runs as postgres (as root) against the test's cluster;
- `python3 -m venv` makes a real virtualenv that sees the project's test virtualenv's packages
  (no download), and `pip install /path/to/dualpower` installs this checkout into it for real
  (not editable; `--no-deps` added: its build backend is fetched as pip always does);
- `editor` writes the database URL of the test's cluster into the environment file;
- **systemd** (no systemd runs on a CI machine): `systemctl` reads the unit files the page
  copied (deploy/systemd) and does what systemd would: `enable --now`/`start` of a service
  starts its ExecStart (%i, %% expanded) in the background with its EnvironmentFile and
  WorkingDirectory, its output to a journal file; of a timer, runs its service once (a oneshot:
  ExecStart then ExecStartPost, which must exit 0); `stop` ends what it started; `daemon-reload`
  checks every unit file names an existing program; `journalctl -u UNIT -n N` shows that
  journal file's last lines; `reload nginx` starts or reloads the test's nginx;
- **DNS and the certificate authority**: `certbot` writes a self-signed certificate where
  Let's Encrypt would; `nginx` runs Debian's nginx with a main configuration like Debian's
  (mime.types, the sites-enabled files) whose `listen` ports are free ports on 127.0.0.1.

After the page's commands the test checks what the page promises: `serve` said its database,
schema and federation; /readyz answered through nginx over HTTPS; the nightly backup and the
by-hand backup exist; the restored database passed `restore`'s checks; the upgrade's `migrate`
and `check` passed and both servers serve again.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deploy.md"
PLAN = ROOT / "docs" / "examples" / "tenants-federation.json"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
sys.path.insert(0, str(ROOT / "tests"))
import pg_cluster  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed"),
    pytest.mark.skipif(pg_cluster.pg_bin() is None, reason="PostgreSQL is not installed"),
]

# The machine's directories the page uses, each under the test's root.
MACHINE_DIRS = [
    "/etc/dualpower",
    "/opt/dualpower",
    "/var/lib/dualpower",
    "/var/backups/dualpower",
    "/etc/systemd/system",
    "/etc/nginx",
    "/etc/letsencrypt",
    "/var/www/html",
]


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def rewrite(text: str, root: Path, ports: dict[str, int], pg_port: int) -> str:
    """The page's commands with the machine's paths under `root` and the placeholders filled."""
    fills = {
        "/path/to/new/dualpower": f"--no-deps {ROOT}",
        "/path/to/dualpower": f"--no-deps {ROOT}",
        "/path/to/plan.json": str(PLAN),
        "dualpower:...@127.0.0.1/": f"dualpower:pw@127.0.0.1:{pg_port}/",
        "/var/backups/dualpower/X.backup": "/var/backups/dualpower/now.backup",
        "/tmp/codes.csv": f"{root}/codes.csv",
    }
    for old, new in fills.items():
        text = text.replace(old, new)
    for old, new in ports.items():
        text = text.replace(old, str(new))
    for path in MACHINE_DIRS:
        text = re.sub(rf"(?<![\w/]){re.escape(path)}(?=[/\s'\"*]|$)", f"{root}{path}", text)
    leftover = re.findall(r"/path/to/\S*|\.\.\.@", text)
    assert not leftover, f"docs/deploy.md has placeholders the test does not fill: {leftover}"
    return text


STAND_INS = r"""
set -Eeuo pipefail
shopt -s nullglob
export ROOT REPO PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=postgres
JOURNAL="$ROOT/journal"; mkdir -p "$JOURNAL" "$ROOT/run"
say() { printf '+ [stand-in] %s\n' "$*" >&2; }
to_root() {  # a path the unit files or nginx name: under the test's root
    local text="$1" d
    for d in /etc/dualpower /opt/dualpower /var/lib/dualpower /var/backups/dualpower \
             /etc/systemd/system /etc/nginx /etc/letsencrypt /var/www/html; do
        text="${text//"$d"/"$ROOT$d"}"
    done
    text="${text//8001/$PORT_A}"; text="${text//8002/$PORT_B}"
    printf '%s' "$text"
}
apt-get() {
    case "${1:-}" in
    update) say "apt-get update: skipped"; return 0 ;;
    install) shift ;;
    *) echo "apt-get stand-in: $*" >&2; return 1 ;;
    esac
    local p
    for p in "$@"; do
        case "$p" in -*) continue ;; certbot | python3-certbot-nginx) continue ;; esac
        dpkg -s "$p" >/dev/null 2>&1 || { echo "package $p is not installed" >&2; return 1; }
    done
    say "apt-get install $*: installed already (certbot: stand-in)"
}
adduser() { say "adduser $*: no user made (the test's user stands in)"; }
install() {
    local args=() skip=0 a
    for a in "$@"; do
        if ((skip)); then skip=0; continue; fi
        case "$a" in -o | -g) skip=1 ;; *) args+=("$a") ;; esac
    done
    command install "${args[@]}"
}
sudo() {
    local user="" keep=0
    while (($#)); do
        case "$1" in -E) keep=1; shift ;; -u) user="$2"; shift 2 ;; *) break ;; esac
    done
    if [[ "$user" == postgres && $EUID -eq 0 ]]; then
        runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" "$@"
    else
        "$@"
    fi
}
python3() {
    if [[ "${1:-}" == -m && "${2:-}" == venv ]]; then
        "$REPO/.venv/bin/python" -m venv "$3"
        local site; site="$("$3/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
        "$REPO/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' >"$site/_test_deps.pth"
        say "venv $3 sees the test virtualenv's packages (no download)"
    else
        command python3 "$@"
    fi
}
editor() {
    sed -i -e "s|^DUALPOWER_DATABASE_URL=.*|DUALPOWER_DATABASE_URL=postgresql+psycopg://dualpower:pw@127.0.0.1:$PG_PORT/dualpower|" \
        -e "s|^DUALPOWER_BASE_URL=.*|DUALPOWER_BASE_URL=https://your.domain|" "$1"
    say "editor $1: the test cluster's database URL"
}
certbot() {
    local domain="" a prev=""
    for a in "$@"; do [[ "$prev" == -d ]] && domain="$a"; prev="$a"; done
    local live="$ROOT/etc/letsencrypt/live/$domain"
    mkdir -p "$live"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout "$live/privkey.pem" \
        -out "$live/fullchain.pem" -subj "/CN=$domain" >/dev/null 2>&1
    say "certbot: a self-signed certificate for $domain"
}
unit_file() {  # dualpower@8001.service -> the template's file; prints the file
    local name="$1" file
    [[ "$name" == *.* ]] || name="$name.service"
    file="$ROOT/etc/systemd/system/$name"
    [[ -f "$file" ]] || file="$ROOT/etc/systemd/system/${name%%@*}@.${name##*.}"
    [[ -f "$file" ]] || { echo "no unit file for $1" >&2; return 1; }
    printf '%s' "$file"
}
unit_key() {  # unit_key FILE KEY INSTANCE: the value(s) of KEY=, %i and %% expanded
    local line
    while IFS= read -r line; do
        [[ "$line" == "$2="* ]] || continue
        line="${line#"$2="}"; line="${line//%i/$3}"; line="${line//%%/%}"
        to_root "$line"; printf '\n'
    done <"$1"
}
unit_run() {  # unit_run FILE INSTANCE KEY [background]
    local file="$1" inst="$2" key="$3" bg="${4:-}" cmd env wd assign
    env="$(unit_key "$file" EnvironmentFile "$inst")"
    wd="$(unit_key "$file" WorkingDirectory "$inst")"
    while IFS= read -r assign; do [[ -n "$assign" ]] && export "${assign?}"; done \
        < <(unit_key "$file" Environment "$inst")
    while IFS= read -r cmd; do
        [[ -n "$cmd" ]] || continue
        if [[ -n "$bg" ]]; then
            (cd "${wd:-/}" && set -a && . "$env" && set +a && eval "exec $cmd") \
                >>"$JOURNAL/$bg.log" 2>&1 &
            echo $! >"$ROOT/run/$bg.pid"
        else
            (cd "${wd:-/}" && set -a && . "$env" && set +a && eval "$cmd") >>"$JOURNAL/$5.log" 2>&1
        fi
    done < <(unit_key "$file" "$key" "$inst")
}
wait_port() {
    local i
    for i in $(seq 1 600); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "nothing listens on $1" >&2; return 1
}
nginx_conf() {
    local site
    : >"$ROOT/run/sites.conf"
    for site in "$ROOT"/etc/nginx/sites-enabled/*; do
        to_root "$(cat "$site")" | sed -e "s/listen 443 ssl http2;/listen 127.0.0.1:$PORT_HTTPS ssl http2;/" \
            -e "s/listen 80;/listen 127.0.0.1:$PORT_HTTP;/" -e '/listen \[::\]/d' >>"$ROOT/run/sites.conf"
    done
    mkdir -p "$ROOT/run/nginx-tmp" "$ROOT/run/nginx-logs"
    local user=""  # as Debian's nginx.conf: workers run as www-data
    [[ $EUID -eq 0 ]] && id www-data >/dev/null 2>&1 && user="user www-data;"
    cat >"$ROOT/run/nginx.conf" <<EOF
$user
pid $ROOT/run/nginx.pid;
error_log $ROOT/run/nginx-logs/error.log;
events {}
http {
    include /etc/nginx/mime.types; default_type application/octet-stream;
    access_log $ROOT/run/nginx-logs/access.log;
    client_body_temp_path $ROOT/run/nginx-tmp/body; proxy_temp_path $ROOT/run/nginx-tmp/proxy;
    fastcgi_temp_path $ROOT/run/nginx-tmp/fcgi; uwsgi_temp_path $ROOT/run/nginx-tmp/uwsgi;
    scgi_temp_path $ROOT/run/nginx-tmp/scgi;
    include $ROOT/run/sites.conf;
}
EOF
}
nginx() {
    nginx_conf
    command "$NGINX_BIN" -p "$ROOT/run" -c "$ROOT/run/nginx.conf" "$@"
}
systemctl() {
    local verb="$1" now=0 unit file inst; shift
    case "$verb" in
    daemon-reload)
        for file in "$ROOT"/etc/systemd/system/*; do
            local prog
            prog="$(unit_key "$file" ExecStart x | head -n1 | cut -d' ' -f1)"
            [[ -z "$prog" || -x "$prog" ]] || { echo "$file: $prog is not a program" >&2; return 1; }
        done
        say "systemctl daemon-reload: every unit's program exists"; return 0 ;;
    reload | restart)
        [[ "$1" == nginx ]] || { echo "systemctl $verb $1: not stood in" >&2; return 1; }
        if [[ -s "$ROOT/run/nginx.pid" ]]; then nginx -s reload; else nginx; fi
        wait_port "$PORT_HTTPS"; say "systemctl $verb nginx"; return 0 ;;
    stop)
        for unit in "$@"; do
            local pidfile
            for pidfile in "$ROOT"/run/${unit//\'/}.pid; do
                [[ -f "$pidfile" ]] || continue
                kill "$(cat "$pidfile")" 2>/dev/null || true
                local i; for i in $(seq 1 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
                rm -f "$pidfile"; say "systemctl stop $(basename "$pidfile" .pid)"
            done
        done
        return 0 ;;
    enable) [[ "${1:-}" == --now ]] && { now=1; shift; } ;;
    start) now=1 ;;
    *) echo "systemctl $verb: not stood in" >&2; return 1 ;;
    esac
    ((now)) || return 0
    for unit in "$@"; do
        file="$(unit_file "$unit")"
        inst=""; [[ "$unit" == *@* ]] && { inst="${unit#*@}"; inst="${inst%%.*}"; inst="$(to_root "$inst")"; }
        case "$unit" in
        *.timer)  # a timer: its service once, now
            local svc; svc="$(unit_file "${unit%.timer}.service")"
            unit_run "$svc" "$inst" ExecStart "" "${unit%.timer}"
            unit_run "$svc" "$inst" ExecStartPost "" "${unit%.timer}"
            say "systemctl start $unit: ${unit%.timer}.service ran once" ;;
        *)
            unit_run "$file" "$inst" ExecStart "${unit%.service}"
            wait_port "$inst"
            say "systemctl start $unit: listening on $inst" ;;
        esac
    done
}
journalctl() {
    local unit="" n=10
    while (($#)); do case "$1" in -u) unit="$2"; shift 2 ;; -n) n="$2"; shift 2 ;; *) shift ;; esac; done
    tail -n "$n" "$JOURNAL/$(to_root "$unit").log"
}
cd "$REPO"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cluster() -> Iterator[pg_cluster.Cluster]:
    base = Path(os.environ.get("TMPDIR", "/tmp")) if os.geteuid() != 0 else Path("/tmp")
    root = Path(
        subprocess.check_output(["mktemp", "-d", str(base / "dp-deploydoc.XXXXXX")])
        .decode()
        .strip()
    )
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = pg_cluster.primary(root, "pg", _free_port(), fsync=False)
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_the_deploy_page_runs_from_a_fresh_tree_to_a_served_federation(
    cluster: pg_cluster.Cluster, tmp_path: Path
) -> None:
    # Readable by nginx's workers (www-data), as /opt and /etc are: not under pytest's 0700 tmp.
    root = Path(tempfile.mkdtemp(prefix="dp-deploydoc-machine-", dir="/tmp"))
    root.chmod(0o755)
    for d in [*MACHINE_DIRS, "/etc/nginx/sites-available", "/etc/nginx/sites-enabled"]:
        (root / d.lstrip("/")).mkdir(parents=True, exist_ok=True)
    ports = {"8001": _free_port(), "8002": _free_port()}
    https, http = _free_port(), _free_port()
    blocks = sh_blocks(DOC.read_text())
    assert len(blocks) >= 8, "docs/deploy.md lost its command blocks"
    script = STAND_INS + "\n".join(
        f"echo '=== docs/deploy.md block {n}' >&2\n{rewrite(block, root, ports, cluster.port)}"
        for n, block in enumerate(blocks, 1)
    )
    (tmp_path / "deploy.sh").write_text(script)
    env = {
        **os.environ,
        "ROOT": str(root),
        "REPO": str(ROOT),
        "PG_PORT": str(cluster.port),
        "PORT_A": str(ports["8001"]),
        "PORT_B": str(ports["8002"]),
        "PORT_HTTPS": str(https),
        "PORT_HTTP": str(http),
        "NGINX_BIN": str(NGINX),  # not NGINX: nginx reads that one (inherited sockets)
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("DUALPOWER_DATABASE_URL", None)
    try:
        with (tmp_path / "out.txt").open("w") as out, (tmp_path / "err.txt").open("w") as err:
            code = subprocess.run(
                ["bash", str(tmp_path / "deploy.sh")], env=env, stdout=out, stderr=err, timeout=600
            ).returncode
        said_out, said_err = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
        journal = {p.name: p.read_text() for p in (root / "journal").glob("*.log")}
        assert code == 0, (said_out[-3000:], said_err[-6000:], journal)

        said = journal[f"dualpower@{ports['8001']}.log"]
        assert "postgresql+psycopg://dualpower:***@" in said and "schema " in said, said
        assert "the federation " in said, said
        assert '"ready": true' in said_out or '"ready":true' in said_out, said_out
        backups = sorted(p.name for p in (root / "var/backups/dualpower").iterdir())
        assert "now.backup" in backups and "pre-upgrade.backup" in backups, backups
        assert any(re.fullmatch(r"dualpower-\d{4}-\d\d-\d\dT\d{4}\.backup", b) for b in backups)
        restored = cluster.sql("SELECT count(*) FROM members", database="dualpower_restored")
        assert restored[0][0] > 0

        # After the upgrade's restart: both servers behind nginx, over HTTPS.
        tls = ssl.create_default_context()
        tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
        for path in ("/healthz", "/readyz", "/login", "/static/site.css"):
            with urllib.request.urlopen(f"https://127.0.0.1:{https}{path}", context=tls) as r:  # noqa: S310
                assert r.status == 200, path
    finally:
        for pidfile in (root / "run").glob("*.pid"):
            if pidfile.name == "nginx.pid":
                continue
            try:
                os.kill(int(pidfile.read_text()), 15)
            except (OSError, ValueError):
                pass
        if (root / "run" / "nginx.conf").exists():
            subprocess.run(
                [
                    str(NGINX),
                    "-p",
                    str(root / "run"),
                    "-c",
                    str(root / "run/nginx.conf"),
                    "-s",
                    "quit",
                ],
                capture_output=True,
            )
        time.sleep(0.5)
        shutil.rmtree(root, ignore_errors=True)
