"""Conv field nets: every layout renders, parameter counts, frozen statistics, clean borders,
resolution independence, depth truncation and activation codes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny import tiny_preset

from cppn_motion.config.presets import load_preset
from cppn_motion.errors import ConfigError
from cppn_motion.nets import ARCHITECTURES
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study.complexity import count_linear_regions

CONV_ARCHS = ["conv", "nin", "vgg", "inception", "residual"]

# Small design grid: the tiny 32x18 frame is evaluated at density 1, no resampling.
SMALL_NET = {"depth": 2, "width": 8, "design_size": 18}


def _scene(arch: str = "conv", net: dict | None = None, **sections):
    return build_scene(tiny_preset(net={"arch": arch, **SMALL_NET, **(net or {})}, **sections), "cpu")


@pytest.mark.parametrize("arch", CONV_ARCHS)
def test_every_conv_architecture_renders_with_time_and_latent(arch):
    assert arch in ARCHITECTURES.names()
    scene = _scene(arch, {"pool": "max"}, latent={"dim": 3})
    frames = scene.render_indices([0, 2])
    assert frames.shape == (2, 18, 32, 3) and frames.dtype == torch.uint8
    assert not torch.equal(frames[0], frames[1]), "time/latent inputs must move the picture"
    assert frames.float().std() > 5, "a blank frame"


@pytest.mark.parametrize("option", [{"maxout": True}, {"activation": "mixed"}, {"activation": "sigmoid"},
                                    {"norm": {"stats": "frame"}}, {"norm": {"enabled": False}}])
def test_layer_options_render(option):
    frames = _scene("conv", option).render_indices([0, 1])
    assert frames.shape == (2, 18, 32, 3) and frames.float().std() > 1


def test_explicit_layer_list_with_pool_and_upsample():
    layers = [{"type": "conv", "k": 3, "channels": 6}, {"type": "pool", "pool": "avg"},
              {"type": "inception", "channels": 8}, {"type": "upsample"}, {"type": "residual", "channels": 5}]
    scene = _scene("conv", {"layers": layers})
    assert scene.render_indices([0]).float().std() > 1


def test_bad_layer_lists_name_the_key():
    with pytest.raises(ConfigError, match=r"net.layers.0: an upsample layer undoes an earlier pool"):
        _scene("conv", {"layers": [{"type": "upsample"}]})
    with pytest.raises(ConfigError, match=r"net.kernel: kernel size must be odd.*got 4"):
        tiny_preset(net={"arch": "conv", "kernel": 4})


def test_per_frame_weights_batch_equals_single_frames():
    scene = _scene("conv", timeline={"frames": 6, "weights": {"mode": "keyframes"}}, latent={"dim": 2})
    batch = scene.render_indices([0, 1, 3])
    singles = torch.cat([scene.render_indices([i]) for i in (0, 1, 3)])
    assert (batch.int() - singles.int()).abs().max() <= 1
    assert not torch.equal(batch[0], batch[2])


def _seed_preset(depth: int, width: int):
    return tiny_preset(inputs={"features": ["slope"], "time": False}, latent={"dim": 0},
                       timeline={"frames": 1},
                       net={"arch": "conv", "depth": depth, "width": width, "kernel": 3, "design_size": 18})


def test_parameter_counts_of_the_seed_configurations():
    # Per 3x3 conv layer: weights cin*cout*9, bias cout, normalization shift cout; head 1x1 to 3.
    one_by_hundred = (2 * 100 * 9 + 100 + 100) + (100 * 3 + 3)
    ten_by_ten = (2 * 10 * 9 + 10 + 10) + 9 * (10 * 10 * 9 + 10 + 10) + (10 * 3 + 3)
    assert one_by_hundred == 2303 and ten_by_ten == 8513
    assert build_scene(_seed_preset(1, 100), "cpu").net.parameter_count == one_by_hundred
    assert build_scene(_seed_preset(10, 10), "cpu").net.parameter_count == ten_by_ten


def test_bundled_seed_presets_are_the_seed_configurations():
    preset = load_preset("seed_10x10_relu")
    assert (preset.net.depth, preset.net.width, preset.net.kernel) == (10, 10, 3)
    assert preset.inputs.features == ["slope"]


def test_clip_statistics_give_identical_frames_whole_and_in_bands():
    scene = _scene("vgg", {"depth": 2, "pool": "max", "norm": {"stats": "clip"}}, latent={"dim": 2})
    whole = scene.render_indices([0, 3])
    scene.net.band_rows = 5  # 18 rows in four bands, each with its own margin
    banded = scene.render_indices([0, 3])
    assert torch.equal(whole, banded)


def test_frame_statistics_are_recomputed_per_frame():
    scene = _scene("conv", {"norm": {"stats": "frame"}})
    assert not scene.net.norm.has_frozen


def test_no_border_artefacts_edge_pixels_equal_interior_pixels():
    # Without normalization a conv net over x, y is translation-equivariant; a small frame
    # must equal the centre of a wider one, edges included, as if the field went on: the
    # edge columns of the small frame are interior columns of the wide one. (A test of edge
    # rows against interior rows would be weaker: these nets are not stationary over an
    # affine input, so rows differ in distribution anyway.)
    net = {"depth": 6, "width": 6, "norm": {"enabled": False}}
    common = {"inputs": {"features": ["x", "y"]}, "latent": {"dim": 2}}
    phase = torch.tensor([0.25], dtype=torch.float64)
    small = _scene("conv", net, **common).raw_at(phase).view(18, 32, 3)
    wide = _scene("conv", net, canvas={"width": 40, "height": 18}, **common).raw_at(phase).view(18, 40, 3)
    torch.testing.assert_close(small, wide[:, 4:36], rtol=1e-4, atol=1e-4 * wide.abs().max().item())


def test_preview_and_big_render_show_the_same_picture():
    net = {"arch": "conv", "depth": 4, "width": 8, "design_size": 18}
    small = build_scene(tiny_preset(net=net), "cpu").render_indices([1]).float()
    big = build_scene(tiny_preset(net=net, canvas={"width": 96, "height": 54}), "cpu").render_indices([1]).float()
    shrunk = torch.nn.functional.avg_pool2d(big.permute(0, 3, 1, 2), 3).permute(0, 2, 3, 1)
    mse = ((shrunk - small) ** 2).mean().item()
    psnr = 10 * np.log10(255.0 ** 2 / max(mse, 1e-9))
    assert psnr > 25, psnr


def test_depth_truncation_uses_the_first_layers_and_a_seeded_head():
    scene = _scene("conv", {"layers": [{"channels": 6}, {"channels": 4}, {"channels": 5}]}, latent={"dim": 2})
    net, timeline = scene.net, scene.timeline
    inputs = timeline.inputs_at(torch.tensor([0.25], dtype=torch.float64))
    full = net(scene.coords, inputs.frame_features, inputs.weights, (18, 32))
    assert torch.equal(full, net(scene.coords, inputs.frame_features, inputs.weights, (18, 32), depth=3))
    shallow = [net(scene.coords, inputs.frame_features, inputs.weights, (18, 32), depth=1) for _ in range(2)]
    assert shallow[0].shape == full.shape and torch.equal(shallow[0], shallow[1])
    assert not torch.allclose(shallow[0], full)


@pytest.mark.parametrize("mode", ["seed_lab", "seed_standard", "oklab", "oklch"])
def test_colour_modes_render_conv_nets(mode):
    frames = _scene("conv", colour={"mode": mode}).render_indices([0])
    assert frames.float().std() > 3


def test_relu_activation_codes_count_linear_regions():
    scene = _scene("conv", {"activation": "relu", "depth": 3}, latent={"dim": 0},
                   inputs={"features": ["slope"], "time": False}, timeline={"frames": 1})
    inputs = scene.timeline.inputs_at(torch.tensor([0.0], dtype=torch.float64))
    codes = scene.net.activation_codes(scene.coords, inputs.frame_features, inputs.weights, (18, 32))
    assert codes.shape == (1, 18, 32, 3 * 8) and codes.dtype == torch.bool
    assert count_linear_regions(codes[0].numpy()) > 1


def test_layer_list_on_the_mlp_is_an_error():
    with pytest.raises(ConfigError, match=r"net: layers need a conv architecture in net.arch .*got .mlp."):
        tiny_preset(net={"layers": [{"type": "conv"}]})
