"""A headless Chromium driven over the DevTools protocol through a pipe (--remote-debugging-pipe:
the browser reads NUL-terminated JSON commands on fd 3 and writes answers on fd 4), so a test can
click, wait and take screenshots with the standard library alone (no websocket client needed).
Importable from any test, and from bench/ scripts."""
from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import time
from typing import Any

from headless import FLAGS, chromium


class DevToolsError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page of `width` x `height` CSS pixels; close() ends it."""

    def __init__(self, width: int = 1280, height: int = 720, flags: list[str] | None = None) -> None:
        to_browser, self._commands = os.pipe()
        self._answers, from_browser = os.pipe()

        def onto_3_and_4() -> None:  # in the child: the two pipe ends become fds 3 and 4
            reads, writes = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10), fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(
            [chromium(), *(flags or FLAGS), "--remote-debugging-pipe", f"--window-size={width},{height}",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # Python's own descriptors are not inherited (PEP 446), so only 0-4 reach the browser.
            preexec_fn=onto_3_and_4, close_fds=False)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next = 0
        self.session: str | None = None
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        """Send one command (to the page once attached) and wait for its answer; events are dropped."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if self.session is not None:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._answers], [], [], left)[0]:
                raise TimeoutError("no answer from chromium in time")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise DevToolsError("chromium closed its DevTools pipe (it exited)")
            self._buffer += chunk
        text, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(text)

    def open(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})

    def evaluate(self, expression: str, timeout: float = 60) -> Any:
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression[:80]}: {result['exceptionDetails'].get('exception', result)}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60, interval: float = 0.05) -> Any:
        """Poll until the expression is truthy (an exception, as while a page loads, counts as not yet)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression, max(1.0, deadline - time.monotonic()))
            except DevToolsError:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"not true within {timeout} s: {expression}")
            time.sleep(interval)

    def screenshot(self, kind: str = "png", quality: int = 85) -> bytes:
        params: dict[str, Any] = {"format": kind}
        if kind == "jpeg":
            params["quality"] = quality
        return base64.b64decode(self.send("Page.captureScreenshot", params, timeout=600)["data"])

    def close(self) -> None:
        try:
            os.close(self._commands)
            os.close(self._answers)
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
