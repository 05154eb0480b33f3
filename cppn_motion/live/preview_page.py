"""The page `cppn-motion live` serves: the exported page plus a panel and a script that asks the
server for its version, reloads (keeping the moment, the speed and pause) when the preset changed,
and shows a refused value in a bar while the last good picture plays on; and the variations grid
(gallery.py paints its cells, a click adopts one). Pure computation."""
from __future__ import annotations

import html
import json
import re
from typing import get_args

from cppn_motion.colour.palettes import CURATED
from cppn_motion.config.schema import Colour, Preset
from cppn_motion.config.timeline_schema import LatentMotion
from cppn_motion.live.export import live_html
from cppn_motion.live.preview import PANEL_KEYS, panel_values
from cppn_motion.nets.activations import ACTIVATIONS

# Suggestions under the panel's fields (any name --set takes is accepted; the server judges it).
CHOICES = {
    "net.activation": [*ACTIVATIONS.names(), "mixed"],
    "timeline.latent.path": list(get_args(LatentMotion.model_fields["path"].annotation)),
    "colour.mode": list(get_args(Colour.model_fields["mode"].annotation)),
    "colour.palette": list(CURATED),
}


def _field(key: str, value: str) -> str:
    label = html.escape(key.split(".")[-1])
    options = ""
    listed = ""
    if key in CHOICES:
        listed = f' list="live-{key}"'
        options = (f'<datalist id="live-{key}">' +
                   "".join(f'<option value="{html.escape(name)}">' for name in CHOICES[key]) + "</datalist>")
    return (f'<label title="{html.escape(key)}">{label}</label><input name="{html.escape(key)}" '
            f'value="{html.escape(value)}"{listed} spellcheck="false">{options}')


def panel(preset: Preset, version: int) -> str:
    """The live preview's markup and script (for page.build_page's `extra`)."""
    values = panel_values(preset)
    fields = "".join(_field(key, values[key]) for key in PANEL_KEYS)
    state = json.dumps({"version": version, "values": values}).replace("</", "<\\/")
    parts = {"FIELDS": fields, "STATE": state, "NAME": html.escape(preset.name)}
    # One pass, so a value that happens to read '%STATE%' stays as it is.
    return re.sub(r"%(FIELDS|STATE|NAME)%", lambda match: parts[match.group(1)], PANEL)


def preview_page(preset: Preset, version: int) -> str:
    return live_html(preset, panel(preset, version))


