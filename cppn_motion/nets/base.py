"""What every architecture provides: seeded weight sets and a batched forward pass
that can take different weights for every frame (for weight-morphing timelines)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class NetSpec:
    """Everything an architecture needs to build itself; made from a Preset by the scene."""

    arch: str
    coord_features: int          # per-pixel input channels (x, y, r, ...)
    frame_features: int          # per-frame input channels (time + latent), the same for every pixel
    out_channels: int            # raw outputs handed to the colour stage
    depth: int
    width: int
    activation: str
    mixed: list[str] = field(default_factory=list)
    init_scheme: str = "he_normal"
    init_gain: float = 2.0
    init_std: float = 1.0
    bias_std: float = 0.5
    seed: int = 0
    # The preset's whole `net` section (config.Net), for architecture-specific keys
    # (kernel, layers, norm, ...); None for nets built without a preset.
    config: Any = None


class FieldNet(nn.Module):
    """A network evaluated over a coordinate field for a batch of frames.

    Weights live outside the module as a list of tensors (`base_weights`), so a
    timeline can hand a different set to every frame: each tensor passed to
    `forward` has a leading frame dimension of 1 (shared) or B (per frame).
    """

    spec: NetSpec
    base_weights: list[Tensor]

    def sample_weights(self, generator: torch.Generator) -> list[Tensor]:
        """A fresh weight set drawn with the preset's init scheme from a CPU generator."""
        raise NotImplementedError

    def forward(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                shape: tuple[int, int], depth: int | None = None) -> Tensor:
        """coords (P, F) or (B, P, F), frame_inputs (B, K), weights as above, shape (H, W)
        with P = H*W. Returns raw outputs (B, P, out_channels), float32.

        depth: evaluate only the first `depth` hidden layers, then the output head (depth
        growth); None is the whole net."""
        raise NotImplementedError

    def freeze_statistics(self, inputs_at: Callable[[Tensor], Any], coords: Tensor,
                          shape: tuple[int, int]) -> None:
        """Measure and freeze any per-clip statistics the net uses (the conv nets' spatial
        normalization). `inputs_at(phase)` gives the timeline's FrameInputs. Default: none."""

    def activation_codes(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                         shape: tuple[int, int]) -> Tensor:
        """(B, H, W, K) bool: which of the K hidden units are on (pre-activation > 0) at each
        pixel; the linear-region codes of a ReLU-family net."""
        raise NotImplementedError(f"{type(self).__name__} does not expose activation codes")

    @property
    def parameter_count(self) -> int:
        return sum(w.numel() for w in self.base_weights)
