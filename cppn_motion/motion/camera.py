"""The camera: per-frame zoom, pan and rotation applied to the coordinate field.

Zoom is exponential (the view shrinks by the same factor every frame, so the motion looks
equally fast at every depth) and, like rotation, happens about a chosen field point, which
therefore stays where it is on screen. Pure computation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from cppn_motion.nets.coords import Grid


@dataclass(frozen=True)
class CameraState:
    """The camera for a batch of B frames (float64, CPU)."""

    log_zoom: Tensor   # (B,) natural log of the zoom factor; 0 is the preset's own view, > 0 zooms in
    pan: Tensor        # (B, 2) view offset in field units (after zoom and rotation)
    rotation: Tensor   # (B,) turns; positive turns the picture clockwise on screen (y grows downwards)
    center: Tensor     # (2,) field point that zoom and rotation keep fixed

    @property
    def batch(self) -> int:
        return self.log_zoom.shape[0]

    @staticmethod
    def still(batch: int, center: tuple[float, float] = (0.0, 0.0)) -> "CameraState":
        zero = torch.zeros(batch, dtype=torch.float64)
        return CameraState(zero, torch.zeros(batch, 2, dtype=torch.float64), zero.clone(),
                           torch.tensor(center, dtype=torch.float64))


def swing(phase: Tensor) -> Tensor:
    """0 -> 1 -> 0 over one loop, smoothly ((1 - cos 2 pi t) / 2): any camera move on it closes."""
    return (1 - torch.cos(phase.to(torch.float64) * (2 * math.pi))) / 2


def camera_path(amount: Tensor, zoom: float, pan: tuple[float, float] | list[float], rotation: float,
                center: tuple[float, float] | list[float]) -> CameraState:
    """The camera at `amount` (B,) of the way from the preset's view (0) to the full move (1).

    Zoom is interpolated in log space: equal steps of amount multiply the zoom by equal factors.
    """
    amount = amount.to(torch.float64)
    return CameraState(
        log_zoom=amount * math.log(zoom),
        pan=amount[:, None] * torch.tensor(list(pan), dtype=torch.float64),
        rotation=amount * rotation,
        center=torch.tensor(list(center), dtype=torch.float64),
    )


def apply_camera(grid: Grid, camera: CameraState) -> Grid:
    """A (B, H, W) grid of field coordinates seen through the camera, from the preset's (H, W) grid.

    Each pixel shows the field point center + R(rotation) (p - center) / zoom + pan, where p is the
    point it shows without the camera: the centre maps to itself (plus pan) at every zoom and angle.
    Frame fractions u/v move with it (the fractions of the moved point in the preset's frame).
    """
    device = grid.x.device
    # The transform runs in float64 (MPS has none); the result is float32 like the rest of the
    # field, whose ~1e-7 resolution near |x| ~ 1 limits zooms to ~1e4x at 1080p before pixels merge.
    dtype = torch.float32 if device.type == "mps" else torch.float64
    x = grid.x.to(dtype)
    y = grid.y.to(dtype)
    scale = torch.exp(-camera.log_zoom).to(device, dtype)[:, None, None]
    angle = (camera.rotation * (2 * math.pi)).to(device, dtype)[:, None, None]
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    cx, cy = (float(v) for v in camera.center)
    dx, dy = x - cx, y - cy
    pan = camera.pan.to(device, dtype)
    new_x = cx + cos * dx - sin * dy + pan[:, 0, None, None]
    new_y = cy + sin * dx + cos * dy + pan[:, 1, None, None]
    batch = camera.batch
    if grid.half_extent is None:  # a grid that does not say where its frame is: u/v stay put
        new_u, new_v = grid.u.expand(batch, *grid.u.shape), grid.v.expand(batch, *grid.v.shape)
    else:
        # Frame-relative inputs ('slope') must see the camera too, or a preset driven only by
        # them renders a still picture: u/v become the frame fractions of the moved field points.
        new_u, new_v = (t.to(torch.float32) for t in grid.fractions_of(new_x, new_y))
    return Grid(x=new_x.to(torch.float32), y=new_y.to(torch.float32), u=new_u, v=new_v,
                origin=grid.origin, half_extent=grid.half_extent)
