"""Residual depth growth: layers enter as h + a*f(h); the picture stays and gains detail."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny import tiny_preset

from cppn_motion.cli.main import main
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study.growth import between, growth_stages, iter_growth
from cppn_motion.study.growth_measures import (
    growth_summary,
    hue_distance,
    luminance_correlation,
    spearman,
)

NET = {"depth": 6, "width": 16}


def _scene(seed: int):
    return build_scene(tiny_preset(seed=seed, canvas={"width": 96, "height": 54}, net=NET), "cpu")


def test_gains_of_zero_pass_the_first_layer_straight_to_the_head():
    scene = _scene(1)
    inputs = scene.timeline.inputs_at(torch.tensor([0.0, 0.4], dtype=torch.float64))
    args = (scene.coords, inputs.frame_features, inputs.weights, (54, 96))
    torch.testing.assert_close(scene.net(*args, layer_gains=[0.0] * 5), scene.net(*args, depth=1))
    residual = scene.net(*args, layer_gains=[1.0] * 5)
    assert (residual - scene.net(*args)).abs().max() > 0.1  # the residual net is its own picture
    with pytest.raises(ValueError, match=r"layer_gains must be 5 values in \[0, 1\]"):
        scene.net(*args, layer_gains=[1.0] * 4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_residual_growth_is_monotone_in_complexity_and_continuous(seed):
    scene = _scene(seed)
    residual = growth_summary([frame for frame, _ in iter_growth(scene, "depth", hold=1, method="residual")])
    truncated = growth_summary([frame for frame, _ in iter_growth(scene, "depth", hold=1, method="independent")])
    assert residual["rho_gradient"] >= 0.85  # detail rises with depth (1.0: strictly)
    assert residual["luma_corr"] >= 0.55 and residual["luma_corr"] > truncated["luma_corr"] + 0.3
    assert residual["hue_dist"] < truncated["hue_dist"]


def test_blend_frames_raise_the_entering_layers_gain():
    scene = _scene(2)
    stages = growth_stages(scene, "depth", "residual")
    assert stages[0].gains == (0.0,) * 5 and stages[-1].gains == (1.0,) * 5
    assert between(stages[1], stages[2], 0.25).gains == (1.0, 0.25, 0.0, 0.0, 0.0)
    frames = [frame.astype(int) for frame, _ in iter_growth(scene, "depth", hold=1, blend=3, method="residual")]
    # Stage, three in-between frames, stage: each step smaller than the whole jump.
    jump = np.abs(frames[4] - frames[0]).mean()
    steps = [np.abs(frames[i + 1] - frames[i]).mean() for i in range(4)]
    assert max(steps) < jump


def test_width_growth_in_between_frames_scale_the_entering_units():
    scene = _scene(1)
    stages = growth_stages(scene, "width", "residual")
    half = between(stages[0], stages[1], 0.5)
    assert half.entering == (stages[1].width, 0.5) and half.gains == (1.0,) * 5


def test_conv_nets_refuse_residual_growth_in_one_line_naming_the_methods_they_have(tmp_path, capsys):
    out = tmp_path / "g.gif"
    args = ["grow", "default", "--size", "48x32", "--set", "net.arch=conv", "--set", "net.depth=2", "--quiet"]
    assert main([*args, "--method", "residual", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--method residual" in err and "use --method readout or independent" in err
    assert not out.exists()
    assert main([*args, "--method", "independent", "-o", str(out)]) == 0


def test_measures_on_known_pictures():
    ramp = np.repeat(np.linspace(0, 255, 64)[None, :, None], 36, 0).repeat(3, 2).astype(np.uint8)
    assert luminance_correlation(ramp, ramp) == pytest.approx(1.0)
    assert luminance_correlation(ramp, 255 - ramp) == pytest.approx(-1.0)
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    blue = red[..., ::-1].copy()
    assert hue_distance(red, red) == 0.0 and hue_distance(red, blue) == 1.0
    assert spearman(np.arange(5), np.array([1, 3, 2, 8, 9])) == pytest.approx(0.9)
    assert spearman(np.arange(4), np.ones(4)) == 0.0
