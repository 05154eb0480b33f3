"""Periodic latent paths: ellipses, circles, Lissajous figures and smooth noise loops in R^dim.

Each takes a 1-D tensor of phases in [0, 1) and returns one point per phase; path(1) is
bit-identical to path(0), so loops close. Directions are drawn from a CPU generator, so the
same seed gives the same path on every device."""
from __future__ import annotations

import math
from typing import Sequence

import torch

from cppn_motion.motion.interpolate import wrap_unit


def _as_phase(phase: torch.Tensor) -> torch.Tensor:
    phase = torch.as_tensor(phase)
    if not phase.is_floating_point():
        phase = phase.to(torch.get_default_dtype())
    if phase.dim() != 1:
        raise ValueError(f"phase must be 1-D (one entry per frame), got shape {tuple(phase.shape)}")
    # Wrapping first makes path(1) bit-identical to path(0) and keeps large harmonics accurate.
    return wrap_unit(phase)


def _orthonormal_directions(gen: torch.Generator, dim: int, count: int) -> torch.Tensor:
    """count orthonormal random directions in R^dim as the columns of a (dim, count) float64 matrix."""
    if gen.device.type != "cpu":
        raise ValueError(f"draw paths from a CPU torch.Generator (device-independent), got {gen.device}")
    if count > dim:
        raise ValueError(f"a path with {count} axes needs dim >= {count}, got dim={dim}")
    gaussian = torch.randn(dim, count, generator=gen, dtype=torch.float64)
    q, r = torch.linalg.qr(gaussian)
    # QR is unique up to column signs; fixing diag(R) > 0 makes the directions a function of the draw.
    signs = torch.sign(torch.diagonal(r))
    return q * torch.where(signs == 0, torch.ones_like(signs), signs)


def _combine(coords: torch.Tensor, basis: torch.Tensor, center, dim: int) -> torch.Tensor:
    """coords (N, k) along basis columns (dim, k), plus center.

    Broadcast-and-sum rather than matmul: GPU matmuls may run in TF32, which would make the
    path differ between devices by ~1e-3.
    """
    basis = basis.to(dtype=coords.dtype, device=coords.device)
    out = (coords[:, :, None] * basis.T[None]).sum(dim=1)
    if center is not None:
        center = torch.as_tensor(center, dtype=coords.dtype, device=coords.device)
        if center.shape not in ((), (dim,)):
            raise ValueError(f"center must have shape ({dim},), got {tuple(center.shape)}")
        out = out + center
    return out


def ellipse_path(
    phase: torch.Tensor,
    gen: torch.Generator,
    dim: int,
    radii: tuple[float, float] = (1.0, 0.5),
    center: torch.Tensor | None = None,
) -> torch.Tensor:
    """An ellipse with semi-axes radii in a random 2-D plane of R^dim: phase (N,) -> (N, dim).

    One full turn per unit of phase, starting on the first axis; path(0) == path(1) exactly.
    """
    phase = _as_phase(phase)
    angle = 2 * math.pi * phase
    coords = torch.stack([radii[0] * torch.cos(angle), radii[1] * torch.sin(angle)], dim=1)
    return _combine(coords, _orthonormal_directions(gen, dim, 2), center, dim)


def circle_path(
    phase: torch.Tensor,
    gen: torch.Generator,
    dim: int,
    radius: float = 1.0,
    center: torch.Tensor | None = None,
) -> torch.Tensor:
    """A circle of radius in a random 2-D plane of R^dim: phase (N,) -> (N, dim), constant speed.

    Draws the same plane as ellipse_path from the same generator state.
    """
    return ellipse_path(phase, gen, dim, radii=(radius, radius), center=center)


def lissajous_path(
    phase: torch.Tensor,
    gen: torch.Generator,
    dim: int,
    freqs: Sequence[int] = (1, 2),
    radius: float = 1.0,
    center: torch.Tensor | None = None,
) -> torch.Tensor:
    """A Lissajous curve over len(freqs) random orthonormal axes of R^dim: phase (N,) -> (N, dim).

    Axis 0 is radius * cos(2 pi f0 phase), the others radius * sin(2 pi fi phase), so (1, 1) is
    a circle and (1, 2) a figure eight. Integer frequencies keep path(0) == path(1) exactly.
    """
    freqs = list(freqs)
    if not freqs or any(int(f) != f or f < 1 for f in freqs):
        raise ValueError(f"freqs must be positive integers (so the path loops), got {freqs}")
    phase = _as_phase(phase)
    waves = [torch.cos if axis == 0 else torch.sin for axis in range(len(freqs))]
    coords = torch.stack(
        [radius * wave(2 * math.pi * int(f) * phase) for wave, f in zip(waves, freqs)], dim=1
    )
    return _combine(coords, _orthonormal_directions(gen, dim, len(freqs)), center, dim)


def noise_path(
    phase: torch.Tensor,
    gen: torch.Generator,
    dim: int,
    harmonics: int = 4,
    falloff: float = 1.0,
) -> torch.Tensor:
    """Smooth periodic noise: phase (N,) -> (N, dim), zero mean and unit RMS per dimension.

    Each dimension is a sum over frequencies f = 1..harmonics of a f^-falloff-scaled random
    sinusoid (Gaussian sine and cosine weights, i.e. random amplitude and phase). The RMS is
    normalised analytically over a full period, so it does not depend on which phases are asked.
    """
    if harmonics < 1:
        raise ValueError(f"harmonics must be >= 1, got {harmonics}")
    if gen.device.type != "cpu":
        raise ValueError(f"draw paths from a CPU torch.Generator (device-independent), got {gen.device}")
    phase = _as_phase(phase)
    weights = torch.randn(2, harmonics, dim, generator=gen, dtype=torch.float64)
    frequency = torch.arange(1, harmonics + 1, dtype=torch.float64)
    weights = weights * frequency.pow(-falloff)[None, :, None]
    # Harmonics are orthogonal over a period and each sinusoid has mean square 1/2.
    rms = torch.sqrt((weights**2).sum(dim=(0, 1)) / 2)
    weights = (weights / rms).to(dtype=phase.dtype, device=phase.device)
    angle = 2 * math.pi * phase[:, None] * frequency.to(dtype=phase.dtype, device=phase.device)
    waves = torch.cat([torch.sin(angle), torch.cos(angle)], dim=1)  # (N, 2H)
    return (waves[:, :, None] * weights.reshape(2 * harmonics, dim)[None]).sum(dim=1)
