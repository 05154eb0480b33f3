"""One self-contained HTML page that plays a baked preset live in WebGL2: the shader, the weights
and the table inline (base64 float32), the preset's timing, a small overlay, and the resolved
preset itself, so `render --from page.html` renders the same loop. Pure computation: returns a string.

Nothing is fetched: a Content-Security-Policy of default-src 'none' forbids every request, and the
page holds no URL."""
from __future__ import annotations

import base64
import html
import json
import re

import numpy as np

from cppn_motion.live.bake import Baked
from cppn_motion.live.glsl import TEXTURE_WIDTH, VERTEX_SHADER, page_shader

# The element holding the resolved preset; encoders/provenance.py reads it back for --from.
PRESET_ELEMENT_ID = "cppn-motion-preset"

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data: blob:")


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def page_data(baked: Baked) -> dict:
    """What the page's script needs, as JSON."""
    timeline = baked.preset.timeline
    texels = baked.texels
    rows = -(-texels // TEXTURE_WIDTH)
    params = np.zeros(rows * TEXTURE_WIDTH * 4, dtype=np.float32)
    params[:baked.params.shape[0]] = baked.params
    return {
        "frames": timeline.frames, "fps": timeline.fps, "loop": timeline.loop, "pingpong": timeline.pingpong,
        "samples": baked.samples, "columns": baked.columns, "width": int(baked.table.shape[1]),
        "table": _b64(baked.table), "params": _b64(params), "textureWidth": TEXTURE_WIDTH, "textureRows": rows,
        "features": baked.frame_features,
        "motions": [{"start": m.start, "stop": m.stop, "column": m.column, "rank": int(m.basis.shape[0]),
                     "basis": _b64(m.basis)} for m in baked.motions],
        "size": [baked.preset.canvas.width, baked.preset.canvas.height],
        "name": baked.preset.name,
    }


def preset_element(preset_yaml: str) -> str:
    """The preset as a script data block; base64 when its text could end the element early."""
    if "<" in preset_yaml:
        encoded = base64.b64encode(preset_yaml.encode("utf-8")).decode("ascii")
        return f'<script type="application/yaml" id="{PRESET_ELEMENT_ID}" data-encoding="base64">{encoded}</script>'
    return f'<script type="application/yaml" id="{PRESET_ELEMENT_ID}">\n{preset_yaml}</script>'


def build_page(baked: Baked, preset_yaml: str, version: str, extra: str = "") -> str:
    """The page; `extra` (the live preview's panel and script) goes at the end of the body, and
    the policy then lets the page ask its own server (connect-src 'self') and nothing else."""
    data = json.dumps(page_data(baked), separators=(",", ":"))
    title = html.escape(f"{baked.preset.name} - cppn-motion")
    shaders = json.dumps({"vertex": VERTEX_SHADER, "fragment": page_shader(baked)})
    csp = CSP + "; connect-src 'self'" if extra else CSP
    fields = {"EXTRA": extra, "TITLE": title, "CSP": csp, "VERSION": html.escape(version),
              "PRESET": preset_element(preset_yaml), "DATA": data.replace("</", "<\\/"),
              "SHADERS": shaders.replace("</", "<\\/"), "SCRIPT": SCRIPT}
    # One pass over the template: text put in (a preset's description, say) is never scanned
    # again, so a '%DATA%' inside it stays literal.
    return _FIELD.sub(lambda match: fields[match.group(1)], PAGE)


_FIELD = re.compile(r"%(EXTRA|TITLE|CSP|VERSION|PRESET|DATA|SHADERS|SCRIPT)%")


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="%CSP%">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cppn_motion %VERSION%">
<title>%TITLE%</title>
<style>
html, body { margin: 0; height: 100%; background: #000; overflow: hidden; }
canvas { display: block; position: absolute; left: 0; top: 0; image-rendering: auto; }
#ui { position: absolute; left: 12px; bottom: 12px; display: flex; gap: 8px; align-items: center;
      font: 13px/1.2 "Liberation Sans", Arial, sans-serif; color: #eee; background: rgba(0, 0, 0, 0.55);
      padding: 6px 10px; border-radius: 6px; opacity: 0.85; }
#ui:hover { opacity: 1; }
#ui button, #ui select { font: inherit; color: #eee; background: #333; border: 1px solid #666;
                         border-radius: 4px; padding: 2px 8px; }
