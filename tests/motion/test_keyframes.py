"""YAML keyframes: time forms, tracks through their keys, easing, loop closure and precise errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.timespec import keyframe_phase
from cppn_motion.errors import ConfigError
from cppn_motion.rendering.scene import build_scene

NET = {"depth": 3, "width": 8}


def scene_with(keyframes, **timeline):
    preset = tiny_preset(net=NET, latent={"dim": 3},
                         timeline={"frames": 8, "fps": 4, "keyframes": keyframes, **timeline})
    return build_scene(preset, "cpu")


def test_time_forms():
    assert keyframe_phase(6, 24, 12, loop=True, pingpong=False) == 0.25
    assert keyframe_phase("6f", 24, 12, loop=True, pingpong=False) == 0.25
    assert keyframe_phase("0.5s", 24, 12, loop=True, pingpong=False) == 0.25
    assert keyframe_phase(0.25, 24, 12, loop=True, pingpong=False) == 0.25
    assert keyframe_phase(23, 24, 12, loop=False, pingpong=False) == 1.0
    assert keyframe_phase(6, 24, 12, loop=True, pingpong=True) == 0.5


def test_explicit_latents_are_hit_at_their_frames_and_the_loop_returns():
    keys = [[0.5, 0.0, 0.0], [0.0, -0.5, 0.25], [0.1, 0.2, 0.3]]
    scene = scene_with([{"time": 0, "latent": keys[0]}, {"time": "0.5s", "latent": keys[1]},
                        {"time": 0.75, "latent": keys[2]}])
    z = scene.timeline.latents(scene.timeline.phases([0, 2, 6, 8]))
    torch.testing.assert_close(z, torch.tensor(keys + [keys[0]]))


def test_spline_keyframes_end_to_end_are_c1_across_the_loop():
    scene = scene_with([{"time": 0, "latent": {"seed": 1}}, {"time": 3, "latent": {"seed": 2}},
                        {"time": 5, "latent": {"seed": 3}}], latent={"interpolation": "spline"})
    keys = scene.timeline.keys.latent.values
    torch.testing.assert_close(scene.timeline.latents(scene.timeline.phases([0, 3, 5])), keys)
    h = 1e-4
    phase = torch.tensor([1 - 2 * h, 1 - h, 0.0, h, 2 * h], dtype=torch.float64)
    z = scene.timeline.latents(phase).to(torch.float64)
    before, after = (z[1] - z[0]) / h, (z[4] - z[3]) / h
    torch.testing.assert_close(before, after, atol=2e-2, rtol=2e-2)
    across = (z[3] - z[1]) / (2 * h)
    torch.testing.assert_close(across, after, atol=2e-2, rtol=2e-2)


def test_camera_zoom_keyframes_interpolate_exponentially_with_their_easing():
    scene = scene_with([{"time": 0, "camera": {"zoom": 1.0}, "easing": "linear"},
                        {"time": 4, "camera": {"zoom": 4.0}, "easing": "smoothstep"}])
    state = scene.timeline.camera_at(torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64))
    zoom = torch.exp(state.log_zoom)
    assert zoom[0].item() == pytest.approx(2.0)          # halfway in log space, linear easing
    assert zoom[1].item() == pytest.approx(4.0)
    assert zoom[2].item() == pytest.approx(2.0)          # smoothstep is symmetric about its middle


def test_seeded_weight_keyframe_zero_is_the_preset_weights():
    scene = scene_with([{"time": 0, "weights": {"seed": 0}}, {"time": 4, "weights": {"seed": 5}}])
    weights = scene.timeline.weights(torch.tensor([0.0, 0.5], dtype=torch.float64))
    for w, base in zip(weights, scene.net.base_weights):
        torch.testing.assert_close(w[0], base)
        assert not torch.allclose(w[1], base)


def test_colour_and_input_scale_keyframes_change_the_frames():
    # Fixed colour statistics: the calibration of a moving clip differs from a still's.
    keyed = tiny_preset(net=NET, latent={"dim": 0}, inputs={"time": False}, colour={"normalize": False},
                        timeline={"frames": 4, "keyframes": [
        {"time": 0, "colour": {"hue_shift": 0.0}, "inputs": {"feature_scale": 1.0}},
        {"time": 2, "colour": {"hue_shift": 0.5}, "inputs": {"feature_scale": 2.0}}]})
    clip = cm.render_array(keyed, device="cpu").astype(int)
    still = cm.render_array(keyed.with_overrides({"timeline.keyframes": [], "timeline.frames": 1}), device="cpu")
    np.testing.assert_array_equal(clip[0], still[0])
    assert np.abs(clip[2] - clip[0]).mean() > 10
    hue_only = keyed.with_overrides({"colour.hue_shift": 0.5, "inputs.feature_scale": 2.0,
                                     "timeline.keyframes": [], "timeline.frames": 1})
    np.testing.assert_allclose(clip[2], cm.render_array(hue_only, device="cpu")[0], atol=1)


def test_keyframed_preset_round_trips_through_show(tmp_path):
    preset = tiny_preset(net=NET, timeline={"keyframes": [
        {"time": "0.1s", "camera": {"pan": [0.1, 0.2]}, "easing": "sine_in_out"},
        {"time": 0.5, "latent": {"seed": 4}, "colour": {"contrast": 2.5}}]})
    text = preset_to_yaml(preset)
    assert "null" not in text.split("keyframes:")[1].split("keyframe_interpolation")[0]
    path = tmp_path / "k.yaml"
    path.write_text(text)
    assert cm.load_preset(str(path)) == preset


@pytest.mark.parametrize("keyframes, message", [
    ([{"time": 3}, {"time": 2}],
     r"timeline.keyframes\[1\].time: keyframes go in time order; 2 \(phase 0.25\) is not after keyframe 0"),
    ([{"time": "2 sec"}], r"timeline.keyframes\[0\].time: expected a frame number \(30\), a fraction"),
    ([{"time": 8}], r"timeline.keyframes\[0\].time: must fall within \[0, 1\) of the loop"),
    ([{"time": 0, "latent": [1.0]}], r"timeline.keyframes\[0\].latent: needs latent.dim = 3 numbers; got 1"),
    ([{"time": 0, "camera": {"zom": 2}}],
     r"unknown key 'timeline.keyframes\[0\].camera.zom' \(did you mean 'zoom'\?\); allowed keys in "
     r"'timeline.keyframes\[0\].camera': zoom, pan, rotation"),
    ([{"time": 0}, {"time": 1, "easing": "smoth"}], r"unknown easing 'smoth'"),
])
def test_keyframe_errors_name_the_index_and_key(keyframes, message):
    with pytest.raises(ConfigError, match=message):
        tiny_preset(latent={"dim": 3}, timeline={"frames": 8, "keyframes": keyframes})
