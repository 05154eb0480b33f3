"""Readout growth for the MLP: a residual net whose head reads a weighted sum of its layers.

Every hidden layer after the first adds its branch f_k(h) twice: to the state that later layers
read, at STATE_GAIN (so each layer folds the picture of the ones before it), and to the readout
the head sees, at its own readout gain (its share of the picture). A layer with readout gain 0 has
not grown yet and is not evaluated. Width growth keeps every layer and grows the units of layers
2..depth instead: a unit not grown yet adds nothing to the state or the readout (its branch is
masked after the activation, which need not be 0 at 0), while the first layer stays whole, so it
holds the composition as it does for depth growth. bench/growth_study.py chose the form and both
constants: a
plain residual (state = readout, gain 1) changes the composition at every layer (blurred-luminance
correlation 0.65 between consecutive stages); a smaller branch keeps it but flattens the rise in
detail (rank correlation 0.6); decoupling the two gives both.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Sequence

import torch
from torch import Tensor

from cppn_motion.nets.cpu_layers import batched_linear

# The state's branch gain: h_k = h_{k-1} + STATE_GAIN * f_k(h_{k-1}). Measured: 0.5 ranks detail
# at 0.63, 1.0 at 0.87, 2.0 at 0.96 (Spearman of mean gradient against depth), with the same
# continuity (0.82-0.83): a stronger state makes each new layer's tanh fold sharper.
STATE_GAIN = 2.0
# Each layer enters the readout at this share of the picture's current rms (over the calibration
# proxy, through the head): 0.4 keeps consecutive stages at 0.83 correlation; 0.5 at 0.76.
READOUT_SHARE = 0.4

LayerStep = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class Readout:
    """Per hidden layer 2..depth the readout gain (0: not grown yet), and the state's gain.
    `width`: only units [0, width) of layers 2..depth have grown (None: all); `entering`
    (stop, alpha): units [width, stop) count at alpha (the frames between two width stages)."""

    gains: tuple[float, ...]
    state_gain: float = STATE_GAIN
    width: int | None = None
    entering: tuple[int, float] | None = None

    def unit_mask(self, units: int, dtype: torch.dtype, device: torch.device) -> Tensor | None:
        """Per-unit weight (units,) of a grown layer's branch, or None when every unit counts."""
        if self.width is None or self.width >= units:
            return None
        mask = torch.zeros(units, dtype=dtype, device=device)
        mask[:self.width] = 1
        if self.entering is not None:
            stop, alpha = self.entering
            mask[self.width:stop] = alpha
        return mask

    def check(self, depth: int) -> None:
        if len(self.gains) != depth - 1 or not all(g >= 0 for g in self.gains):
            raise ValueError(f"readout gains must be {depth - 1} values >= 0; got {list(self.gains)}")


def readout_steps(readout: Readout, activations: Sequence[torch.nn.Module],
                  hidden: Sequence[tuple[Tensor, Tensor]]) -> list[LayerStep]:
    """Layer steps over rows (B, n, width) that carry [state | readout] side by side (2 x width)
    and hand the head the readout half, so the MLP's chunk runner needs no second tensor."""
    steps: list[LayerStep] = [lambda h: torch.cat([h, h], dim=-1)]
    for activation, (w, b), gain in zip(activations, hidden, readout.gains):
        if gain > 0:
            mask = readout.unit_mask(w.shape[-1], w.dtype, w.device)
            steps.append(partial(_readout_step, activation, w, b, readout.state_gain, gain, mask))
    steps.append(lambda h: h[..., h.shape[-1] // 2:])
    return steps


def _readout_step(activation: torch.nn.Module, w: Tensor, b: Tensor, state_gain: float, gain: float,
                  mask: Tensor | None, h: Tensor) -> Tensor:
    state, read = h.chunk(2, dim=-1)
    branch = activation(batched_linear(state, w, b))
    if mask is not None:
        branch = branch * mask
    return torch.cat([state + state_gain * branch, read + gain * branch], dim=-1)


def _centred_rms(values: Tensor, pixels: tuple[int, ...]) -> Tensor:
    """rms of values over the pixel dims after removing each frame's mean per channel."""
    return (values - values.mean(dim=pixels, keepdim=True)).pow(2).mean().sqrt()


def entering_gain(picture: Tensor, added: Tensor, share: float, pixels: tuple[int, ...] = (1,)) -> float:
    """The readout gain at which `added` (a layer's part, through the head without its bias)
    brings `share` x the centred rms of `picture` (the readout so far, the same way): (B, P, C)
    values by default, (B, C, H, W) with pixels=(2, 3) for the conv nets."""
    return float(share * _centred_rms(picture, pixels) / _centred_rms(added, pixels).clamp_min(1e-6))


@torch.no_grad()
def measure_readout_gains(first_hidden: Tensor, activations: Sequence[torch.nn.Module],
                          hidden: Sequence[tuple[Tensor, Tensor]], head_w: Tensor,
                          share: float = READOUT_SHARE, state_gain: float = STATE_GAIN) -> tuple[float, ...]:
    """Readout gains for layers 2..depth from the first hidden layer's output (B, P, width) on a
    small proxy render: layer k enters with `share` x the rms (through the head) of the picture of
    layers 1..k-1, so every layer adds a bounded part whatever the net's init gain or width."""
    no_bias = torch.zeros(head_w.shape[0], head_w.shape[-1], dtype=head_w.dtype, device=head_w.device)
    state, read = first_hidden, first_hidden
    gains = []
    for activation, (w, b) in zip(activations, hidden):
        branch = activation(batched_linear(state, w, b))
        gain = entering_gain(batched_linear(read, head_w, no_bias), batched_linear(branch, head_w, no_bias), share)
        gains.append(gain)
        state, read = state + state_gain * branch, read + gain * branch
    return tuple(gains)
