"""Readout depth growth for conv nets: the plain net's layers, read by the full net's head as a
weighted sum of every grown layer's output (nets/conv_readout.py)."""
from __future__ import annotations

import pytest
import torch
from tiny import tiny_preset

from cppn_motion.nets.readout_growth import READOUT_SHARE, Readout
from cppn_motion.rendering.scene import build_scene, proxy_field
from cppn_motion.study.growth import readout_gains

SMALL_NET = {"depth": 3, "width": 8, "design_size": 18}


def _scene(arch: str = "conv", net: dict | None = None, **sections):
    preset = tiny_preset(net={"arch": arch, **SMALL_NET, **(net or {})}, latent={"dim": 2}, **sections)
    return build_scene(preset, "cpu")


def _run(scene, readout: Readout | None = None, depth: int | None = None, phases=(0.0, 0.4)):
    inputs = scene.timeline.inputs_at(torch.tensor(phases, dtype=torch.float64))
    options = {} if depth is None else {"depth": depth}
    return scene.net(scene.coords, inputs.frame_features, inputs.weights, (18, 32), readout=readout, **options)


def _centred_rms(x):
    return (x - x.mean(dim=1, keepdim=True)).pow(2).mean().sqrt()


def test_readout_of_no_grown_layers_is_the_one_layer_net_where_the_widths_agree():
    scene = _scene("conv")
    torch.testing.assert_close(_run(scene, Readout((0.0, 0.0))), _run(scene, depth=1))
    with pytest.raises(ValueError, match=r"readout gains must be 2 values >= 0"):
        _run(scene, Readout((1.0,)))


def test_the_head_reads_every_grown_layer_so_an_entering_layer_mixes_linearly():
    # The head is linear in the readout: half the entering gain gives the midpoint of the two
    # stages (the in-between frames of a growth animation lie between them).
    scene = _scene("conv")
    gains = readout_gains(scene)
    one = _run(scene, Readout((0.0, 0.0)))
    two = _run(scene, Readout((gains[0], 0.0)))
    half = _run(scene, Readout((gains[0] / 2, 0.0)))
    torch.testing.assert_close(half, (one + two) / 2, rtol=1e-4, atol=1e-4)
    assert float((two - one).abs().mean()) > 1e-3
    full = _run(scene, Readout(gains))
    assert not torch.allclose(full, two) and not torch.allclose(full, _run(scene))


def test_each_layer_enters_at_the_measured_share_of_the_picture():
    scene = _scene("conv")
    gains = readout_gains(scene)
    assert len(gains) == 2 and all(g > 0 for g in gains)
    # On the proxy the gains were measured on, layer 2 adds READOUT_SHARE of layer 1's picture
    # (through the head, without its bias, centred per frame and channel).
    phase, coords, shape, grid = proxy_field(scene)
    one = scene.raw_at(phase, coords, shape, grid=grid, readout=Readout((0.0, 0.0)))
    two = scene.raw_at(phase, coords, shape, grid=grid, readout=Readout((gains[0], 0.0)))
    assert float(_centred_rms(two - one) / _centred_rms(one)) == pytest.approx(READOUT_SHARE, rel=0.02)


@pytest.mark.parametrize("arch, net", [("inception", {}), ("conv", {"layers": [{"channels": 6}, {"channels": 4},
                                                                                  {"channels": 5}]})])
def test_layers_of_other_widths_are_read_through_a_fixed_seeded_map(arch, net):
    scene = _scene(arch, net)
    gains = readout_gains(scene)
    first, again = _run(scene, Readout(gains)), _run(scene, Readout(gains))
    assert torch.equal(first, again) and first.shape == _run(scene).shape
    assert torch.isfinite(first).all() and float(first.std()) > 0


def test_readout_frames_are_identical_whole_and_in_bands_with_frozen_statistics():
    scene = _scene("vgg", {"pool": "max", "norm": {"stats": "clip"}})
    gains = readout_gains(scene)
    whole = _run(scene, Readout(gains))
    scene.net.band_rows = 5  # 18 rows in four bands, each with its own margin
    torch.testing.assert_close(_run(scene, Readout(gains)), whole)


def test_per_frame_weights_move_the_readout_net_too():
    scene = _scene("conv", timeline={"frames": 6, "weights": {"mode": "keyframes"}})
    gains = readout_gains(scene)
    out = _run(scene, Readout(gains), phases=(0.0, 0.5))
    assert not torch.allclose(out[0], out[1])
