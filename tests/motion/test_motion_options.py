"""Latent/weight path options, constant speed and ping-pong, end to end through the timeline."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.errors import ConfigError
from cppn_motion.motion.timing import pingpong_order
from cppn_motion.rendering.scene import build_scene

SMALL_NET = {"depth": 3, "width": 8}


def small(**sections):
    """tiny_preset with a small net: these tests are about motion, not pictures."""
    return tiny_preset(**{"net": SMALL_NET, **sections})

LOOP = torch.arange(32, dtype=torch.float64) / 32


@pytest.mark.parametrize("path", ["circle", "ellipse", "lissajous", "noise"])
def test_periodic_latent_paths_close_and_move(path):
    preset = small(latent={"dim": 6}, timeline={"latent": {"path": path}})
    timeline = build_scene(preset, "cpu").timeline
    z = timeline.latents(torch.cat([LOOP, torch.ones(1, dtype=torch.float64)]))
    torch.testing.assert_close(z[-1], z[0])
    steps = (z[1:] - z[:-1]).norm(dim=1)
    assert steps.min() > 0


def test_ellipse_is_flatter_than_the_circle():
    radii = {}
    for path in ("circle", "ellipse"):
        preset = small(latent={"dim": 6, "scale": 1.0}, timeline={"latent": {"path": path, "ellipse_ratio": 0.25}})
        radii[path] = build_scene(preset, "cpu").timeline.latents(LOOP).norm(dim=1)
    torch.testing.assert_close(radii["circle"], torch.ones(32))
    assert radii["ellipse"].max() == pytest.approx(1.0, abs=1e-5)
    assert radii["ellipse"].min() == pytest.approx(0.25, abs=1e-5)


def test_lissajous_needs_enough_latent_dimensions():
    with pytest.raises(ConfigError, match=r"'lissajous' needs latent.dim >= 3; got latent.dim 2"):
        tiny_preset(latent={"dim": 2}, timeline={"latent": {"path": "lissajous", "lissajous": [1, 2, 3]}})
    with pytest.raises(ConfigError, match=r"timeline.latent.lissajous: frequencies are whole numbers >= 1"):
        tiny_preset(timeline={"latent": {"path": "lissajous", "lissajous": [1, 0]}})


@pytest.mark.parametrize("mode", ["noise", "perturb"])
def test_weight_motion_loops_around_the_base_weights(mode):
    preset = small(timeline={"weights": {"mode": mode, "amplitude": 0.2}})
    scene = build_scene(preset, "cpu")
    weights = scene.timeline.weights(torch.cat([LOOP, torch.ones(1, dtype=torch.float64)]))
    for w, base in zip(weights, scene.net.base_weights):
        torch.testing.assert_close(w[-1], w[0])
        torch.testing.assert_close(w[:-1].mean(dim=0), base, atol=1e-5, rtol=0)


def test_constant_speed_gives_near_equal_steps_in_rendered_latents():
    # Spline through keys with an easing that stalls at every key: very uneven without re-timing.
    motion = {"path": "keyframes", "keyframes": 4, "interpolation": "spline", "easing": "cubic_in_out"}
    steps = {}
    for constant in (False, True):
        preset = small(latent={"dim": 8}, timeline={"frames": 48, "latent": {**motion, "constant_speed": constant}})
        timeline = build_scene(preset, "cpu").timeline
        # Distance travelled from each frame to the next, measured along the path (8 chords per
        # step), since a chord alone cuts the tight bends of a spline near its keys.
        z = timeline.latents(torch.arange(48 * 8, dtype=torch.float64) / (48 * 8)).to(torch.float64)
        closed = torch.cat([z, z[:1]])
        step = (closed[1:] - closed[:-1]).norm(dim=1).reshape(48, 8).sum(dim=1)
        steps[constant] = (step.max() / step.min()).item()
    assert steps[False] > 3
    assert steps[True] < 1.02


def test_constant_speed_weight_keyframes_are_even_too():
    preset = tiny_preset(net={"depth": 2, "width": 4},
                         timeline={"frames": 24, "weights": {"mode": "keyframes", "easing": "sine_in_out",
                                                             "constant_speed": True}})
    timeline = build_scene(preset, "cpu").timeline
    sets = timeline.weights(torch.arange(24 * 8, dtype=torch.float64) / (24 * 8))
    flat = torch.cat([w.reshape(24 * 8, -1) for w in sets], dim=1).to(torch.float64)
    closed = torch.cat([flat, flat[:1]])
    step = (closed[1:] - closed[:-1]).norm(dim=1).reshape(24, 8).sum(dim=1)
    assert (step.max() / step.min()).item() < 1.05


def test_pingpong_plays_the_open_clip_forward_then_back():
    frames = 8
    pingpong = small(latent={"dim": 4}, timeline={"frames": frames, "pingpong": True,
                                                        "latent": {"path": "keyframes", "keyframes": 3}})
    forward = pingpong.with_overrides({"timeline.pingpong": False, "timeline.loop": False,
                                       "timeline.frames": frames // 2 + 1})
    clip = cm.render_array(pingpong, device="cpu")
    reference = cm.render_array(forward, device="cpu")
    np.testing.assert_array_equal(clip, reference[pingpong_order(frames // 2 + 1)])
    assert len(clip) == frames


def test_pingpong_path_runs_open_from_first_to_last_key():
    preset = small(timeline={"frames": 6, "pingpong": True, "latent": {"path": "keyframes", "keyframes": 3}})
    timeline = build_scene(preset, "cpu").timeline
    z = timeline.latents(timeline.phases([0, 3]))
    torch.testing.assert_close(z[0], timeline._latent_keys[0])
    torch.testing.assert_close(z[1], timeline._latent_keys[-1])


def test_arc_length_table_is_the_same_in_chunks():
    from cppn_motion.motion.timing import arc_length_table

    def path(phase):
        return torch.stack([torch.cos(6.283185307179586 * phase), 0.5 * torch.sin(6.283185307179586 * phase)], 1)

    whole = arc_length_table(path, 100, chunk=1000)
    torch.testing.assert_close(arc_length_table(path, 100, chunk=7), whole)
    assert whole[-1].item() == pytest.approx(4.8442, abs=2e-3)  # an ellipse with semi-axes 1 and 0.5
