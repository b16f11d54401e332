"""Behind a reverse proxy (issue 23): Debian's nginx with deploy/nginx/dualpower.conf (a test
certificate, free ports) in front of two `dualpower serve` processes on one database, on SQLite
and PostgreSQL. Pages and the API answer through it over HTTPS, the session cookie is Secure
(the servers believe nginx's X-Forwarded-Proto), the request id is nginx's, static files come
from nginx, live updates stream unbuffered, and both processes serve; Chromium uses the site
through it (log in, pages, live updates, an error page, log out)."""

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
from dualpower.web.deps import SESSION_COOKIE
from factories import PASSWORD, small_federation

EXE = Path(sys.executable).with_name("dualpower")
DUALPOWER = str(EXE) if EXE.exists() else shutil.which("dualpower")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CONF = Path(__file__).resolve().parents[3] / "deploy" / "nginx" / "dualpower.conf"
# As Debian's /etc/nginx/nginx.conf: without the types, nginx serves scripts and stylesheets as
# text/plain and the browser (nosniff) refuses them.
MIME = "include /etc/nginx/mime.types; default_type application/octet-stream;"
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


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test certificate and its key (c, k), made once: an RSA key takes a while to make."""
    where = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(where / "k"), "-out", str(where / "c"), "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return where


@pytest.fixture
def proxied(system: System, tmp_path: Path, certificate: Path) -> Iterator[str]:
    small_federation(system, elect=False)
    url = system.engine.url.render_as_string(hide_password=False)
    for name in ("c", "k"):
        shutil.copyfile(certificate / name, tmp_path / name)
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
        f"events {{}}\nhttp {{ access_log off; {temp} {MIME} include {tmp_path / 'site.conf'}; }}\n"
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
        assert css.headers["Content-Type"].startswith("text/css")
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


@pytest.mark.browser
def test_a_member_uses_the_site_in_a_browser_through_nginx(browser: Any, proxied: str) -> None:
    """Chromium over HTTPS through nginx to the two processes: log in, a page, live updates by
    EventSource, an error page naming nginx's request id, log out."""
    from playwright.sync_api import expect

    context = browser.new_context(ignore_https_errors=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    answers: list[Any] = []
    page.on("response", lambda answer: answers.append(answer))
    try:
        page.goto(f"{proxied}/me")
        expect(page).to_have_url(f"{proxied}/login?next=/me")  # https kept: no http:// redirect
        page.get_by_label("Username").fill("forge5")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{proxied}/me")
        expect(page.get_by_role("heading", level=1)).to_have_text("Forge Member 5")
        session = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
        assert session and session[0]["secure"] and session[0]["httpOnly"], session

        # The page's stylesheet is applied, and it came from nginx (its Cache-Control).
        loaded = "[...document.querySelectorAll('link[rel=stylesheet]')].map(l => !!l.sheet)"
        assert page.evaluate(loaded) == [True]
        status, cache = page.evaluate(
            "fetch('/static/site.css').then(r => [r.status, r.headers.get('cache-control')])"
        )
        assert status == 200 and "public" in cache
        assert not [a for a in answers if a.status >= 500]

        # The session works on both processes (nginx alternates): ten pages in a row.
        for _ in range(10):
            assert page.goto(f"{proxied}/me").status == 200  # type: ignore[union-attr]
            expect(page.get_by_role("heading", level=1)).to_have_text("Forge Member 5")

        # Live updates reach the browser through nginx at once (not when a buffer fills): the
        # council page's script hears the composition's first event and marks itself listening.
        council = page.evaluate("fetch('/api/v1/councils').then(r => r.json())")[0]["id"]
        first = page.evaluate(
            """(url) => new Promise((done, fail) => {
                const source = new EventSource(url);
                const timer = setTimeout(() => { source.close(); fail("no event"); }, 10000);
                source.addEventListener("composition", (e) => {
                    clearTimeout(timer); source.close(); done(e.data); });
                source.onerror = (e) => { fail("error " + source.readyState); };
            })""",
            f"/api/v1/councils/{council}/events",
        )
        assert "seats" in json.loads(first), first
        page.goto(f"{proxied}/councils/{council}")
        expect(page.locator(".seats-live")).to_have_attribute("data-listening", "yes")

        # An error page names the request id nginx gave the request.
        missing = page.goto(f"{proxied}/councils/999999")
        assert missing is not None and missing.status == 404
        rid = missing.headers["x-request-id"]
        assert len(rid) == 32  # nginx's $request_id: 32 hex digits
        expect(page.locator(".request-id code")).to_have_text(rid)

        page.goto(f"{proxied}/me")
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(f"{proxied}/")
        expect(page.get_by_role("link", name="Log in")).to_be_visible()
    finally:
        context.close()