#ui .clock { font-variant-numeric: tabular-nums; min-width: 7.5em; }
#ui button { white-space: nowrap; }
/* A small frame (a notebook cell, an embed): one compact line, so the overlay covers a strip, not a third. */
@media (max-width: 560px) {
  #ui { left: 6px; bottom: 6px; gap: 4px; padding: 3px 6px; font-size: 11px; }
  #ui .wide { display: none; }
}
#message { position: absolute; left: 12px; top: 12px; color: #f88; font: 14px sans-serif; }
</style>
</head>
<body>
<canvas id="view"></canvas>
<div id="ui">
  <button id="play" title="play / pause (space)">pause</button>
  <label>speed <select id="speed"><option>0.25</option><option>0.5</option><option selected>1</option>
    <option>2</option><option>4</option></select></label>
  <label class="wide">resolution <select id="scale"><option value="1" selected>full</option><option value="0.5">1/2</option>
    <option value="0.25">1/4</option></select></label>
  <button id="save" title="save the current frame as a PNG">save PNG</button>
  <span class="clock wide" id="clock"></span>
</div>
<div id="message"></div>
%PRESET%
<script type="application/json" id="cppn-motion-data">%DATA%</script>
<script type="application/json" id="cppn-motion-shaders">%SHADERS%</script>
<script>
%SCRIPT%
</script>
%EXTRA%
</body>
</html>
"""

# The player. Timing follows timeline.frame_phases: a loop's frame i is at phase i / frames,
# a ping-pong clip's at 1 - |1 - 2 i / frames|, an open clip's at i / (frames - 1).
SCRIPT = r"""
"use strict";
// A failure shows on the page and, for headless checks, in an element of its own.
window.addEventListener("error", (e) => { message(String(e.message)); report("cppn-motion-error", String(e.message)); });
// The page fetches nothing; should anything try, the Content-Security-Policy refuses it and it is listed here.
document.addEventListener("securitypolicyviolation", (e) => { report("cppn-motion-blocked", String(e.blockedURI)); });
const data = JSON.parse(document.getElementById("cppn-motion-data").textContent);
const shaders = JSON.parse(document.getElementById("cppn-motion-shaders").textContent);
const query = new URLSearchParams(location.search);
// ?t= must be a moment within the clip (0-1) and w, h whole pixel counts 1-16384; anything else is named on the page and ignored.
// t also takes '2.5s' (seconds) and '30f' (a frame), as `still --time` (cli/args.parse_time).
function moment(text) {
  const raw = text.trim().toLowerCase();
  if (raw.endsWith("s")) return Number(raw.slice(0, -1)) * data.fps / data.frames;
  if (raw.endsWith("f")) return /^[0-9]+$/.test(raw.slice(0, -1)) ? Number(raw.slice(0, -1)) / data.frames : NaN;
  return raw === "" ? NaN : Number(raw);
}
function parameter(name, low, high, whole) {
  if (!query.has(name)) return null;
  const value = name === "t" ? moment(query.get(name)) : Number(query.get(name));
  if (!Number.isFinite(value) || value < low || value > high || (whole && !Number.isInteger(value))) {
    setTimeout(() => message("URL parameter " + name + ": expected " + (whole ? "a whole number " : "a number ") +
                                low + "-" + high + "; got '" + query.get(name) + "' (ignored)"), 0);
    return null;
  }
  return value;
}
const pinned = parameter("t", 0, 1, false);
const fixedW = parameter("w", 1, 16384, true);
const fixedH = parameter("h", 1, 16384, true);
const showUi = query.get("ui") !== "0";
const canvas = document.getElementById("view");
function message(text) { document.getElementById("message").textContent = text; }

