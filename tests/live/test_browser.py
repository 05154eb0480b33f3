"""The exported page in a real headless Chromium (WebGL2 through SwiftShader) against the CPU render:
every bundled MLP preset at three moments, and every activation, input, colour mode and motion on
tiny nets. Skipped, with the reason, where no chromium is installed."""
from __future__ import annotations

import numpy as np
import pytest
from headless import blocked_requests, dump_dom, frames_for, needs_chromium, page_frames, psnr, shader_page
from tiny import tiny_preset

from cppn_motion.config.presets import bundled_names, load_preset
from cppn_motion.live.bake import bake
from cppn_motion.live.export import live_html, live_shader
from cppn_motion.nets.activations import ACTIVATIONS
from cppn_motion.rendering.scene import build_scene
from cppn_motion.rendering.tiles import render_tiled

pytestmark = needs_chromium

# The bar: the browser's frame matches `still --time t` at the same size.
MIN_PSNR = 40.0

# Two moments on frames of every bundled clip and one between frames (the table is interpolated).
PHASES = [0.1, 0.37, 0.75]

MLP_PRESETS = [name for name in bundled_names() if load_preset(name).net.arch == "mlp"]


def _export(preset, tmp_path):
    path = tmp_path / f"{preset.name}.html"
    path.write_text(live_html(preset), encoding="utf-8")
    return path


def _check(preset, tmp_path, size: tuple[int, int], phases=PHASES) -> list[float]:
    """Exported at the preset's size, shown by the browser at `size` (w, h): PSNR against `still --size`."""
    frames, dom = page_frames(_export(preset, tmp_path), phases, *size)
    assert blocked_requests(dom) == []
    shown = preset.model_copy(update={"canvas": preset.canvas.model_copy(update={"width": size[0], "height": size[1]})})
    scene = build_scene(shown, "cpu")  # what `still` renders, built once for the three moments
    scores = [psnr(frame, render_tiled(scene, phase)) for frame, phase in zip(frames, phases)]
    assert min(scores) >= MIN_PSNR, f"{preset.name}: PSNR {[round(s, 1) for s in scores]} dB at {phases}"
    return scores


@pytest.mark.parametrize("name", MLP_PRESETS)
def test_bundled_preset_matches_the_cpu(name, tmp_path):
    preset = load_preset(name)
    aspect = preset.canvas.width / preset.canvas.height
    _check(preset, tmp_path, (round(54 * aspect), 54))


SMALL = {"net": {"depth": 3, "width": 16, "activation": "tanh"}, "canvas": {"width": 48, "height": 27}}


def _small(**sections):
    merged = {key: dict(value) for key, value in SMALL.items()}
    for key, value in sections.items():
        merged.setdefault(key, {}).update(value) if isinstance(value, dict) else merged.update({key: value})
    return tiny_preset(**merged)


def test_every_activation_in_one_mixed_net(tmp_path):
    names = ACTIVATIONS.names()
    preset = _small(net={"activation": "mixed", "mixed": names, "width": 48, "depth": 4,
                         "init": {"scheme": "he_normal", "gain": 1.5}})
    used = {name for layer in bake(preset).layers for name, _, _ in layer.activations}
    assert used == set(names), f"the seed leaves out {set(names) - used}: pick another"
    _check(preset, tmp_path, (48, 27))


@pytest.mark.parametrize("mode", ["rgb", "hsv", "seed_lab", "seed_standard", "oklab", "oklch", "palette", "harmony"])
def test_every_colour_mode(mode, tmp_path):
    colour = {"mode": mode, "hue_shift": 0.2, "saturation": 1.2, "contrast": 1.5}
    if mode == "palette":
        colour.update(palette=["#102030", "#e0a040", "#f0f0e0"], palette_shift=0.3)
    _check(_small(colour=colour), tmp_path, (48, 27))


@pytest.mark.parametrize("colour", [{"mode": "harmony", "harmony": "triadic"},
                                    {"mode": "harmony", "harmony": "tetradic", "saturation": 0.7},
                                    {"mode": "palette", "palette": ["#ff0000", "#00ff00", "#0000ff", "#ff0000"],
                                     "palette_shift": 0.4},
                                    {"mode": "palette", "palette": "iridescent", "palette_shift": 0.25}])
def test_harmonies_and_cyclic_palettes(colour, tmp_path):
    _check(_small(colour=colour), tmp_path, (48, 27))


