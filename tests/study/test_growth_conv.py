"""Conv depth growth: readout growth (the default for every conv layout) keeps one picture that
gains detail, where the truncated nets show a new picture at every stage."""
from __future__ import annotations

import numpy as np
import pytest
from tiny import tiny_preset

from cppn_motion.cli.main import main
from cppn_motion.config.presets import load_preset
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study.growth import default_method, iter_growth
from cppn_motion.study.growth_measures import growth_summary


def _scene(arch: str, seed: int):
    net = {"arch": arch, "depth": 4, "width": 12, "design_size": 36}
    return build_scene(tiny_preset(seed=seed, canvas={"width": 64, "height": 36}, net=net), "cpu")


def _mean_summary(arch: str, method: str) -> dict[str, float]:
    rows = [growth_summary([f for f, _ in iter_growth(_scene(arch, seed), "depth", hold=1, method=method)])
            for seed in (1, 2, 3)]
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}


@pytest.mark.parametrize("arch", ["nin", "residual"])
def test_conv_readout_growth_is_monotone_in_detail_and_continuous_on_seeded_tiny_nets(arch):
    assert default_method(_scene(arch, 1)) == "readout"
    readout, truncated = _mean_summary(arch, "readout"), _mean_summary(arch, "independent")
    assert readout["rho_gradient"] >= 0.9 and readout["rho_high_freq"] >= 0.8, readout
    assert readout["luma_corr"] >= 0.8 and readout["luma_corr_min"] >= 0.7, readout
    assert truncated["luma_corr"] < readout["luma_corr"] - 0.5, truncated


def test_grow_on_a_conv_preset_writes_a_gif_whose_in_between_frames_lie_between_the_stages(tmp_path):
    out = tmp_path / "vgg.gif"
    assert main(["grow", "vgg_look", "--size", "48x27", "--hold", "1", "--blend", "1", "--quiet", "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    scene = build_scene(load_preset("vgg_look", {"canvas.width": 48, "canvas.height": 27}), "cpu")
    frames = [frame.astype(int) for frame, _ in iter_growth(scene, "depth", hold=1, blend=1)]
    assert len(frames) == 3 + 2  # vgg_look has 3 layers: 3 stages, one frame between each pair
    # The entering layer's gain ramps, so the frame between is nearer each stage than they are to each other.
    held, mixed, following = frames[0], frames[1], frames[2]
    assert 0 < np.abs(mixed - held).mean() < np.abs(following - held).mean()
