"""A live preview server (`cppn-motion live`'s) on 127.0.0.1 in a thread, for HTTP-level tests
(importable from any test)."""
from __future__ import annotations

import http.client
import json
import os
import threading
import time
from pathlib import Path

from cppn_motion.live.preview import PreviewState
from cppn_motion.live.preview_page import preview_page
from cppn_motion.live.server import LiveServer

TIMEOUT = 5.0  # seconds for any one request; the whole test file runs in a few seconds


def saved(path: Path, text: str) -> None:
    """Save as an editor would; the modification time is moved on too, as coarse clocks may not."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


class Running:
    """A LiveServer serving in a thread; request() talks to it with any Host header."""

    def __init__(self, ref: str, render=None) -> None:
        self.state = PreviewState(ref, {}, preview_page, render)
        self.state.start()
        self.server = LiveServer(self.state, 0)
        self.port = self.server.server_address[1]
        self.server.watch(interval=0.1)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def request(self, method: str, path: str, body: object = None, headers: dict | None = None):
        status, kind, data = self.request_bytes(method, path, body, headers)
        return status, kind, data.decode("utf-8")

    def request_bytes(self, method: str, path: str, body: object = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            data = None if body is None else json.dumps(body).encode()
            sent = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=data, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    def version(self) -> dict:
        status, kind, text = self.request("GET", "/version")
        assert status == 200 and kind == "application/json"
        return json.loads(text)

    def wait_for(self, condition, seconds: float = 2.0) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            state = self.version()
            if condition(state) or time.monotonic() > deadline:
                return state
            time.sleep(0.05)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(TIMEOUT)


