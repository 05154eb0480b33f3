"""Headless Chromium for the live tests: load a page from a file, read the frames it writes back
into its DOM (live/page.py's ?dump=), and compare them with the CPU (importable from any test)."""
from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import pytest

# WebGL2 without a GPU: ANGLE over SwiftShader; the resolver rule makes any network request fail.
FLAGS = ["--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
         "--hide-scrollbars", "--force-device-scale-factor=1", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--disable-extensions", "--no-first-run"]

_PIXELS = re.compile(r'id="cppn-motion-pixels-(\d+)"[^>]*>(\d+)x(\d+):([^<]*)<')
_ERROR = re.compile(r'id="cppn-motion-error"[^>]*>([^<]*)<')
_BLOCKED = re.compile(r'id="cppn-motion-blocked"[^>]*>([^<]*)<')


@cache
def chromium() -> str | None:
    for name in (os.environ.get("CPPN_MOTION_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


needs_chromium = pytest.mark.skipif(
    chromium() is None,
    reason="no chromium on PATH: the browser tests need it (apt-get install chromium; or set CPPN_MOTION_CHROMIUM)")


def dump_dom(url: str, timeout: float = 300) -> str:
    done = subprocess.run([chromium(), *FLAGS, "--dump-dom", url], capture_output=True, text=True, timeout=timeout)
    return done.stdout


def page_frames(path: Path, phases: list[float], width: int, height: int) -> tuple[list[np.ndarray], str]:
    """The page's frames at these phases, rendered by the browser at width x height; and the DOM."""
    return frames_for(path, f"dump={','.join(repr(float(p)) for p in phases)}&w={width}&h={height}&ui=0",
                      len(phases))


def frames_for(path: Path, query: str, count: int) -> tuple[list[np.ndarray], str]:
    """The `count` frames the page dumps for this URL query (see page_frames); and the DOM."""
    dom = dump_dom(Path(path).resolve().as_uri() + "?" + query)
    error = _ERROR.search(dom)
    assert error is None, f"the page failed: {error.group(1)}"
    found = {int(m.group(1)): m for m in _PIXELS.finditer(dom)}
    assert sorted(found) == list(range(count)), f"the page wrote {len(found)} of {count} frames"
    frames = []
    for k in range(count):
        match = found[k]
        w, h = int(match.group(2)), int(match.group(3))
        frames.append(np.frombuffer(base64.b64decode(match.group(4)), np.uint8).reshape(h, w, 3))
    return frames, dom


def blocked_requests(dom: str) -> list[str]:
    """Requests the page's Content-Security-Policy refused (the page lists them in its DOM)."""
    return [m.group(1) for m in _BLOCKED.finditer(dom)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def shader_page(source: str, seconds_per_loop: float, shadertoy: bool = False) -> str:
    """A bare WebGL2 page that draws a standalone shader (live/standalone.py) the way its header
    documents (u_time, u_resolution; or Shadertoy's iTime, iResolution) and dumps frames like the
    exported page does: ?dump=phases&w=&h=."""
    if shadertoy:  # what Shadertoy wraps around an image shader
        source = ("#version 300 es\nprecision highp float;\nprecision highp int;\nuniform vec3 iResolution;\n"
                  "uniform float iTime;\nout vec4 shadertoyColour;\n" + source +
                  "void main() { mainImage(shadertoyColour, gl_FragCoord.xy); }\n")
    return """<!doctype html><html><body><canvas id="c"></canvas><script>
const q = new URLSearchParams(location.search), c = document.getElementById("c");
function report(id, text) { const p = document.createElement("pre"); p.id = id; p.textContent = text; document.body.appendChild(p); }
try {
  c.width = Number(q.get("w")); c.height = Number(q.get("h"));
  const gl = c.getContext("webgl2", {preserveDrawingBuffer: true, antialias: false});
  const sh = (kind, text) => { const s = gl.createShader(kind); gl.shaderSource(s, text); gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s)); return s; };
  const p = gl.createProgram();
  gl.attachShader(p, sh(gl.VERTEX_SHADER, "#version 300 es\\nin vec2 a; void main() { gl_Position = vec4(a, 0.0, 1.0); }"));
  gl.attachShader(p, sh(gl.FRAGMENT_SHADER, %SOURCE%));
  gl.linkProgram(p); gl.useProgram(p);
  gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
  gl.enableVertexAttribArray(0); gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
  const u = (n) => gl.getUniformLocation(p, n);
  q.get("dump").split(",").map(Number).forEach((phase, k) => {
    gl.uniform1f(u("u_time"), phase * %SECONDS%); gl.uniform1f(u("iTime"), phase * %SECONDS%);
    gl.uniform2f(u("u_resolution"), c.width, c.height); gl.uniform3f(u("iResolution"), c.width, c.height, 1);
    gl.viewport(0, 0, c.width, c.height); gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    const px = new Uint8Array(c.width * c.height * 4), row = new Uint8Array(c.width * 3);
    gl.readPixels(0, 0, c.width, c.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
    let text = "";
    for (let y = c.height - 1; y >= 0; y--) {
      for (let x = 0; x < c.width; x++) for (let i = 0; i < 3; i++) row[x * 3 + i] = px[(y * c.width + x) * 4 + i];
      text += String.fromCharCode.apply(null, row);
    }
    report("cppn-motion-pixels-" + k, c.width + "x" + c.height + ":" + btoa(text));
  });
} catch (e) { report("cppn-motion-error", String(e.message)); }
</script></body></html>""".replace("%SOURCE%", json.dumps(source)).replace("%SECONDS%", repr(seconds_per_loop))


def page_requests(path: Path, tmp: Path, timeout: float = 300) -> list[str]:
    """URLs the page itself asked for while Chromium loaded it (from Chromium's network log;
    the browser's own background requests, whose initiator is no origin, are left out). Every
    request fails (the resolver rule), but it is still logged."""
    log = tmp / "net-log.json"
    subprocess.run([chromium(), *FLAGS, f"--log-net-log={log}", "--dump-dom", Path(path).resolve().as_uri()],
                   capture_output=True, text=True, timeout=timeout)
    events = json.loads(log.read_text(encoding="utf-8", errors="replace"))["events"]
    return sorted({event["params"]["url"] for event in events
                   if {"url", "method", "initiator"} <= set(event.get("params", {}))
                   and event["params"]["initiator"] != "not an origin"})


def screenshot(path: Path, out: Path, width: int, height: int, timeout: float = 300) -> np.ndarray:
    """The page as Chromium draws it at width x height, as an (H, W, 3) uint8 array."""
    from PIL import Image

    subprocess.run([chromium(), *FLAGS, f"--screenshot={out}", f"--window-size={width},{height}",
                    Path(path).resolve().as_uri()], capture_output=True, text=True, timeout=timeout)
    with Image.open(out) as image:
        return np.asarray(image.convert("RGB"))
