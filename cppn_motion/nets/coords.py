"""The coordinate field: pixel centres mapped to aspect-correct field coordinates, and the
per-pixel input features (x, y, r, ...) computed from them.

The field depends only on the aspect ratio, `scale` and `center`, never on the pixel
count, so a per-pixel net draws the same picture at any resolution.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from cppn_motion.registry import Registry


@dataclass(frozen=True)
class Grid:
    """Per-pixel coordinates, each (..., H, W): field x/y and frame fractions u/v in (0, 1).

    `origin` and `half_extent` say where the frame sits in the field (its centre, and the
    field distance from the centre to its edges along x and y), so a camera that moves x/y
    can move u/v with them: frame-relative inputs such as 'slope' then follow the camera too."""

    x: Tensor
    y: Tensor
    u: Tensor
    v: Tensor
    origin: tuple[float, float] = (0.0, 0.0)
    half_extent: tuple[float, float] | None = None

    def fractions_of(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """Frame fractions (u, v) of field points (x, y): the inverse of make_grid's mapping."""
        if self.half_extent is None:
            raise ValueError("this grid does not record where its frame lies in the field")
        (ox, oy), (hx, hy) = self.origin, self.half_extent
        return 0.5 + (x - ox) / (2 * hx), 0.5 + (y - oy) / (2 * hy)


def make_grid(width: int, height: int, scale: float = 1.0, center: tuple[float, float] = (0.0, 0.0),
              device: torch.device | str = "cpu", rows: tuple[int, int] | None = None) -> Grid:
    """Pixel centres of a width x height frame. The shorter side spans [-scale, scale]
    around `center`; y grows downwards like image rows.

    `rows=(start, stop)` gives only those rows (a band of a large frame), each value
    bit-identical to the whole grid's, so bands join without seams."""
    u = (torch.arange(width, dtype=torch.float32, device=device) + 0.5) / width
    v = (torch.arange(height, dtype=torch.float32, device=device) + 0.5) / height
    # (u - 0.5) * 2 runs over (-1, 1); the shorter side then spans [-scale, scale]
    # and the longer one proportionally more, so a field unit is square on screen.
    shorter = min(width, height)
    x = center[0] + (u - 0.5) * 2 * scale * (width / shorter)
    y = center[1] + (v - 0.5) * 2 * scale * (height / shorter)
    if rows is not None:
        v, y = v[rows[0]:rows[1]], y[rows[0]:rows[1]]
    vv, uu = torch.meshgrid(v, u, indexing="ij")
    yy, xx = torch.meshgrid(y, x, indexing="ij")
    half_extent = (scale * width / shorter, scale * height / shorter)
    return Grid(x=xx, y=yy, u=uu, v=vv, origin=(float(center[0]), float(center[1])), half_extent=half_extent)


FeatureFn = Callable[[Grid], Tensor]
# Each feature returns (..., H, W, k): most give one channel, 'slope' gives two.
FEATURES: Registry[FeatureFn] = Registry("input feature")


def _one(t: Tensor) -> Tensor:
    return t.unsqueeze(-1)


FEATURES.register("x", "horizontal field coordinate")(lambda g: _one(g.x))
FEATURES.register("y", "vertical field coordinate (down)")(lambda g: _one(g.y))
FEATURES.register("r", "distance from the field origin: radial symmetry")(lambda g: _one(torch.hypot(g.x, g.y)))
FEATURES.register("abs_x", "|x|: left-right mirror symmetry")(lambda g: _one(g.x.abs()))
FEATURES.register("abs_y", "|y|: top-bottom mirror symmetry")(lambda g: _one(g.y.abs()))
FEATURES.register("sin_theta", "sine of the angle around the origin")(
    lambda g: _one(torch.sin(torch.atan2(g.y, g.x))))
FEATURES.register("cos_theta", "cosine of the angle around the origin")(
    lambda g: _one(torch.cos(torch.atan2(g.y, g.x))))
# The seed experiment's input: ramps from -0.5 to 0.5 over rows and over columns,
# relative to the frame (not aspect-corrected, not affected by scale/center). A camera
# moves them with the field (camera.apply_camera maps moved points back to u/v).
FEATURES.register("slope", "the seed's 2-channel ramps row/H-0.5 and col/W-0.5")(
    lambda g: torch.stack([g.v - 0.5, g.u - 0.5], dim=-1))


# Features that are affine functions of the field point: a camera's zoom and pan only scale
# them and add constants, which per-frame spatial normalization (conv nets,
# net.norm.stats 'frame') removes again, so such a camera move cannot show (config.py refuses it).
AFFINE_FEATURES = frozenset({"x", "y", "slope"})


def feature_count(names: list[str]) -> int:
    probe = make_grid(2, 2)
    return sum(FEATURES.get(name)(probe).shape[-1] for name in names)


def coordinate_features(grid: Grid, names: list[str], feature_scale: float = 1.0) -> Tensor:
    """(..., H*W, F) float32 features for every pixel, in `names` order."""
    parts = [FEATURES.get(name)(grid) for name in names]
    field = torch.cat(parts, dim=-1) * feature_scale
    return field.flatten(-3, -2)


def time_features(phase: Tensor, radius: float) -> Tensor:
    """(N, 2): sin and cos of 2*pi*phase. Periodic in phase, so a loop's end meets its start."""
    angle = phase.to(torch.float64) * (2 * math.pi)
    return (torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1) * radius).to(torch.float32)
