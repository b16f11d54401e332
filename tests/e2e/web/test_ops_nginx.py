"""Behind a reverse proxy (issue 23): Debian's nginx with deploy/nginx/dualpower.conf (a test
certificate, free ports) in front of two `dualpower serve` processes on one database, on SQLite
and PostgreSQL. Pages and the API answer through it over HTTPS, the session cookie is Secure
(the servers believe nginx's X-Forwarded-Proto), the request id is nginx's, static files come
from nginx, live updates stream unbuffered, and both processes serve."""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dualpower.bootstrap import System
from factories import small_federation

EXE = Path(sys.executable).with_name("dualpower")
DUALPOWER = str(EXE) if EXE.exists() else shutil.which("dualpower")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CONF = Path(__file__).resolve().parents[3] / "deploy" / "nginx" / "dualpower.conf"
STATIC = Path(__file__).resolve().parents[3] / "src" / "dualpower" / "web" / "static"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None or DUALPOWER is None, reason="nginx is not installed"),
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    deadline = time.monotonic() + 120  # a serve process imports the web stack: seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def _site(tmp: Path, https: int, http: int, upstreams: list[int]) -> str:
    text = CONF.read_text()
    text = text.replace("/etc/letsencrypt/live/council.example.org/fullchain.pem", str(tmp / "c"))
    text = text.replace("/etc/letsencrypt/live/council.example.org/privkey.pem", str(tmp / "k"))
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http};")
    text = text.replace("listen [::]:443 ssl http2;", "").replace("listen [::]:80;", "")
    text = text.replace("server 127.0.0.1:8001;", f"server 127.0.0.1:{upstreams[0]};")
    text = text.replace("server 127.0.0.1:8002;", f"server 127.0.0.1:{upstreams[1]};")
    return text.replace("/opt/dualpower/static/", f"{STATIC}/")


@pytest.fixture
def proxied(system: System, tmp_path: Path) -> Iterator[str]:
    small_federation(system, elect=False)
    url = system.engine.url.render_as_string(hide_password=False)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(tmp_path / "k"), "-out", str(tmp_path / "c"), "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    upstreams, https, http = [_port(), _port()], _port(), _port()
    env = {**os.environ, "DUALPOWER_DATABASE_URL": url, "DUALPOWER_TRUSTED_PROXIES": "127.0.0.1"}
    logs = [open(tmp_path / f"serve{port}.log", "w") for port in upstreams]  # noqa: SIM115
    servers = [
        subprocess.Popen(
            [str(DUALPOWER), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
        )  # fmt: skip
        for port, log in zip(upstreams, logs, strict=True)
    ]
    for d in ("logs", "tmp"):
        (tmp_path / d).mkdir()
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "site.conf").write_text(_site(tmp_path, https, http, upstreams))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'logs' / 'error.log'};\n"
        f"events {{}}\nhttp {{ access_log off; {temp} include {tmp_path / 'site.conf'}; }}\n"
    )
    nginx = [str(NGINX), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    subprocess.run(nginx, check=True, capture_output=True)
    try:
        for port in (*upstreams, https):
            _wait(port)
        yield f"https://127.0.0.1:{https}"
    finally:
        subprocess.run([*nginx, "-s", "quit"], capture_output=True)
        said = []
        for server, log in zip(servers, logs, strict=True):
            server.terminate()
            out, _ = server.communicate(timeout=15)
            said.append(out.decode())
            log.close()
        for out in said:
            assert "schema " in out and "the federation " in out, out


_TLS = ssl.create_default_context()
_TLS.check_hostname, _TLS.verify_mode = False, ssl.CERT_NONE


def _get(url: str, **headers: str) -> Any:
    request = urllib.request.Request(url, headers=headers)
    return urllib.request.urlopen(request, context=_TLS, timeout=20)  # noqa: S310


def test_the_federation_answers_through_nginx(proxied: str) -> None:
    with _get(f"{proxied}/api/v1/councils") as r:
        assert r.status == 200 and r.headers["X-Request-ID"]
    with _get(f"{proxied}/login") as page:
        cookies = page.headers.get_all("Set-Cookie")
        assert any("dp_login_csrf" in c and "Secure" in c for c in cookies), cookies
    with _get(f"{proxied}/static/{next(p.name for p in STATIC.glob('*.css'))}") as css:
        assert css.status == 200 and "public" in css.headers.get_all("Cache-Control")
    with _get(f"{proxied}/readyz") as ready:
        assert ready.status == 200
    ids = set()
    for _ in range(6):  # both processes serve (nginx's round robin)
        with _get(f"{proxied}/healthz") as r:
            ids.add(r.headers["X-Request-ID"])
    assert len(ids) == 6


def test_live_updates_stream_unbuffered(proxied: str) -> None:
    with _get(f"{proxied}/api/v1/councils") as r:
        council = json.loads(r.read())[0]["id"]
    started = time.monotonic()
    with _get(f"{proxied}/api/v1/councils/{council}/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = stream.readline()  # the current state comes at once, not when a buffer fills
    assert first and time.monotonic() - started < 10
