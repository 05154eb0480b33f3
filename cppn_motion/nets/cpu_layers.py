"""Faster CPU forms of the MLP's layers. Each computes the same function as the plain torch
layers (a matmul, a bias, an activation); only fp32 rounding differs, and
tests/test_fast_paths.py pins that against the reference.

Why they exist, measured on one 8192 x 32 chunk, one thread (bench/RESULTS.md, idea 10): torch's
CPU tanh costs ~950 us where sigmoid costs ~140 us and the 32x32 matmul ~210 us, and oneDNN's
matmul with the activation fused as a post-op costs ~320 us for matmul + tanh."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from cppn_motion.nets.activations import LEAKY_SLOPE

LayerStep = Callable[[Tensor], Tensor]
Layer = tuple[Tensor, Tensor]  # weight (1|B, C, D), bias (1|B, D)

# Activations oneDNN can fuse into its matmul: (post-op name, scalars, algorithm). Only those
# measured faster than matmul + torch's activation are listed (silu fused was slower).
ONEDNN_POST_OPS = {
    "tanh": ("tanh", [], ""),
    "sigmoid": ("sigmoid", [], ""),
    "relu": ("relu", [], ""),
    "leaky_relu": ("leaky_relu", [LEAKY_SLOPE], ""),
    "gelu": ("gelu", [], "none"),  # "none": the exact erf form, as nn.functional.gelu
}


# precision "fast" (and "bf16") on a CPU: hidden layers in bf16, whose 8 significant bits round
# any value with a relative error of at most this (the unit roundoff 2^-8).
FAST_UNIT_ROUNDOFF = 2.0**-8


def fast_layer_bound(x: Tensor, w: Tensor, b: Tensor, y: Tensor, lipschitz: float) -> Tensor:
    """The stated worst case of |fast - exact| for one bf16 hidden layer y = f(x W + b), elementwise:
    x, W and b rounded to bf16 (relative error u each), the products summed in fp32, the sum z
    rounded once more where torch applies f itself (not in oneDNN's fused form), f's slope at most
    `lipschitz`, and y rounded to bf16:
        dz = (2u + u^2) |x| |W| + u |b| + K 2^-24 (|x| |W| + |b|),   dz' = dz + u (|z| + dz)
        |fast - exact| <= L dz' + u (|y| + L dz')
    What this does to a whole picture (8 chaotic layers amplify it) is measured per preset by
    bench/fast_cost.py, not bounded: see bench/RESULTS.md."""
    u = FAST_UNIT_ROUNDOFF
    products = x.abs() @ w.abs()
    magnitude = products + b.abs()
    dz = (2 * u + u * u) * products + u * b.abs() + x.shape[-1] * 2.0**-24 * magnitude
    dz = dz + u * ((x @ w + b).abs() + dz)
    return lipschitz * dz + u * (y.abs() + lipschitz * dz) + 1e-6


@dataclass
class CpuLayers:
    """A rewritten net: first layer (coords @ coord_w + frame_bias, then first_activation),
    hidden steps, and the head."""

    coord_w: Tensor
    frame_bias: Tensor
    first_activation: LayerStep
    steps: list[LayerStep]
    head_w: Tensor
    head_b: Tensor


def plan(activation: str, first_activation: LayerStep, coord_w: Tensor, frame_bias: Tensor,
         hidden: list[Layer], head: Layer, dtype: torch.dtype) -> CpuLayers | None:
    """The fastest exact form of this net on a CPU, or None where the plain layers are best.
    `activation` names every layer's function ("mixed" has no fast form); `first_activation`
    applies it in place."""
    if dtype in (torch.float32, torch.bfloat16) and fusable(activation, hidden):
        if activation != "tanh":
            if not hidden:
                return None  # one layer and the head: nothing to fuse
            return CpuLayers(coord_w, frame_bias, first_activation, fused_steps(activation, hidden, dtype), *head)
        # The first layer's tanh is the one oneDNN cannot fuse (its bias differs per frame):
        # run it as a sigmoid and fold "2s - 1" into the first hidden layer (or the head).
        folded = _folded(*(hidden[0] if hidden else head), 1.0)
        hidden, head = ([folded] + hidden[1:], head) if hidden else ([], folded)
        return CpuLayers(coord_w * 2, frame_bias * 2, torch.sigmoid_, fused_steps(activation, hidden, dtype), *head)
    if activation == "tanh":
        coord_w, frame_bias, hidden, head_w, head_b = tanh_as_sigmoid(coord_w, frame_bias, hidden, *head)
        steps = [_sigmoid_step(w.to(dtype), b.to(dtype)) for w, b in hidden]
        return CpuLayers(coord_w, frame_bias, torch.sigmoid_, steps, head_w, head_b)
    return None


def tanh_as_sigmoid(coord_w: Tensor, frame_bias: Tensor, hidden: list[Layer],
                    head_w: Tensor, head_b: Tensor) -> tuple[Tensor, Tensor, list[Layer], Tensor, Tensor]:
    """The same tanh net rewritten to use sigmoid only. tanh(z) = 2*sigmoid(2z) - 1, so with
    s = sigmoid(2z) each layer's doubling goes into its own weights and the affine "2s - 1"
    into the next layer's: (2s - 1) W + b = s (2W) + (b - column sums of W)."""
    hidden = [_folded(w, b, 2.0) for w, b in hidden]
    head_w, head_b = _folded(head_w, head_b, 1.0)
    return coord_w * 2, frame_bias * 2, hidden, head_w, head_b