PANEL = """<style>
#live-bar { position: absolute; left: 0; right: 0; top: 0; padding: 6px 12px; display: none; white-space: pre-wrap;
            background: rgba(140, 20, 20, 0.9); color: #fff; font: 13px/1.35 "Liberation Sans", Arial, sans-serif; }
#live-panel { position: absolute; right: 12px; top: 40px; color: #eee; background: rgba(0, 0, 0, 0.6);
              font: 12px/1.2 "Liberation Sans", Arial, sans-serif; padding: 6px 10px; border-radius: 6px; }
#live-panel summary { cursor: pointer; }
#live-panel form { display: grid; grid-template-columns: auto 10em; gap: 4px 8px; margin-top: 6px; align-items: center; }
#live-panel input { font: inherit; color: #eee; background: #222; border: 1px solid #666; border-radius: 3px; padding: 2px 4px; }
#live-panel button { font: inherit; color: #eee; background: #333; border: 1px solid #666; border-radius: 4px; padding: 2px 8px; }
#live-note, #live-progress { grid-column: 1 / 3; color: #bdb; max-width: 16em; overflow-wrap: anywhere; }
#live-note:empty, #live-progress:empty { display: none; }
#live-grid { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); color: #eee;
             background: rgba(0, 0, 0, 0.82); font: 12px/1.25 "Liberation Sans", Arial, sans-serif; padding: 8px 10px 10px;
             border-radius: 8px; }
#live-grid[hidden] { display: none; }
#live-grid-head { display: flex; gap: 12px; align-items: center; margin-bottom: 6px; }
#live-grid-head img { width: 64px; height: 36px; object-fit: contain; border: 1px solid #666; }
#live-grid-title { flex: 1; }
#live-grid-cells { display: grid; grid-template-columns: repeat(3, 196px); gap: 6px; }
#live-grid button { font: inherit; color: #eee; background: #222; border: 1px solid #666; border-radius: 4px; }
#live-grid-cells button { padding: 0 0 3px; border-width: 2px; cursor: pointer; overflow: hidden; }
#live-grid-cells button:hover { border-color: #eee; }
#live-grid-cells img, #live-grid-cells i { display: block; width: 192px; height: 108px; object-fit: contain; background: #181818; }
#live-grid-cells span { display: block; padding: 2px 4px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
</style>
<div id="live-bar" role="alert"></div>
<details id="live-panel" open><summary>%NAME%: live</summary>
<form id="live-form">%FIELDS%<button type="submit">apply</button><button type="button" id="live-save"
title="write the preset as YAML beside the original (NAME.edited.yaml)">save preset</button>
<button type="button" id="live-render" title="the real render, to outputs/NAME.mp4 in the working folder"
>render MP4</button><button type="button" id="live-variations"
title="nine new seeds and small mutations of this preset: click one to adopt it, then ask again"
>variations</button><button type="button" id="live-reset" title="drop the panel's edits and adopted variations"
>reset to file</button><span id="live-note"></span><span id="live-progress"></span></form></details>
<div id="live-grid" hidden><div id="live-grid-head"><img id="live-grid-now" alt="now" title="the preset now (the loop's first frame)"
hidden><span id="live-grid-title"></span>
<button type="button" id="live-grid-close">close</button></div><div id="live-grid-cells"></div></div>
<script type="application/json" id="cppn-motion-live">%STATE%</script>
<script>
"use strict";
(() => {
  const live = JSON.parse(document.getElementById("cppn-motion-live").textContent);
  const bar = document.getElementById("live-bar"), note = document.getElementById("live-note");
  const form = document.getElementById("live-form");
  let panelError = null, stopped = false, busy = false;
  if (new URLSearchParams(location.search).get("ui") === "0") document.getElementById("live-panel").style.display = "none";
  form.addEventListener("keydown", (e) => e.stopPropagation());  // a space typed here is text, not the player's pause
  function show(text) { bar.textContent = text || ""; bar.style.display = text ? "block" : "none"; }
  // The player's state (page.py's globals; absent when WebGL failed, then the page starts afresh).
  function player() {
    try { return { fraction, playing, speed }; } catch (e) { return { fraction: 0, playing: true, speed: 1 }; }
  }
  const KEY = "cppn-motion-live";
  function reload() {
    const now = player(), query = new URLSearchParams(location.search);
    query.set("start", now.fraction.toFixed(6));
    try { sessionStorage.setItem(KEY, JSON.stringify({ playing: now.playing, speed: now.speed })); } catch (e) {}
    location.replace(location.pathname + "?" + query.toString());
  }
  try {  // after a reload: the same speed, and paused if it was
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
    if (saved) {
      const select = document.getElementById("speed");
      select.value = String(saved.speed);
      select.dispatchEvent(new Event("change"));
      if (!saved.playing && player().playing) document.getElementById("play").click();
    }
  } catch (e) {}
  async function check() {
    if (busy) return;
    busy = true;
    try {
      const state = await (await fetch("/version", { cache: "no-store" })).json();
      stopped = false;
      progress(state.render);
      if (gridRound) paintGrid(state.variations);
      if (state.error) show(state.error);
      else if (state.version !== live.version) reload();
      else show(panelError);
    } catch (e) {
      if (!stopped) show("the live server does not answer (is cppn-motion live still running?); the loop plays on");
      stopped = true;
    } finally { busy = false; }
  }
  function progress(render) {
    const line = document.getElementById("live-progress");
    if (!render || render.path === null) line.textContent = "";
    else if (render.running) line.textContent = "rendering: " + render.done + " of " + render.total + " frames";
    else line.textContent = render.error ? "render failed: " + render.error : "rendered " + render.path;
  }
  setInterval(check, 300);
  async function post(path, body) {
    try {
      const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify(body), cache: "no-store" });
      return await response.json();
    } catch (e) { return { error: "the live server does not answer (" + e.message + ")" }; }
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const items = {};
    for (const input of form.querySelectorAll("input")) {
      if (input.value !== live.values[input.name]) items[input.name] = input.value;
    }
    if (!Object.keys(items).length) return;
    const answer = await post("/set", items);
    panelError = answer.error || null;
    if (panelError) show(panelError); else reload();
  });
  document.getElementById("live-render").addEventListener("click", async () => {
    const answer = await post("/render", {});
    panelError = answer.error || null;
    show(panelError);
    if (answer.render) progress(answer.render);
  });
  document.getElementById("live-reset").addEventListener("click", async () => {
    const answer = await post("/reset", {});
    panelError = answer.error || null;
    if (panelError) show(panelError); else reload();
  });
  // The variations grid: the server paints the candidates as stills (PNG, fetched and shown as
  // blob: images, which the page's policy allows); a click adopts one through the panel's path.
  const grid = document.getElementById("live-grid"), cells = document.getElementById("live-grid-cells");
  const title = document.getElementById("live-grid-title");
  let gridRound = 0;  // the round on show; 0 while the grid is closed
  grid.addEventListener("keydown", (e) => e.stopPropagation());  // space on a cell adopts, not pauses
  const nowImage = document.getElementById("live-grid-now");
  function closeGrid() { gridRound = 0; grid.hidden = true; cells.textContent = ""; nowImage.hidden = true; nowImage.dataset.painted = ""; }
  document.getElementById("live-grid-close").addEventListener("click", closeGrid);
  function cell(index) {
    while (cells.children.length <= index) {
      const button = document.createElement("button"), wait = document.createElement("i"), label = document.createElement("span");
      button.type = "button";
      button.disabled = true;
      label.textContent = "rendering...";
      button.append(wait, label);
      const k = cells.children.length;
      button.addEventListener("click", () => adopt(k));
      cells.appendChild(button);
    }
    return cells.children[index];
  }
  async function fetched(round, name) {  // a blob: URL of that picture, or null
    const response = await fetch("/variations/" + round + "/" + name + ".png", { cache: "no-store" });
    return response.ok && round === gridRound ? URL.createObjectURL(await response.blob()) : null;
  }
  async function picture(round, index, button) {
    try {
      const url = await fetched(round, index);
      if (!url) return;
      const img = document.createElement("img");
      img.alt = button.lastChild.textContent;
      img.src = url;
      button.firstChild.replaceWith(img);
      button.disabled = false;
    } catch (e) { button.dataset.painted = ""; }  // asked again at the next poll
  }
  function paintGrid(v) {
    if (!v || v.round !== gridRound) return;
    if (v.current && !nowImage.dataset.painted) {
      nowImage.dataset.painted = "1";
      fetched(v.round, "current").then((url) => { if (url) { nowImage.src = url; nowImage.hidden = false; } },
                                       () => { nowImage.dataset.painted = ""; });
    }
    v.candidates.forEach((c, index) => {
      const button = cell(index);
      if (button.dataset.painted) return;
      button.dataset.painted = "1";
      button.lastChild.textContent = c.label;
      button.title = Object.entries(c.changes).map(([key, value]) => key + "=" + value).join("  ");
      picture(v.round, index, button);
    });
    if (!v.done) cell(v.count - 1);  // the whole grid at once, so cells do not move as they fill
    else while (cells.children.length > v.candidates.length) cells.lastChild.remove();
    title.textContent = "round " + v.round + ": click one to adopt it" +
      (v.done ? "" : " (" + v.candidates.length + " of " + v.count + " so far)") +
      (v.skipped ? "; " + v.skipped + " too alike or dull, left out" : "") + (v.error ? "; " + v.error : "");
  }
  async function adopt(index) {
    const answer = await post("/adopt", { round: gridRound, index });
    panelError = answer.error || null;
    if (panelError) show(panelError); else reload();
  }
  document.getElementById("live-variations").addEventListener("click", async () => {
    const answer = await post("/variations", {});
    panelError = answer.error || null;
    show(panelError);
    if (!answer.variations) return;
    closeGrid();
    gridRound = answer.variations.round;
    grid.hidden = false;
    paintGrid(answer.variations);
  });
  document.getElementById("live-save").addEventListener("click", async () => {
    const answer = await post("/save", {});
    note.textContent = answer.error ? "" : "saved " + answer.path;
    panelError = answer.error || null;
    show(panelError);
  });
})();
</script>"""
