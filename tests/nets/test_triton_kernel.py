"""The fused Triton kernel equals the torch reference, run on CPU by Triton's interpreter
(tiny sizes: the interpreter is numpy, slow). Skipped when triton is not installed."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from tiny import tiny_preset

# Triton decides at import whether @triton.jit compiles or interprets, so the switch must be
# set before triton is first imported in this process (only this module imports it).
os.environ.setdefault("TRITON_INTERPRET", "1")
pytest.importorskip("triton")

from cppn_motion.colour.mapping import linear_colour_map  # noqa: E402
from cppn_motion.rendering.scene import build_scene  # noqa: E402

# Stated tolerances of the kernel's fp16 hidden layers against the fp32 torch path, on raw
# outputs (std ~1 after calibration): smooth activations stay close; sin is the most chaotic.
RAW_TOLERANCE = {"tanh": 0.05, "relu": 0.05, "sigmoid": 0.05, "gaussian": 0.1, "sin": 0.15, "abs": 0.05}


@pytest.fixture(scope="module")
def kernel():
    from cppn_motion.nets.kernels import triton_mlp

    if type(triton_mlp._mlp_kernel).__name__ != "InterpretedFunction" and not torch.cuda.is_available():
        pytest.skip("triton was imported before TRITON_INTERPRET=1 was set; run this file on its own")
    return triton_mlp


def _case(activation: str, depth: int = 4):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    scene = build_scene(tiny_preset(canvas={"width": 20, "height": 12},
                                    net={"activation": activation, "depth": depth, "width": 24}), device)
    scene.net.use_kernel = False  # the torch path is the reference
    phases = scene.timeline.phases([0, 3])
    inputs = scene.timeline.inputs_at(phases)
    net = scene.net
    n_coord = net.spec.coord_features
    w = inputs.weights
    frame_bias = w[1] + torch.einsum("bk,bkd->bd", inputs.frame_features,
                                     w[0][:, n_coord:].expand(2, -1, -1))
    return scene, inputs, frame_bias


@pytest.mark.parametrize("activation", sorted(RAW_TOLERANCE))
def test_kernel_raw_outputs_match_torch(kernel, activation):
    scene, inputs, frame_bias = _case(activation)
    reference = scene.net(scene.coords, inputs.frame_features, inputs.weights, (12, 20))
    fused = kernel.fused_mlp(scene.coords, frame_bias, inputs.weights, scene.net.spec.depth, activation)
    assert fused.shape == reference.shape
    assert (fused - reference).abs().max() < RAW_TOLERANCE[activation] * reference.std()


def test_kernel_depth_truncation(kernel):
    scene, inputs, frame_bias = _case("tanh", depth=5)
    reference = scene.net(scene.coords, inputs.frame_features, inputs.weights, (12, 20), depth=2)
    fused = kernel.fused_mlp(scene.coords, frame_bias, inputs.weights, 2, "tanh")
    assert (fused - reference).abs().max() < 0.05 * reference.std()


def test_kernel_uint8_with_folded_colour_matches_render(kernel):
    scene, inputs, frame_bias = _case("tanh")
    preset_colour = scene.preset.colour.model_copy(update={"hue_shift": 0.2, "saturation": 1.3})
    reference = scene.render_phases(inputs.phase).cpu().numpy().astype(int)
    colour_map = linear_colour_map(scene.preset.colour, scene.calibration)
    fused = kernel.fused_mlp(scene.coords, frame_bias, inputs.weights, scene.net.spec.depth, "tanh", colour_map)
    assert fused.dtype == torch.uint8
    diff = np.abs(fused.view(2, 12, 20, 3).cpu().numpy().astype(int) - reference)
    # fp16 hidden layers: most pixels exact or one code off, none far off.
    assert (diff <= 1).mean() > 0.9 and diff.max() <= 8
    assert linear_colour_map(preset_colour, scene.calibration) is not None


def test_linear_colour_map_reproduces_to_rgb():
    from cppn_motion.colour.mapping import to_rgb

    scene = build_scene(tiny_preset(colour={"hue_shift": 0.3, "saturation": 0.7}), "cpu")
    raw = torch.randn(50, 3) * 2
    scale, shift, mix = linear_colour_map(scene.preset.colour, scene.calibration)
    folded = (torch.sigmoid(raw * scale + shift) @ mix).clamp(0, 1)
    torch.testing.assert_close(folded, to_rgb(raw, scene.preset.colour, scene.calibration), atol=1e-5, rtol=0)