function floats(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}
const table = floats(data.table);
const params = floats(data.params);
const base = params.slice();
const motions = data.motions.map((m) => Object.assign({}, m, { basis: floats(m.basis) }));

const gl = canvas.getContext("webgl2", { preserveDrawingBuffer: true, antialias: false, alpha: false });
if (!gl) { message("This page needs WebGL2."); throw new Error("no WebGL2"); }
function compile(kind, source) {
  const shader = gl.createShader(kind);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader));
  return shader;
}
const program = gl.createProgram();
gl.attachShader(program, compile(gl.VERTEX_SHADER, shaders.vertex));
gl.attachShader(program, compile(gl.FRAGMENT_SHADER, shaders.fragment));
gl.linkProgram(program);
if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program));
gl.useProgram(program);
const quad = gl.createBuffer();
gl.bindBuffer(gl.ARRAY_BUFFER, quad);
gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
const corner = gl.getAttribLocation(program, "corner");
gl.enableVertexAttribArray(corner);
gl.vertexAttribPointer(corner, 2, gl.FLOAT, false, 0, 0);
const texture = gl.createTexture();
gl.activeTexture(gl.TEXTURE0);
gl.bindTexture(gl.TEXTURE_2D, texture);
gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, data.textureWidth, data.textureRows, 0, gl.RGBA, gl.FLOAT, params);
const where = (name) => gl.getUniformLocation(program, name);
gl.uniform1i(where("uParams"), 0);

// The table's values at a phase: exact on a row (every frame of the clip is one), linear between.
function row(phase) {
  const s = Math.min(Math.max(phase, 0), 1) * data.samples;
  const i = Math.min(Math.floor(s), data.samples - 1);
  const f = s - i;
  const out = new Float64Array(data.width);
  for (let c = 0; c < data.width; c++) {
    const a = table[i * data.width + c], b = table[(i + 1) * data.width + c];
    out[c] = f === 0 ? a : a * (1 - f) + b * f;
  }
  return out;
}

function setMoment(phase) {
  const values = row(phase);
  const col = data.columns;
  if (data.features) gl.uniform1fv(where("uFeature"), values.subarray(col.feature, col.feature + data.features));
  if ("log_zoom" in col) {
    const scale = Math.exp(-values[col.log_zoom]), angle = values[col.rotation] * 2 * Math.PI;
    gl.uniform4f(where("uCamera"), Math.cos(angle) * scale, Math.sin(angle) * scale, values[col.pan_x], values[col.pan_y]);
  }
  if ("feature_scale" in col) gl.uniform1f(where("uFeatureRatio"), values[col.feature_scale]);
  if ("contrast" in col) {
    gl.uniform4f(where("uColour"), values[col.contrast], values[col.saturation], values[col.hue_shift], values[col.palette_shift]);
  }
  if (motions.length) {
    for (const m of motions) {
      const n = m.stop - m.start;
      for (let k = 0; k < n; k++) {
        let v = base[m.start + k];
        for (let r = 0; r < m.rank; r++) v += values[m.column + r] * m.basis[r * n + k];
        params[m.start + k] = v;
      }
    }
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, data.textureWidth, data.textureRows, gl.RGBA, gl.FLOAT, params);
  }
}

// Loop fraction (0-1 over the clip's duration) -> the net's phase.
function phaseOf(fraction) {
  if (data.pingpong && data.frames > 1) return 1 - Math.abs(1 - 2 * fraction);
  if (data.loop || data.frames === 1) return fraction;
  return Math.min(1, fraction * data.frames / (data.frames - 1));
}