def test_every_input_feature_with_a_moving_camera_and_supersampling(tmp_path):
    preset = _small(inputs={"features": ["x", "y", "r", "abs_x", "abs_y", "sin_theta", "cos_theta", "slope"],
                            "feature_scale": 1.3},
                    canvas={"supersample": 2, "center": [0.2, -0.1], "scale": 1.4},
                    timeline={"frames": 12, "camera": {"path": "swing", "zoom": 2.5, "pan": [0.3, -0.2],
                                                       "rotation": 0.2, "center": [0.1, 0.2]}})
    _check(preset, tmp_path, (48, 27))


@pytest.mark.parametrize("path", ["ellipse", "lissajous", "noise", "keyframes", "static"])
def test_every_latent_path(path, tmp_path):
    _check(_small(latent={"dim": 4}, timeline={"frames": 12, "latent": {"path": path}}), tmp_path, (48, 27))


@pytest.mark.parametrize("weights", [{"mode": "noise", "amplitude": 0.2, "harmonics": 2},
                                     {"mode": "keyframes", "keyframes": 3, "interpolation": "spline"}])
def test_weight_motion(weights, tmp_path):
    _check(_small(timeline={"frames": 12, "weights": weights}), tmp_path, (48, 27))


def test_keyframed_colour_inputs_and_open_timing(tmp_path):
    keys = [{"time": 0, "colour": {"hue_shift": 0.0, "contrast": 1.0, "saturation": 1.0, "palette_shift": 0.0},
             "inputs": {"feature_scale": 1.0, "time_scale": 1.0}, "camera": {"zoom": 1.0}},
            {"time": 0.6, "colour": {"hue_shift": 0.4, "contrast": 2.5, "saturation": 0.6, "palette_shift": 0.5},
             "inputs": {"feature_scale": 1.6, "time_scale": 2.0}, "camera": {"zoom": 2.0}, "easing": "sine_in_out"}]
    preset = _small(colour={"mode": "palette", "palette": ["#000000", "#ff8800", "#ffffff"]},
                    timeline={"frames": 12, "loop": False, "keyframes": keys})
    _check(preset, tmp_path, (48, 27))


def test_pingpong_timing(tmp_path):
    _check(_small(timeline={"frames": 12, "pingpong": True, "latent": {"path": "keyframes"}}), tmp_path, (48, 27))


def test_a_request_would_be_blocked_and_seen(tmp_path):
    """The no-network check can fail: an image from the web, added to a page, is refused and listed."""
    path = _export(_small(), tmp_path)
    # After the page's script, whose listener records what the policy refuses.
    path.write_text(path.read_text().replace("</body>", '<img src="https://example.invalid/x.png"></body>'))
    _, dom = page_frames(path, [0.0], 16, 9)
    assert any("example.invalid" in url for url in blocked_requests(dom))


@pytest.mark.parametrize("shadertoy", [False, True])
def test_standalone_shader_matches_the_cpu(shadertoy, tmp_path):
    """The .frag (u_time, u_resolution) and the Shadertoy form, driven as their headers say."""
    preset = _small(latent={"dim": 4}, colour={"mode": "oklch"},
                    timeline={"frames": 12, "camera": {"zoom": 2.0, "rotation": 0.1}})
    path = tmp_path / "shader.html"
    seconds = preset.timeline.frames / preset.timeline.fps
    path.write_text(shader_page(live_shader(preset, shadertoy), seconds, shadertoy), encoding="utf-8")
    frames, _ = page_frames(path, [0.25, 0.5], 48, 27)
    scene = build_scene(preset, "cpu")
    scores = [psnr(frame, render_tiled(scene, phase)) for frame, phase in zip(frames, [0.25, 0.5])]
    assert min(scores) >= MIN_PSNR, f"PSNR {scores}"


def test_t_takes_a_fraction_seconds_or_a_frame_as_still_does(tmp_path):
    """?t=0.5, ?t=6f and ?t=0.5s (12 frames at 12 fps) are one moment; a bad t is named and ignored."""
    path = _export(_small(timeline={"frames": 12, "fps": 12}), tmp_path)
    shown = [frames_for(path, f"t={t}&dump=1&w=16&h=9&ui=0", 1)[0][0] for t in ("0.5", "6f", "0.5s")]
    assert all(np.array_equal(shown[0], other) for other in shown[1:])
    dom = dump_dom(path.resolve().as_uri() + "?t=7x&w=16&h=9")
    assert "URL parameter t: expected a number 0-1; got '7x' (ignored)" in dom
