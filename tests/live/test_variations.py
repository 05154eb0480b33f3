"""The live preview's variations grid and "reset to file": the proposals (pinned by preset and
round), the judges that keep a grid worth clicking, and the HTTP endpoints on a real server on
127.0.0.1 with bounded waits; one test clicks through in headless Chromium (skipped without one)."""
from __future__ import annotations

import io
import json
import time
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from cdp import Browser
from headless import FLAGS, needs_chromium
from live_server import Running, saved
from PIL import Image
from tiny import tiny_preset

from cppn_motion.cli.main import main
from cppn_motion.config.presets import load_preset, parse_set, preset_to_yaml
from cppn_motion.live.gallery import Gallery, render_thumbnail, thumbnail_size
from cppn_motion.live.preview import panel_values
from cppn_motion.live.variations import NEW_SEEDS, looks_alike, looks_dull, proposals

GRID_SECONDS = 90  # a whole grid of the tiny preset paints in ~2 s on a quiet 2-core machine


def _resolver(preset):
    return lambda changes: preset.with_overrides(dict(parse_set(f"{k}={v}") for k, v in changes.items()))


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture
def preset_file(tmp_path) -> Path:
    path = tmp_path / "mine.yaml"
    saved(path, preset_to_yaml(tiny_preset(name="mine", seed=3)))
    return path


@pytest.fixture
def running(preset_file, monkeypatch):
    monkeypatch.chdir(preset_file.parent)  # the working folder: "save preset" writes here
    server = Running(str(preset_file))
    yield server
    server.close()


def _grid(running: Running, seconds: float = GRID_SECONDS) -> dict:
    status, _, text = running.request("POST", "/variations", {})
    assert status == 200, text
    asked = json.loads(text)["variations"]["round"]
    state = running.wait_for(lambda s: s["variations"]["round"] == asked and s["variations"]["done"], seconds)
    assert state["variations"]["done"], f"the grid was not painted in {seconds} s"
    return state["variations"]


# -- proposals and judges (pure) ------------------------------------------------------------------
def test_proposals_are_pinned_by_the_preset_and_the_round_and_are_valid_and_distinct():
    preset = tiny_preset(name="mine", seed=3)
    first = list(islice(proposals(preset, 1, _resolver(preset)), 12))
    assert [c for c, _ in first] == [c for c, _ in islice(proposals(preset, 1, _resolver(preset)), 12)]
    assert [c for c, _ in first] != [c for c, _ in islice(proposals(preset, 2, _resolver(preset)), 12)]
    assert all(set(c.changes) == {"seed"} for c, _ in first[:NEW_SEEDS])  # the two big jumps first
    texts = {preset_to_yaml(p) for _, p in first}
    assert len(texts) == 12 and preset_to_yaml(preset) not in texts
    for candidate, resolved in first:  # each is exactly the --set edits it names
        assert preset_to_yaml(load_preset(preset, [f"{k}={v}" for k, v in candidate.changes.items()])) == \
            preset_to_yaml(resolved)


def test_the_judges_tell_dull_pictures_and_near_copies_from_pictures():
    picture = render_thumbnail(tiny_preset(seed=3))
    assert not looks_dull(picture)
    assert looks_dull(np.random.default_rng(0).integers(0, 256, picture.shape, dtype=np.uint8))
    assert looks_dull(np.full_like(picture, 90))
    # the cases that made the judge: a deep sin net at gain 2 aliases into static at 192 px, and
    # abs on weight_morph's net is one flat teal
    assert looks_dull(render_thumbnail(load_preset("stained_glass", {"net.activation": "sin"})))
    assert looks_dull(render_thumbnail(load_preset("weight_morph", {"net.activation": "abs"})))
    assert looks_alike(picture, np.clip(picture.astype(int) + 6, 0, 255).astype(np.uint8))
    assert not looks_alike(picture, 255 - picture)


