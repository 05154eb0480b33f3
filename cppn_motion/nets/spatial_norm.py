"""The seed's spatial normalization: per-channel standardisation over the picture, then
scale and shift. Statistics are per frame, or measured once and frozen (clip, fixed); frozen
ones are a per-channel affine map that folds into the conv before it (`fold_into_conv`)."""
from __future__ import annotations

import torch
from torch import Tensor

# Keeps a constant channel (a dead ReLU) at its shift instead of amplifying rounding noise.
STD_FLOOR = 1e-5


def central_crop(h: Tensor, size: tuple[int, int]) -> Tensor:
    """The (rows, cols) centre of (B, C, H', W'): the part of a padded map that lies on the frame."""
    top = (h.shape[-2] - size[0]) // 2
    left = (h.shape[-1] - size[1]) // 2
    return h[..., top:top + size[0], left:left + size[1]]


class SpatialNorm:
    """Standardises every conv layer's output. Modes: 'frame' (statistics of each frame's
    visible region), 'collect' (statistics pooled over the batch, stored in order of use),
    'frozen' (the stored statistics; frame statistics until some are stored)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.frozen: list[tuple[Tensor, Tensor]] = []
        self.mode = "frame"
        self._cursor = 0

    @property
    def has_frozen(self) -> bool:
        return bool(self.frozen)

    def start(self, mode: str) -> None:
        """Begin a forward pass in `mode` ('frozen' falls back to 'frame' while nothing is stored)."""
        if mode == "frozen" and not self.frozen:
            mode = "frame"
        if mode == "collect":
            self.frozen = []
        self.mode = mode
        self._cursor = 0

    def fold(self, weight: Tensor, bias: Tensor, shift: Tensor) -> tuple[Tensor, Tensor] | None:
        """In 'frozen' mode: the conv's (weight, bias) with this layer's normalisation folded in
        (and the layer consumed), so the pass skips __call__; None in the other modes."""
        if self.mode != "frozen":
            return None
        mean, std = self.frozen[self._cursor]
        self._cursor += 1
        return fold_into_conv(weight, bias, mean, std, self.scale, shift)

    def __call__(self, h: Tensor, shift: Tensor, frame: tuple[int, int]) -> Tensor:
        """h (B, C, H', W') -> standardised * scale + shift (1|B, C); stats over the frame region.
        Works in place on h (the conv's fresh output): the same operations in the same order
        as the out-of-place form, without three frame-sized temporaries."""
        if self.mode == "frozen":
            mean, std = self.frozen[self._cursor]
        else:
            visible = central_crop(h, frame)
            dims = (0, 2, 3) if self.mode == "collect" else (2, 3)
            # float32 is enough: var_mean is a stable (Welford-style) reduction.
            var, mean = torch.var_mean(visible, dim=dims, keepdim=True, correction=0)
            std = var.sqrt().clamp_min(STD_FLOOR)
            if self.mode == "collect":
                self.frozen.append((mean, std))
        self._cursor += 1
        return h.sub_(mean).mul_(self.scale / std).add_(shift[:, :, None, None])


def fold_into_conv(weight: Tensor, bias: Tensor, mean: Tensor, std: Tensor, scale: float,
                   shift: Tensor) -> tuple[Tensor, Tensor]:
    """Frozen normalisation after a conv as the conv's own weights: with g = scale / std,
    (conv(h, W) + b - mean) * g + shift = conv(h, W * g) + (b - mean) * g + shift.
    weight (1|B, C, Cin, k, k), bias and shift (1|B, C), mean and std (1, C, 1, 1); the
    result has one leading frame dimension for both (B if either moved per frame)."""
    gain = (scale / std).reshape(-1)
    folded_weight = weight * gain[:, None, None, None]
    folded_bias = (bias - mean.reshape(-1)) * gain + shift
    frames = max(folded_weight.shape[0], folded_bias.shape[0])
    return folded_weight.expand(frames, *weight.shape[1:]), folded_bias.expand(frames, -1)
