"""The browser fixture really drives a browser.

Serves a tiny page of our own (not the dualpower app) with ``http.server`` on localhost, clicks
a button whose JavaScript changes some text, and takes a screenshot.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.browser

PAGE = b"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>smoke</title></head>
<body>
  <p id="out">before</p>
  <button id="go" type="button">Go</button>
  <script>
    document.getElementById("go").addEventListener("click", function () {
      document.getElementById("out").textContent = "after: " + (6 * 7);
    });
  </script>
</body>
</html>
"""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output quiet


@pytest.fixture
def tiny_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="tiny-site", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_click_changes_text_and_screenshot(page, tiny_site, tmp_path) -> None:
    from playwright.sync_api import expect

    response = page.goto(tiny_site)
    assert response is not None and response.status == 200
    assert page.title() == "smoke"

    out = page.locator("#out")
    expect(out).to_have_text("before")
    page.click("#go")
    expect(out).to_have_text("after: 42")
    assert page.evaluate("document.getElementById('out').textContent") == "after: 42"

    shot = tmp_path / "smoke.png"
    data = page.screenshot(path=str(shot), full_page=True)
    assert shot.is_file() and shot.read_bytes() == data
    assert data.startswith(PNG_SIGNATURE)
    # The IHDR chunk follows the signature: a real, non-empty image.
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 0 and height > 0
    assert len(data) > 100