# -- the grid over HTTP ---------------------------------------------------------------------------
def test_the_grid_offers_nine_distinct_valid_candidates_pinned_by_the_round(running, preset_file):
    grid = _grid(running)
    cells = grid["candidates"]
    assert grid["round"] == 1 and len(cells) == 9 and grid["error"] is None
    assert len({c["label"] for c in cells}) == 9
    pictures = []
    for index in range(9):
        status, kind, png = running.request_bytes("GET", f"/variations/1/{index}.png")
        assert status == 200 and kind == "image/png"
        pictures.append(_pixels(png))
    assert all(p.shape == (108, 192, 3) for p in pictures) and thumbnail_size(load_preset(preset_file)) == (192, 108)
    assert not any(looks_alike(a, b) for i, a in enumerate(pictures) for b in pictures[i + 1:])
    for cell in cells:  # each is a valid --set for the file
        load_preset(preset_file, [f"{k}={v}" for k, v in cell["changes"].items()])
    # Pinned: the same preset and round give the same grid, painted afresh.
    preset = load_preset(preset_file)
    fresh = Gallery()
    fresh.show(1, preset, proposals(preset, 1, _resolver(preset)))
    deadline = time.monotonic() + GRID_SECONDS
    while not fresh.status()["done"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fresh.status()["candidates"] == cells
    status, kind, png = running.request_bytes("GET", "/variations/1/current.png")  # the parent, to compare
    assert status == 200 and grid["current"] and np.array_equal(_pixels(png), render_thumbnail(preset))
    assert running.request("GET", "/variations/1/9.png")[0] == 404
    assert running.request("GET", "/variations/2/0.png")[0] == 404


def test_adopting_changes_the_version_and_the_served_preset(running, preset_file):
    cells = _grid(running)["candidates"]
    before = running.version()["version"]
    status, _, text = running.request("POST", "/adopt", {"round": 1, "index": 0})  # a new seed
    assert status == 200 and json.loads(text)["version"] == before + 1
    seed = cells[0]["changes"]["seed"]
    assert running.version()["values"]["seed"] == seed and f"seed: {seed}" in running.request("GET", "/")[2]


@pytest.mark.parametrize("body, line", [
    ({"round": 1, "index": 9}, "adopt: index: expected a whole number 0-8 (one of the 9 variations shown); got 9"),
    ({"round": 1, "index": "2"}, "adopt: index: expected a whole number 0-8 (one of the 9 variations shown); got '2'"),
    ({"round": 1}, "adopt: index: expected a whole number 0-8 (one of the 9 variations shown); got None"),
    ({"round": 7, "index": 0}, "adopt: round: expected the round on show (1); got 7 (press 'variations' again)"),
])
def test_a_bad_choice_is_one_line_and_changes_nothing(running, body, line):
    _grid(running)
    before = running.version()
    status, _, text = running.request("POST", "/adopt", body)
    assert status == 400 and json.loads(text) == {"error": line}
    assert running.version()["version"] == before["version"]


def test_the_new_endpoints_keep_the_servers_rules(running):
    for path in ("/variations", "/adopt", "/reset"):
        assert running.request("POST", path, {}, headers={"Origin": "http://attacker.example"})[0] == 403
        assert running.request("POST", path, "{}", headers={"Content-Type": "text/plain"})[0] == 415
    assert running.request("GET", "/variations/1/0.png", headers={"Host": "attacker.example"})[0] == 403
    assert running.state.gallery.round == 0 and running.version()["version"] == 1  # nothing happened


def test_adopting_before_any_grid_or_after_a_save_is_refused(running, preset_file):
    status, _, text = running.request("POST", "/adopt", {"round": 1, "index": 0})
    assert status == 400 and json.loads(text)["error"] == "adopt: no variations yet; press 'variations' first"
    _grid(running)
    first = running.version()["version"]
    saved(preset_file, preset_file.read_text(encoding="utf-8").replace("seed: 3", "seed: 4"))
    running.wait_for(lambda s: s["version"] > first)
    status, _, text = running.request("POST", "/adopt", {"round": 1, "index": 0})
    assert status == 400 and "changed since round 1" in json.loads(text)["error"]


def test_an_adopted_candidate_saves_as_yaml_that_renders_its_thumbnail(running, preset_file, tmp_path, capsys):
    """The round trip: adopt, "save preset", then the CLI renders the saved file to the very
    picture the grid showed (its thumbnail is `still --size WxH` of it)."""
    cells = _grid(running)["candidates"]
    index = next(i for i, c in enumerate(cells) if "seed" not in c["changes"])  # a small step, not a seed
    thumbnail = _pixels(running.request_bytes("GET", f"/variations/1/{index}.png")[2])
    assert running.request("POST", "/adopt", {"round": 1, "index": index})[0] == 200
    status, _, text = running.request("POST", "/save", {})
    path = Path(json.loads(text)["path"])
    assert status == 200 and path == preset_file.parent.resolve() / "mine.edited.yaml"
    for command in ("still", "render"):
        out = tmp_path / f"{command}.png"
        assert main([command, str(path), "--size", "192x108", "-o", str(out), "--quiet"]) == 0
        assert np.array_equal(_pixels(out.read_bytes()), thumbnail), command
    capsys.readouterr()


def test_variations_again_mutate_from_the_adopted_one(running, preset_file):
    first = _grid(running)["candidates"]
    running.request("POST", "/adopt", {"round": 1, "index": 0})
    adopted = load_preset(preset_file, [f"{k}={v}" for k, v in first[0]["changes"].items()])
    second = _grid(running)
    assert second["round"] == 2
    index = next(i for i, c in enumerate(second["candidates"]) if "seed" not in c["changes"])
    changes = second["candidates"][index]["changes"]
    assert running.request("POST", "/adopt", {"round": 2, "index": index})[0] == 200
    expected = load_preset(adopted, [f"{k}={v}" for k, v in changes.items()])  # both generations' edits
    assert running.state.preset is not None and preset_to_yaml(running.state.preset) == preset_to_yaml(expected)


def test_reset_drops_panel_edits_and_adoptions(running, preset_file):
    running.request("POST", "/set", {"net.depth": "3"})
    _grid(running)
    running.request("POST", "/adopt", {"round": 1, "index": 0})
    assert running.version()["values"]["net.depth"] == "3"
    before = running.version()["version"]
    status, _, text = running.request("POST", "/reset", {})
    assert status == 200 and json.loads(text)["version"] > before
    assert json.loads(text)["values"] == panel_values(load_preset(preset_file))
    assert preset_to_yaml(running.state.preset) == preset_to_yaml(load_preset(preset_file))


def test_the_grid_refuses_while_the_file_does_not_build(running, preset_file):
    saved(preset_file, preset_file.read_text(encoding="utf-8").replace("\n  depth: 8\n", "\n  depth: 0\n"))
    error = running.wait_for(lambda s: s["error"] is not None)["error"]
    status, _, text = running.request("POST", "/variations", {})
    assert status == 400 and json.loads(text)["error"] == f"variations: the preset does not build ({error}); fix it first"


# -- in a browser ---------------------------------------------------------------------------------
@needs_chromium
def test_clicking_a_variation_in_the_browser_adopts_it(running):
    """The page under its policy: the button opens the grid, nine pictures arrive (blob: images of
    the server's PNGs), a click adopts that candidate and the page reloads showing it."""
    flags = [f"{flag}, EXCLUDE 127.0.0.1" if flag.startswith("--host-resolver-rules") else flag for flag in FLAGS]
    with Browser(1024, 640, flags) as browser:
        browser.open(f"http://127.0.0.1:{running.port}/?w=32&h=18")
        browser.wait_for("document.getElementById('live-variations') !== null")
        browser.evaluate("document.getElementById('live-variations').click()")
        browser.wait_for("document.querySelectorAll('#live-grid-cells img').length === 9", GRID_SECONDS)
        cells = running.version()["variations"]["candidates"]
        label = browser.evaluate("document.querySelectorAll('#live-grid-cells button')[4].textContent")
        assert label == cells[4]["label"]
        version = running.version()["version"]
        browser.evaluate("document.querySelectorAll('#live-grid-cells button')[4].click()")
        running.wait_for(lambda s: s["version"] > version, 10)
        key, value = next(iter(cells[4]["changes"].items()))
        preset = browser.wait_for(
            "location.search.includes('start=') && document.getElementById('live-variations') &&"
            " document.getElementById('cppn-motion-preset').textContent", 30)
        assert running.version()["version"] == version + 1
        assert f"{key.split('.')[-1]}: {value}" in preset, (key, value)
        assert browser.evaluate("document.getElementById('cppn-motion-blocked') === null")
        assert browser.evaluate("document.getElementById('cppn-motion-error') === null")