let scale = 1;
function resize() {
  const ratio = fixedW ? 1 : (window.devicePixelRatio || 1);
  const cssW = fixedW || window.innerWidth, cssH = fixedH || window.innerHeight;
  const w = Math.max(1, Math.round(cssW * ratio * scale)), h = Math.max(1, Math.round(cssH * ratio * scale));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  canvas.style.width = cssW + "px";
  canvas.style.height = cssH + "px";
}

function draw(phase) {
  resize();
  gl.viewport(0, 0, canvas.width, canvas.height);
  gl.uniform2f(where("uResolution"), canvas.width, canvas.height);
  setMoment(phase);
  gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
}

const duration = data.frames / data.fps;
// ?start= (a fraction of the loop's duration) plays on from that moment: the live preview keeps its time across reloads.
const startAt = parameter("start", 0, 1, false);
let playing = pinned === null, speed = 1, fraction = startAt === null ? 0 : startAt % 1, last = null, dirty = true;
window.addEventListener("resize", () => { dirty = true; });
let frozen = pinned === null ? null : Math.min(Math.max(pinned, 0), 1);  // ?t= is a phase, as `still --time`
const clock = document.getElementById("clock");
function tick(now) {
  if (last !== null && playing) fraction = (fraction + (now - last) / 1000 * speed / duration) % 1;
  last = now;
  // A still picture is drawn again only when it changes (size, resolution, a new moment).
  if (playing || dirty) draw(frozen === null ? phaseOf(fraction) : frozen);
  dirty = false;
  clock.textContent = (fraction * duration).toFixed(2) + " / " + duration.toFixed(2) + " s";
  requestAnimationFrame(tick);
}

document.getElementById("ui").style.display = showUi ? "flex" : "none";
const play = document.getElementById("play");
const toggle = () => { playing = !playing; frozen = null; dirty = true; play.textContent = playing ? "pause" : "play"; };
play.onclick = toggle;
window.addEventListener("keydown", (e) => { if (e.code === "Space") { e.preventDefault(); toggle(); } });
document.getElementById("speed").onchange = (e) => { speed = Number(e.target.value); };
document.getElementById("scale").onchange = (e) => { scale = Number(e.target.value); dirty = true; };
document.getElementById("save").onclick = () => {
  canvas.toBlob((blob) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = data.name + "-" + (fraction * duration).toFixed(2) + "s.png";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }, "image/png");
};

// Reads frames back into the page for tests and headless checks. ?dump=1 (with t) or
// ?dump=0.1,0.5 (phases) writes each frame's pixels, top row first, as base64 RGB into
// <pre id="cppn-motion-pixels-K">; ?bench=N (with t) draws N frames and writes the frames per second.
function report(id, text) {
  const pre = document.createElement("pre");
  pre.id = id;
  pre.style.display = "none";
  pre.textContent = text;
  document.body.appendChild(pre);
}
function readBack() {
  const w = canvas.width, h = canvas.height, pixels = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  const rgb = new Uint8Array(w * 3);
  let text = "";
  for (let y = h - 1; y >= 0; y--) {
    for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) rgb[x * 3 + c] = pixels[(y * w + x) * 4 + c];
    text += String.fromCharCode.apply(null, rgb);
  }
  return w + "x" + h + ":" + btoa(text);
}
const dumpText = query.get("dump");
const dumps = dumpText === null ? [] : dumpText === "1" ? (frozen === null ? [] : [frozen])
  : dumpText.split(",").map(Number);
dumps.forEach((phase, k) => { draw(Math.min(Math.max(phase, 0), 1)); report("cppn-motion-pixels-" + k, readBack()); });
if (frozen !== null) {
  play.textContent = "play";
  fraction = frozen;
  draw(frozen);
  if (query.has("bench")) {
    const count = Number(query.get("bench")), one = new Uint8Array(4), start = performance.now();
    for (let i = 0; i < count; i++) {
      draw((frozen + i / data.frames) % 1);
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, one);
    }
    report("cppn-motion-fps", String(count / ((performance.now() - start) / 1000)));
  }
}
if (!dumps.length) requestAnimationFrame(tick);
"""
