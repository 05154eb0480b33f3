"""precision "fast" on a CPU: each hidden layer's error stays within the bound stated in
nets/cpu_layers.py (FAST_UNIT_ROUNDOFF), per activation (never timed)."""
from __future__ import annotations

import pytest
import torch

from cppn_motion.nets import cpu_layers
from cppn_motion.nets.activations import ACTIVATIONS, Elementwise
from cppn_motion.nets.cpu_layers import FAST_UNIT_ROUNDOFF, fast_layer_bound
from cppn_motion.nets.mlp import _plain_step, hidden_dtype

NAMES = sorted(ACTIVATIONS.names())


def _lipschitz(name: str) -> float:
    """The activation's steepest slope, measured on a fine grid (autograd, float64)."""
    x = torch.linspace(-12, 12, 200_001, dtype=torch.float64, requires_grad=True)
    Elementwise(name)(x).sum().backward()
    return float(x.grad.abs().max())


def _layer(seed: int = 0, rows: int = 4096, width: int = 32):
    generator = torch.Generator().manual_seed(seed)
    # Inputs as a hidden layer sees them (bounded activations), weights at the default preset's
    # scale (He normal, gain 2), biases N(0, 0.5).
    x = torch.rand(rows, width, generator=generator) * 2 - 1
    w = torch.randn(1, width, width, generator=generator) * 2 * (2 / width) ** 0.5
    b = torch.randn(1, width, generator=generator) * 0.5
    return x, w, b


def test_fast_runs_hidden_layers_in_bf16_on_a_cpu():
    assert hidden_dtype("fast", torch.device("cpu")) == torch.bfloat16
    assert hidden_dtype("fp32", torch.device("cpu")) == torch.float32


@pytest.mark.parametrize("fused", [True, False], ids=["onednn-fused", "torch-ops"])
@pytest.mark.parametrize("name", NAMES)
def test_one_fast_layer_is_within_its_stated_bound(name, fused):
    if fused and name not in cpu_layers.ONEDNN_POST_OPS:
        pytest.skip("no fused form for this activation")
    if fused and not cpu_layers.onednn_linear_available():
        pytest.skip("this torch build has no oneDNN linear")
    x, w, b = _layer()
    exact = Elementwise(name)(x.double() @ w[0].double() + b[0].double())
    if fused:
        step = cpu_layers.fused_steps(name, [(w, b)], torch.bfloat16)[0]
        fast = step(x.to(torch.bfloat16).unsqueeze(0))[0]
    else:
        fast = _plain_step(Elementwise(name), w.to(torch.bfloat16), b.to(torch.bfloat16),
                           x.to(torch.bfloat16).unsqueeze(0))[0]
    assert fast.dtype == torch.bfloat16
    error = (fast.double() - exact).abs()
    bound = fast_layer_bound(x.double(), w[0].double(), b[0].double(), exact, _lipschitz(name))
    assert bool((error <= bound).all()), f"{name}: worst error {error.max():.3g}, bound there {bound.flatten()[error.argmax()]:.3g}"
    # ... and the bound is not vacuous: errors of bf16 size do occur.
    assert float(error.max()) > FAST_UNIT_ROUNDOFF / 64 or float(exact.abs().max()) < 1e-3
