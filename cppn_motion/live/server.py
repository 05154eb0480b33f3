"""The live preview's HTTP server (standard library: one user, a handful of small requests, so
http.server and a polling thread are enough). It binds 127.0.0.1 only and answers only requests
addressed to 127.0.0.1 or localhost, so another site cannot reach it by DNS rebinding.

    GET  /          the page (preview_page)
    GET  /version   {"version": n, "error": one line or null, "values": the panel's, "render": progress}
    POST /set       {"net.depth": "12", ...}: --set values; 400 {"error": one line} when refused
    POST /save      writes NAME.edited.yaml (PreviewState.save); {"path": ...}
    POST /render    starts the real render to outputs/NAME.mp4; /version's "render" has its progress
    POST /variations  a new round of 9 candidates (gallery.py); /version's "variations" lists them as painted
    GET  /variations/R/I.png  candidate I of round R as a PNG thumbnail (404 when not there);
                    /variations/R/current.png the preset it mutates, for comparison
    POST /adopt     {"round": R, "index": I}: that candidate becomes the preset, as a panel edit would
    POST /reset     drops the panel's edits and adopted candidates: the file as saved
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cppn_motion.errors import UserError
from cppn_motion.live.preview import PreviewState, one_line

HOST = "127.0.0.1"
LOCAL_NAMES = ("127.0.0.1", "localhost")
MAX_BODY = 64 * 1024  # the panel's edits are a few hundred bytes
POLL_SECONDS = 0.3    # the file's modification time is checked this often: a save shows within a second
POSTS = ("/set", "/save", "/render", "/variations", "/adopt", "/reset")
_PICTURE = re.compile(r"/variations/(\d{1,9})/(\d{1,3}|current)\.png")


def host_name(header: str) -> str:
    """'localhost:8000' -> 'localhost' (the Host header's name, lower case, without the port)."""
    name = header.strip().lower()
    if name.startswith("["):
        return name.split("]")[0] + "]"
    return name.rsplit(":", 1)[0] if ":" in name else name


class _Handler(BaseHTTPRequestHandler):
    server: LiveServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: the terminal shows errors only
        pass

    def _send(self, status: int, body: str | bytes, kind: str) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, value: dict[str, Any]) -> None:
        self._send(status, json.dumps(value), "application/json")

    def _local(self) -> bool:
        """Refuse a request addressed to any other name (a rebinding site's) with 403 and one line."""
        host = self.headers.get("Host", "")
        if host_name(host) in LOCAL_NAMES:
            return True
        self._send(403, f"refused: the live preview answers only 127.0.0.1 or localhost; Host was '{host}'\n",
                   "text/plain; charset=utf-8")
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if not self._local():
            return
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._send(200, self.server.state.current(), "text/html; charset=utf-8")
        elif path == "/version":
            self._json(200, self.server.state.snapshot())
        elif (cell := _PICTURE.fullmatch(path)) is not None:
            round_number, index = int(cell.group(1)), None if cell.group(2) == "current" else int(cell.group(2))
            picture = self.server.state.gallery.picture(round_number, index)
            if picture is None:
                self._send(404, f"not found: no picture {cell.group(2)} in round {round_number} (the grid shows round "
                                f"{self.server.state.gallery.round})\n", "text/plain; charset=utf-8")
            else:
                self._send(200, picture, "image/png")
        else:
            self._send(404, f"not found: {path} (the live preview serves /, /version and /variations/R/I.png)\n",
                       "text/plain; charset=utf-8")

    def _body(self) -> dict[str, Any] | None:
        """The JSON object of a POST from the page itself; None (and the answer sent) otherwise."""
        origin = self.headers.get("Origin")
        if origin is not None and host_name(urlsplit(origin).netloc) not in LOCAL_NAMES:
            self._json(403, {"error": f"refused: a request from another site ({origin})"})
            return None
        # JSON only: a form on another site cannot send this type without the browser asking first.
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._json(415, {"error": "expected a JSON body (Content-Type: application/json)"})
            return None
        text = self.headers.get("Content-Length") or "0"
        length = int(text) if text.isdigit() else -1
        if not 0 <= length <= MAX_BODY:
            self._json(413, {"error": f"a body of at most {MAX_BODY} bytes; got Content-Length {text}"})
            return None
        try:
            value = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            self._json(400, {"error": "expected a JSON object of KEY: VALUE text"})
            return None
        return value

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        if not self._local():
            return
        path = urlsplit(self.path).path
        if path not in POSTS:
            self._json(404, {"error": f"not found: {path}"})
            return
        body = self._body()
        if body is None:
            return
        state: PreviewState = self.server.state
        try:
            if path == "/set":
                state.apply({str(key): str(value) for key, value in body.items()})
                self._json(200, state.snapshot())
            elif path == "/render":
                self._json(200, {"render": state.start_render()})
            elif path == "/variations":
                self._json(200, {"variations": state.variations()})
            elif path == "/adopt":
                state.adopt(body.get("round"), body.get("index"))
                self._json(200, state.snapshot())
            elif path == "/reset":
                state.reset()
                self._json(200, state.snapshot())
            else:
                self._json(200, {"path": str(state.save())})
        except Exception as exc:  # refused values and failed builds alike: one line for the page
            self._json(400, {"error": one_line(exc)})


class LiveServer(ThreadingHTTPServer):
    """Serves one PreviewState on 127.0.0.1; `watch()` starts the thread that follows the file."""

    daemon_threads = True

    def __init__(self, state: PreviewState, port: int = 0) -> None:
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as exc:
            raise UserError(f"--port {port}: cannot listen on {HOST}:{port} ({exc.strerror or exc}); "
                            "give another port, or 0 for a free one") from None
        self.state = state
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def watch(self, interval: float = POLL_SECONDS) -> None:
        """Poll the preset file in a daemon thread (a bundled name has no file: nothing to watch)."""
        if self.state.path is None:
            return

        def follow() -> None:
            while not self._stop.wait(interval):
                self.state.poll()

        threading.Thread(target=follow, name="cppn-motion-live-watch", daemon=True).start()

    def server_close(self) -> None:
        self._stop.set()
        super().server_close()
