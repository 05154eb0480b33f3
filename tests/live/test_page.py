"""The exported page without a browser: self-contained, small, and carrying its preset for --from."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from tiny import tiny_preset

from cppn_motion.config.presets import load_preset, preset_to_yaml
from cppn_motion.config.recorded import recorded_preset
from cppn_motion.errors import ConfigError
from cppn_motion.live.bake import bake, sample_count
from cppn_motion.live.export import live_html, live_shader
from cppn_motion.live.page import CSP
from cppn_motion.rendering.scene import build_scene


@pytest.fixture(scope="module")
def default_page() -> str:
    return live_html(load_preset("default"))


def test_default_page_is_small_and_fetches_nothing(default_page):
    assert len(default_page.encode("utf-8")) < 100_000  # the issue: under 100 KB
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in default_page
    assert CSP.startswith("default-src 'none';")
    # No address to fetch, and no element or rule that could fetch one.
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", default_page, re.IGNORECASE)
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|<img\b|<iframe\b|url\(|@import|\bfetch\(|XMLHttpRequest",
                         default_page)  # case matters: the page's blob URL.createObjectURL( is no CSS url(


def test_render_from_the_page_gets_the_same_preset(tmp_path, default_page):
    path = tmp_path / "loop.html"
    path.write_text(default_page, encoding="utf-8")
    preset, recorded = recorded_preset(path)
    assert preset_to_yaml(preset) == preset_to_yaml(load_preset("default"))
    assert recorded.kind is None  # re-rendered in the preset's own format (mp4), not as a page


def test_a_preset_that_could_end_its_element_is_kept_exactly(tmp_path):
    preset = tiny_preset(description="a </script> in the text")
    path = tmp_path / "odd.html"
    path.write_text(live_html(preset), encoding="utf-8")
    assert recorded_preset(path)[0].description == "a </script> in the text"


def test_conv_nets_are_refused_in_one_line():
    with pytest.raises(ConfigError, match=r"net.arch: a live shader covers the per-pixel 'mlp' only.*got 'vgg'"):
        live_html(load_preset("vgg_look"))


def test_standalone_shader_refuses_moving_weights():
    with pytest.raises(ConfigError, match="timeline.weights: .*export it as .html"):
        live_shader(tiny_preset(timeline={"weights": {"mode": "perturb"}}))


def test_every_frame_of_the_clip_is_a_table_row():
    """Frames use the CPU timeline's own values (no interpolation): row k * samples / frames is frame k."""
    preset = tiny_preset(latent={"dim": 3}, timeline={"frames": 7, "latent": {"path": "lissajous"}})
    baked = bake(preset)
    assert baked.samples == sample_count(preset) == 245  # the first multiple of 7 frames >= MIN_SAMPLES
    timeline = build_scene(preset, "cpu").timeline
    frames = timeline.inputs_at(timeline.phases(range(7))).frame_features.numpy()
    step = baked.samples // 7
    start = baked.columns["feature"]
    np.testing.assert_array_equal(baked.table[::step][:7, start:start + frames.shape[1]], frames)


@pytest.mark.parametrize("weights", [{"mode": "perturb", "amplitude": 0.2},
                                     {"mode": "keyframes", "keyframes": 3, "interpolation": "slerp"}])
def test_moving_weights_are_stored_as_a_low_rank_motion(weights):
    """perturb is exactly rank 2 a tensor (cos and sin sets); 3 slerped keyframes span 3 directions."""
    preset = tiny_preset(timeline={"weights": weights})
    baked = bake(preset)
    ranks = {m.basis.shape[0] for m in baked.motions}
    assert ranks == ({2} if weights["mode"] == "perturb" else {3})
    scene = build_scene(preset, "cpu")
    phase = 0.4
    row = round(phase * baked.samples)
    expected = scene.timeline.inputs_at(torch.tensor([row / baked.samples], dtype=torch.float64)).weights
    first = baked.layers[0]
    motion = next(m for m in baked.motions if m.start == first.bias_texel * 4)
    coefficients = baked.table[row, motion.column:motion.column + motion.basis.shape[0]].astype(np.float64)
    bias = motion.mean + coefficients @ motion.basis
    np.testing.assert_allclose(bias[:first.outputs], expected[1][0].numpy(), atol=1e-6)


def test_template_tokens_in_a_description_stay_literal():
    from tiny import tiny_preset

    from cppn_motion.live.export import live_html

    page = live_html(tiny_preset(description="odd %DATA% and %SCRIPT% text"))
    assert page.count('id="cppn-motion-data"') == 1
    assert "odd %DATA% and %SCRIPT% text" in page
