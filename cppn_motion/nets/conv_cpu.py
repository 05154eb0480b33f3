"""Faster CPU forms of a conv layer. Each computes the same function as F.conv2d followed by
the activation; only fp32 rounding differs, and tests/test_fast_paths.py pins that against
the reference.

Why they exist, measured on one 32-channel 3x3 layer over a 400x680 field (conv10-360p),
dilation 2, two threads (bench/RESULTS.md, conv ideas): NCHW conv 64 ms, the same conv on
channels-last 40 ms, torch's tanh 22 ms more (15 in place), and oneDNN's conv with tanh fused
as a post-op 41 ms in all. (Frozen normalisation, 40 ms more, folds into the weights:
spatial_norm.fold_into_conv.)"""
from __future__ import annotations

import functools

import torch
from torch import Tensor

# Activations oneDNN can fuse into its convolution: (post-op name, scalars, algorithm). Only
# those measured no slower than the channels-last conv + torch's in-place activation are
# listed (ms, the layer above): tanh 41 vs 55, sigmoid 40 vs 44, gelu 43 vs 62, relu 40 vs 40.
# leaky_relu (42 vs 40) and silu (88 vs 83) measured slower fused and stay separate.
ONEDNN_CONV_POST_OPS = {
    "tanh": ("tanh", [], ""),
    "sigmoid": ("sigmoid", [], ""),
    "relu": ("relu", [], ""),
    "gelu": ("gelu", [], "none"),  # "none": the exact erf form, as nn.functional.gelu
}


def channels_last_on_cpu(h: Tensor) -> Tensor:
    """h in channels-last layout on a CPU (oneDNN's direct conv reads it without reordering);
    unchanged elsewhere."""
    if h.device.type != "cpu" or h.dim() != 4:
        return h
    return h.contiguous(memory_format=torch.channels_last)


def fused_conv(h: Tensor, weight: Tensor, bias: Tensor, dilation: int, activation: str) -> Tensor | None:
    """activation(conv2d(h, weight, bias)) ('valid', dilated) in one oneDNN call, for fp32 on a
    CPU with one weight set for every frame (weight (1, Cout, Cin, k, k), bias (1, Cout));
    None where that does not apply, so the caller runs the plain layers."""
    post_op = ONEDNN_CONV_POST_OPS.get(activation)
    if (post_op is None or weight.shape[0] != 1 or h.device.type != "cpu" or h.dtype != torch.float32
            or not onednn_conv_available()):
        return None
    attr, scalars, algorithm = post_op
    return torch.ops.mkldnn._convolution_pointwise(h, weight[0], bias[0], [0, 0], [1, 1], [dilation, dilation],
                                                   1, attr, scalars, algorithm)


@functools.cache
def onednn_conv_available() -> bool:
    """Whether this torch build has oneDNN's fused convolution (a private op Inductor uses):
    probed once on a tiny input and checked against the plain form, so a build without it, or
    with a changed signature, silently uses the plain layers."""
    try:
        x = torch.linspace(-2, 2, 2 * 5 * 5).view(1, 2, 5, 5).contiguous(memory_format=torch.channels_last)
        w, b = torch.linspace(-1, 1, 3 * 2 * 9).view(3, 2, 3, 3), torch.ones(3)
        fused = torch.ops.mkldnn._convolution_pointwise(x, w, b, [0, 0], [1, 1], [2, 2], 1, "tanh", [], "")
        plain = torch.tanh(torch.nn.functional.conv2d(x, w, b, dilation=2))
        return fused.shape == plain.shape and bool(torch.allclose(fused, plain, atol=1e-5))
    except (AttributeError, RuntimeError, TypeError):
        return False
