"""The body limit counts a streamed body as it arrives (issue 23): an oversized body is refused
after the chunk that passes the limit, never read whole; and names with control characters
still make well-formed SVG pictures."""

from __future__ import annotations

import asyncio
import threading
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from starlette.exceptions import HTTPException

from dualpower.web import pictures
from dualpower.web.guards import BodyLimitMiddleware, max_body_bytes

MB = 1 << 20


def _run(limit: int, chunks: int, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
    """Send `chunks` chunks of 1 MiB (made as they are asked for) to an app that reads all."""
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * MB, "more_body": pulled < chunks}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass

    async def send(_: Any) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    refused: list[HTTPException] = []

    def run() -> None:  # a loop of its own, in a thread of its own: a browser test's sync
        try:  # Playwright may keep a loop running in this worker's main thread
            asyncio.run(BodyLimitMiddleware(app, limit)(scope, receive, send))
        except HTTPException as error:
            refused.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return pulled, (refused[0] if refused else None)


def test_a_streamed_body_is_refused_at_the_chunk_past_the_limit() -> None:
    pulled, refused = _run(2 * MB, 300, [])  # 300 MB, chunked: no Content-Length
    assert pulled == 3 and refused is not None and refused.status_code == 413


def test_a_declared_length_above_the_limit_is_refused_before_any_read() -> None:
    pulled, refused = _run(2 * MB, 300, [(b"content-length", str(300 * MB).encode())])
    assert pulled == 0 and refused is not None and refused.status_code == 413


def test_a_body_within_the_limit_is_read_whole() -> None:
    assert _run(4 * MB, 3, []) == (3, None)


def test_the_limit_is_configured_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_body_bytes() == MB
    monkeypatch.setenv("DUALPOWER_MAX_BODY_BYTES", "65536")
    assert max_body_bytes() == 65536
    monkeypatch.setenv("DUALPOWER_MAX_BODY_BYTES", "lots")
    with pytest.raises(ValueError, match="number of bytes"):
        max_body_bytes()


NASTY = "Soviet\x00of\x1b[31m\x07Workers <&> \x7f\ud800"


def test_control_characters_are_drawn_not_written() -> None:
    pictures_ = [
        pictures.hemicycle(NASTY, 3, {NASTY: 2}, {NASTY: "#ff0000"}),
        pictures.tree([{"id": 1, "name": NASTY, "majority": NASTY, "children": []}], {}),
    ]
    for svg in pictures_:
        ET.fromstring(svg.encode())  # well-formed XML 1.0
        assert "\x00" not in svg and "\x1b" not in svg and "\u2400" in svg
