"""The memory estimate covers every weight-motion mode, colour mode and architecture the schema allows
(a mode missing from its tables crashed every render with KeyError: 'noise')."""
from __future__ import annotations

from typing import get_args

import pytest
import torch
from tiny import tiny_preset

from cppn_motion.config.schema import Colour
from cppn_motion.config.timeline_schema import WeightMotion
from cppn_motion.errors import UserError
from cppn_motion.nets import ARCHITECTURES
from cppn_motion.rendering.budget import check_memory, estimate, parameter_count

WEIGHT_MODES = get_args(WeightMotion.model_fields["mode"].annotation)
COLOUR_MODES = get_args(Colour.model_fields["mode"].annotation)


def test_the_tables_are_read_from_the_schema():
    assert "noise" in WEIGHT_MODES and "oklch" in COLOUR_MODES


@pytest.mark.parametrize("mode", WEIGHT_MODES)
def test_every_weight_mode_has_an_estimate(mode):
    needed = estimate(tiny_preset(timeline={"weights": {"mode": mode}})).total
    assert needed > 0


def test_noise_weights_cost_more_with_more_harmonics():
    few = estimate(tiny_preset(timeline={"weights": {"mode": "noise", "harmonics": 1}})).total
    many = estimate(tiny_preset(timeline={"weights": {"mode": "noise", "harmonics": 8}})).total
    assert many > few


@pytest.mark.parametrize("mode", COLOUR_MODES)
def test_every_colour_mode_has_an_estimate(mode):
    assert estimate(tiny_preset(colour={"mode": mode})).total > 0


@pytest.mark.parametrize("arch", ARCHITECTURES.names())
@pytest.mark.parametrize("kind", ["mp4", "gif", "png"])
def test_every_architecture_and_output_kind_has_an_estimate(arch, kind):
    assert estimate(tiny_preset(net={"arch": arch, "depth": 2, "width": 4}), kind=kind).total > 0


# ---------------------------------------------------------------------------
# Odd shapes (issue 16): each of these once ran for minutes or died in the allocator.

def test_a_thin_strip_gets_a_small_calibration_proxy():
    # 16384x2 got a 524288x64 proxy (10 GB, 67 s) for a 32k-pixel frame.
    from cppn_motion.rendering.scene import PROXY_MAX_PIXELS, proxy_size

    width, height = proxy_size(16384, 2)
    assert width * height <= PROXY_MAX_PIXELS and width > 100 * height
    assert proxy_size(640, 360) == (114, 64) and proxy_size(1024, 64) == (1024, 64)  # unchanged up to 16:1


def test_a_thin_strip_reroll_proxy_is_a_valid_small_canvas():
    from cppn_motion.study.reroll import proxy_preset

    canvas = proxy_preset(tiny_preset(canvas={"width": 16384, "height": 2}), 3).canvas
    assert canvas.width * canvas.height <= 96 * 96 * 16 and canvas.width >= 100 * canvas.height


def test_a_thin_strip_mlp_still_renders_quickly():
    from cppn_motion.api import render_still

    frame = render_still(tiny_preset(canvas={"width": 16384, "height": 2}), device="cpu")
    assert frame.shape == (2, 16384, 3)


def test_wide_nets_count_the_working_copies_of_their_weights():
    # width 4096 x depth 64 passed the check and grew past 8.8 GB: the estimate held 2 copies.
    preset = tiny_preset(net={"width": 1024, "depth": 4})
    assert estimate(preset).weights >= 3 * parameter_count(preset) * 4


def test_moving_weights_shrink_the_batch_of_a_wide_net():
    from cppn_motion.rendering.device import frames_per_batch

    cpu = torch.device("cpu")
    assert frames_per_batch(cpu, 64, 36, 3) == 8
    assert frames_per_batch(cpu, 64, 36, 3, per_frame_bytes=1 << 40) == 1


def test_pool_layers_are_refused_before_allocating():
    # 50 pools: the receptive field doubles each time, and torch asked for 18 PB.
    preset = tiny_preset(net={"arch": "vgg", "depth": 50, "width": 4, "pool": "max", "block_convs": 1})
    with pytest.raises(UserError, match=r"PiB of memory .*conv layers.* fewer pool layers"):
        check_memory(preset, "png", torch.device("cpu"), free=64 * 2**30)


def test_pool_layers_are_refused_by_the_cli_in_one_line(tmp_path, capsys):
    from cppn_motion.cli.main import main

    status = main(["still", "vgg_look", "--set", "net.depth=50", "--set", "net.pool=max", "-o",
                   str(tmp_path / "x.png"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1 and "fewer pool layers" in err, err
    assert not any(tmp_path.iterdir())


def test_a_conv_net_on_a_thin_strip_counts_its_design_grid():
    # A conv net evaluates a 16384x2 frame on a 180 x 1474560 design grid.
    thin = estimate(tiny_preset(canvas={"width": 16384, "height": 2}, net={"arch": "conv", "depth": 2, "width": 8}))
    square = estimate(tiny_preset(canvas={"width": 256, "height": 128}, net={"arch": "conv", "depth": 2, "width": 8}))
    assert thin.field > 100 * square.field and thin.field > 2**30


def test_every_bundled_preset_fits_its_own_estimate_on_a_small_machine():
    # The estimate must not refuse ordinary renders: each bundled preset is estimated under 3 GiB
    # (the largest, seed_1x100_relu, measured 1.9 GB peak on CPU).
    from cppn_motion.config.presets import bundled_names, load_preset

    for name in bundled_names():
        assert estimate(load_preset(name)).total < 3 * 2**30, name


def test_build_scene_refuses_what_cannot_fit():
    # Every path that builds a scene (grow, compare, --reroll, the notebook API) checks too.
    from cppn_motion.rendering.scene import build_scene

    preset = tiny_preset(net={"arch": "vgg", "depth": 50, "width": 4, "pool": "max", "block_convs": 1})
    with pytest.raises(UserError, match="fewer pool layers"):
        build_scene(preset, "cpu")
