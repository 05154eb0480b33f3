"""Readout depth growth for the conv nets: the plain net's own layers (same weights, same frozen
statistics), with the full net's head reading a weighted sum of every grown layer's output instead
of the last layer alone.

The readout starts as layer 1's output; each later layer k adds its output at a gain measured so
that it brings READOUT_SHARE of the picture so far (through the head). A layer whose output has a
different channel count from the head's input is read through a fixed seeded 1x1 map. Layers are
'valid' convolutions, so each output is a little smaller than the one before: the readout is
cropped to the centre as it goes. The MLP form (readout_growth.py) also adds residual state; here
the state is the plain net's own, because a conv net's layers are what hold its look (a residual
state was measured and dropped: bench/RESULTS.md, "Conv depth growth").
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from cppn_motion.nets.readout_growth import READOUT_SHARE, Readout, entering_gain
from cppn_motion.nets.spatial_norm import central_crop
from cppn_motion.seeding import generator_for


def layers_to_run(readout: Readout) -> int:
    """Layers 1..n up to the last grown one (gain > 0): later layers add nothing and are skipped."""
    grown = [index for index, gain in enumerate(readout.gains) if gain > 0]
    return 2 + grown[-1] if grown else 1


def gain_of(readout: Readout, index: int) -> float:
    """The readout gain of layer `index` (0-based): 1 for the first layer, which is the picture."""
    return 1.0 if index == 0 else readout.gains[index - 1]


class ReadoutMaps:
    """Per layer, the 1x1 map from its output channels to the head's input channels: none where
    they agree, else a seeded one (the same every call, so stages and frames agree)."""

    def __init__(self, seed: int, head_channels: int) -> None:
        self.seed = seed
        self.head_channels = head_channels
        self._maps: dict[int, Tensor] = {}

    def __call__(self, index: int, h: Tensor) -> Tensor:
        channels = h.shape[1]
        if channels == self.head_channels:
            return h
        if index not in self._maps:
            generator = generator_for(self.seed, "weights", "readout", index)
            self._maps[index] = torch.randn(self.head_channels, channels, 1, 1, generator=generator) / channels ** 0.5
        weight = self._maps[index].to(device=h.device, dtype=h.dtype)
        return F.conv2d(h, weight)


def accumulate(read: Tensor | None, tap: Tensor, gain: float) -> Tensor:
    """The readout after one more layer: the earlier readout cropped to this layer's size, plus
    the layer's (mapped) output at its gain."""
    if read is None:
        return tap if gain == 1 else gain * tap
    return central_crop(read, tuple(tap.shape[-2:])) + gain * tap


def _through_head(head_weight: Tensor, values: Tensor) -> Tensor:
    """The head's linear part (no bias) over (B, C, H, W); head weights shared or per frame."""
    if head_weight.shape[0] == 1:
        return F.conv2d(values, head_weight[0])
    return torch.einsum("boc,bchw->bohw", head_weight[..., 0, 0], values)


@torch.no_grad()
def measure_gains(taps: list[Tensor], head_weight: Tensor, share: float = READOUT_SHARE) -> tuple[float, ...]:
    """Readout gains for layers 2..n from every layer's mapped output on a proxy render, all
    cropped to the same frame: layer k enters with `share` x the rms (through the head) of the
    readout of layers 1..k-1, so each adds a bounded part whatever its scale."""
    read = taps[0]
    gains = []
    for tap in taps[1:]:
        gain = entering_gain(_through_head(head_weight, read), _through_head(head_weight, tap), share, (2, 3))
        gains.append(gain)
        read = read + gain * tap
    return tuple(gains)
