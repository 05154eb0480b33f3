"""The design grid that makes conv nets resolution independent, and the margin that keeps
their borders clean.

A conv net is defined on a design grid (`design_size` pixels on the shorter side). A frame
of any size is evaluated on a grid `density` times finer (the smallest integer density that
covers the frame) with every kernel dilated by `density`: each output pixel then sees the
same field points as on the design grid, only sampled at its own sub-pixel position, so a
big render is a sharp version of the preview rather than a different picture. Input fields
are extended past the frame edges by linear extrapolation (exact for x, y and the slope
ramps) by the receptive-field radius, and convolutions are 'valid': no zero padding is ever
seen, so borders look like the interior at every depth.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn import functional as F


def design_shape(shape: tuple[int, int], design_size: int) -> tuple[int, int]:
    """(rows, cols) of the design grid for a frame of this aspect ratio."""
    height, width = shape
    if height <= width:
        return design_size, max(1, round(width * design_size / height))
    return max(1, round(height * design_size / width)), design_size


def working_grid(shape: tuple[int, int], design_size: int) -> tuple[int, tuple[int, int]]:
    """(density, (rows, cols)) of the grid a frame is evaluated on: density x the design grid,
    with density the smallest integer that gives at least the frame's resolution."""
    rows, cols = design_shape(shape, design_size)
    density = max(1, math.ceil(min(shape) / design_size - 1e-9))
    return density, (rows * density, cols * density)


def extrapolate_pad(image: Tensor, pad: int) -> Tensor:
    """Extend (..., H, W) by `pad` pixels on every side, continuing each edge's slope linearly."""
    if pad <= 0:
        return image
    steps = torch.arange(1, pad + 1, device=image.device, dtype=image.dtype)

    def extend(x: Tensor, dim: int) -> Tensor:
        size = x.shape[dim]
        first, last = x.narrow(dim, 0, 1), x.narrow(dim, size - 1, 1)
        if size > 1:
            slope_lo = first - x.narrow(dim, 1, 1)
            slope_hi = last - x.narrow(dim, size - 2, 1)
        else:
            slope_lo = slope_hi = torch.zeros_like(first)
        shape = [1] * x.dim()
        shape[dim] = pad
        k = steps.view(shape)
        before = first + slope_lo * k.flip(dim)
        after = last + slope_hi * k
        return torch.cat([before, x, after], dim=dim)

    return extend(extend(image, -1), -2)


def _linear_sample(image: Tensor, positions: Tensor, dim: int) -> Tensor:
    """Sample (..., H, W) along `dim` at fractional pixel positions (inside the image)."""
    low = positions.floor().long().clamp(0, image.shape[dim] - 2)
    frac = (positions - low).to(image.dtype)
    shape = [1] * image.dim()
    shape[dim] = -1
    frac = frac.view(shape)
    return image.index_select(dim, low) * (1 - frac) + image.index_select(dim, low + 1) * frac


def sample_field(image: Tensor, size: tuple[int, int], margin: int) -> Tensor:
    """Resample an input field (..., H, W) covering the frame onto a (rows, cols) grid covering
    the same frame, plus `margin` extrapolated pixels on every side."""
    src_h, src_w = image.shape[-2:]
    rows, cols = size
    if (rows, cols) == (src_h, src_w):
        return extrapolate_pad(image, margin)
    # Pixel centres of the new grid in the source's pixel-index units.
    ys = (torch.arange(-margin, rows + margin, dtype=torch.float64) + 0.5) * src_h / rows - 0.5
    xs = (torch.arange(-margin, cols + margin, dtype=torch.float64) + 0.5) * src_w / cols - 0.5
    reach = max(-ys[0].item(), ys[-1].item() - (src_h - 1), -xs[0].item(), xs[-1].item() - (src_w - 1), 0.0)
    pad = math.ceil(reach) + 1
    padded = extrapolate_pad(image, pad)
    out = _linear_sample(padded, (ys + pad).to(image.device), -2)
    return _linear_sample(out, (xs + pad).to(image.device), -1)


def resize_output(image: Tensor, shape: tuple[int, int]) -> Tensor:
    """(B, C, h, w) evaluated on the working grid -> (B, C, H, W) frame, area-like when shrinking."""
    if tuple(image.shape[-2:]) == tuple(shape):
        return image
    return F.interpolate(image, size=shape, mode="bilinear", align_corners=False, antialias=True)