def _folded(w: Tensor, b: Tensor, scale: float) -> Layer:
    """A layer that takes s = (tanh + 1) / 2 instead of tanh and scales its output by `scale`
    (2: it feeds a sigmoid standing in for tanh; 1: it feeds tanh itself or is the head)."""
    return w * (2 * scale), (b - w.sum(dim=-2)) * scale


def fusable(activation: str, hidden: list[Layer]) -> bool:
    """Whether oneDNN can run these hidden layers fused: it is there, knows the activation as a
    post-op, and every frame shares the weights (weight morphs are batched matmuls instead)."""
    return (activation in ONEDNN_POST_OPS and onednn_linear_available()
            and all(w.shape[0] == 1 for w, _ in hidden))


def fused_steps(activation: str, hidden: list[Layer], dtype: torch.dtype = torch.float32) -> list[LayerStep]:
    """One oneDNN call per hidden layer: matmul, bias and activation fused (see `fusable`). In bf16
    (precision "fast"/"bf16") oneDNN multiplies bf16 inputs and weights, sums in fp32, applies the
    activation to the fp32 sum and rounds only the result to bf16 (AVX512-BF16 dot products)."""
    attr, scalars, algorithm = ONEDNN_POST_OPS[activation]

    def step(weight_t: Tensor, bias: Tensor) -> LayerStep:
        def run(h: Tensor) -> Tensor:
            rows = h.reshape(-1, h.shape[-1])
            out = torch.ops.mkldnn._linear_pointwise(rows, weight_t, bias, attr, scalars, algorithm)
            return out.view(*h.shape[:-1], out.shape[-1])
        return run

    # oneDNN takes the weight as (out, in), like nn.Linear.
    return [step(w[0].t().contiguous().to(dtype), b[0].contiguous().to(dtype)) for w, b in hidden]


@functools.cache
def onednn_linear_available() -> bool:
    """Whether this torch build has oneDNN's fused linear (a private op Inductor uses): probed
    once on a tiny input and checked against the plain form, so a build without it, or with a
    changed signature, silently uses the plain layers."""
    try:
        x, w, b = torch.linspace(-2, 2, 12).view(4, 3), torch.linspace(-1, 1, 6).view(2, 3), torch.ones(2)
        fused = torch.ops.mkldnn._linear_pointwise(x, w, b, "tanh", [], "")
        return bool(torch.allclose(fused, torch.tanh(x @ w.t() + b), atol=1e-5))
    except (AttributeError, RuntimeError, TypeError):
        return False


def head_step(weight: Tensor, bias: Tensor) -> LayerStep:
    """The output layer (32 -> 3 channels) for float32 rows on a CPU. A GEMM this narrow is the
    worst case for addmm (measured: 356 us an 8192 x 32 chunk, more than a hidden layer's 32-wide
    matmul + activation), while oneDNN's linear takes 122 us: the same products, another order."""
    if weight.shape[0] != 1 or not onednn_linear_available():
        return lambda h: batched_linear(h, weight, bias)
    weight_t, flat_bias = weight[0].t().contiguous(), bias[0].contiguous()

    def run(h: Tensor) -> Tensor:
        rows = h.reshape(-1, h.shape[-1])
        out = torch.ops.mkldnn._linear_pointwise(rows, weight_t, flat_bias, "none", [], "")
        return out.view(*h.shape[:-1], out.shape[-1])
    return run


def batched_linear(h: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """h (B, P, C) times weight (1|B, C, D) plus bias (1|B, D)."""
    if weight.shape[0] == 1:
        # Shared weights: one large GEMM over all frames' pixels.
        batch, pixels, channels = h.shape
        out = torch.addmm(bias[0], h.reshape(batch * pixels, channels), weight[0])
        return out.view(batch, pixels, -1)
    return torch.baddbmm(bias.unsqueeze(1), h, weight)


def _sigmoid_step(w: Tensor, b: Tensor) -> LayerStep:
    return lambda h: torch.sigmoid_(batched_linear(h, w, b))
