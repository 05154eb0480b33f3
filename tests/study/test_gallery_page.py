"""The HTML gallery: each tile an animated WebP of the whole loop (exact length), one tile per
preset, a page that asks for nothing (checked in headless Chromium where it is installed)."""
from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from headless import needs_chromium, page_requests, screenshot
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.config.presets import bundled_names
from cppn_motion.encoders.animated_webp import animated_webp, loop_durations_ms
from cppn_motion.study.gallery import gallery_presets
from cppn_motion.study.gallery_page import CSP, gallery_page, loop_tile, loop_tiles


def webp_frames(data: bytes) -> tuple[list[np.ndarray], list[int]]:
    frames, durations = [], []
    with Image.open(io.BytesIO(data)) as image:
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")).astype(np.float64))
            durations.append(image.info["duration"])
    return frames, durations


def test_durations_add_up_to_the_loop():
    assert loop_durations_ms(3, 1.0) == [333, 334, 333] and sum(loop_durations_ms(60, 5.0)) == 5000
    with pytest.raises(ValueError, match="one duration per frame"):
        animated_webp([np.zeros((2, 2, 3), np.uint8)], [])


def test_a_tile_is_the_whole_loop_at_its_cadence_and_looks_like_the_render():
    preset = tiny_preset(canvas={"width": 64, "height": 36}, timeline={"frames": 10, "fps": 20})
    tile = loop_tile(preset, "cpu", max_fps=10)
    frames, durations = webp_frames(tile.webp)
    assert tile.frames == len(frames) == 5 and sum(durations) == 500  # every 2nd frame, 0.5 s
    rendered = cm.render_array(preset, device="cpu", indices=range(0, 10, 2)).astype(np.float64)
    # Lossy (measured ~27 dB on so small a tile, ~33 dB at 256x144), but each frame is its own
    # render's picture (against its neighbour's: ~10 dB), in order.
    scores = [[_psnr(frame, other) for other in rendered] for frame in frames]
    assert all(int(np.argmax(row)) == k and row[k] > 24 for k, row in enumerate(scores)), scores


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a - b) ** 2)))


def _page(tmp_path, names=("ink", "op_art")):
    from cppn_motion.cli.main import main

    out = tmp_path / "g.html"
    assert main(["gallery", *names, "--cell", "32x18", "--fps", "1", "-o", str(out), "--quiet",
                 "--device", "cpu"]) == 0
    return out, out.read_text(encoding="utf-8")


def test_the_page_names_every_tile_and_refers_to_nothing_outside_itself(tmp_path):
    _, text = _page(tmp_path)
    assert f'content="{CSP}"' in text and "script" not in text.lower()
    assert re.findall(r'<figure id="([^"]+)"', text) == ["ink", "op_art"]
    assert all(src.startswith("data:image/webp;base64,") for src in re.findall(r'src="([^"]*)"', text))
    assert "href=" not in text and "url(" not in text and "://" not in text


def test_every_bundled_preset_gets_a_playing_tile():
    presets = [preset if preset.net.arch == "mlp" else preset.with_overrides({"net.design_size": 18})
               for preset in gallery_presets(None, (32, 18))]  # conv nets evaluate their design grid
    text = gallery_page(loop_tiles(presets, "cpu", max_fps=1), "0")
    assert sorted(re.findall(r'<figure id="([^"]+)"', text)) == sorted(bundled_names())
    tiles = re.findall(r'src="data:image/webp;base64,([^"]+)"', text)
    assert len(tiles) == len(bundled_names())
    assert all(len(webp_frames(base64.b64decode(tile))[0]) > 1 for tile in tiles)  # each one moves


def test_descriptions_are_escaped():
    from cppn_motion.study.gallery_page import Tile

    text = gallery_page([Tile("a", "<b>bold</b> & co", (4, 2), 1, 1.0, b"x")], "0")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in text and "<b>bold</b>" not in text


@needs_chromium
def test_chromium_shows_the_tiles_and_the_page_asks_for_nothing(tmp_path):
    leak = tmp_path / "leak.html"  # the check itself: a page that asks is caught
    leak.write_text('<img src="http://example.com/x.png">', encoding="utf-8")
    assert page_requests(leak, tmp_path) == ["http://example.com/x.png"]
    page, _ = _page(tmp_path)
    assert page_requests(page, tmp_path) == []
    shot = screenshot(page, tmp_path / "shot.png", 640, 400)
    colours = len(np.unique(shot.reshape(-1, 3), axis=0))
    assert colours > 200, f"the tiles did not draw ({colours} colours on the page)"
