"""When a loop's frames fall along its path: constant-speed phases (equal steps of arc length)
and the ping-pong frame order. Batched like motion/interpolate.py: dtype and device follow the inputs."""
from __future__ import annotations

from typing import Callable

import torch

from cppn_motion.motion.interpolate import wrap_unit


def constant_speed(
    samples_fn: Callable[[torch.Tensor], torch.Tensor],
    n: int,
    oversample: int = 64,
    *,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """The n phases in [0, 1) at which a closed path moves in equal steps of arc length.

    samples_fn maps phases (M,) to points (M, D) on a closed path (point at 1 == point at 0).
    The path is sampled at n * oversample phases, arc length is accumulated chord by chord
    (closing back to phase 0) and inverted by linear interpolation. Phases are made and
    returned in dtype on device (float64 by default, for accurate accumulation).
    """
    if n < 1 or oversample < 1:
        raise ValueError(f"n and oversample must be >= 1, got n={n}, oversample={oversample}")
    dense_count = n * oversample
    dense = torch.arange(dense_count, dtype=dtype, device=device) / dense_count
    points = samples_fn(dense).reshape(dense_count, -1).to(dtype=dtype, device=dense.device)
    closed = torch.cat([points, points[:1]])
    steps = torch.linalg.vector_norm(closed[1:] - closed[:-1], dim=1)
    cumulative = torch.cat([steps.new_zeros(1), torch.cumsum(steps, 0)])
    targets = torch.arange(n, dtype=dtype, device=dense.device) / n * cumulative[-1]
    index = (torch.searchsorted(cumulative, targets, right=True) - 1).clamp(0, dense_count - 1)
    within = (targets - cumulative[index]) / steps[index].clamp_min(torch.finfo(dtype).tiny)
    phases = (index + within.clamp(0, 1)) / dense_count
    uniform = torch.arange(n, dtype=dtype, device=dense.device) / n
    # A path that never moves has no arc length to divide: keep the phases uniform.
    return torch.where(cumulative[-1] > 0, phases, uniform)


def arc_length_table(
    samples_fn: Callable[[torch.Tensor], torch.Tensor], samples: int = 1024, *, dtype: torch.dtype = torch.float64,
    chunk: int = 128,
) -> torch.Tensor:
    """Cumulative arc length (samples + 1,) of a path sampled at phases 0, 1/samples, ..., 1.

    The table for `arc_length_phase`: computed once per clip, so re-timing a batch of frames
    costs a search, not a re-evaluation of the path. For a closed path phase 1 is phase 0
    again, so the last entry is the whole loop's length. The path is evaluated `chunk` phases
    at a time, so a path through whole weight sets never holds all samples at once.
    """
    if samples < 1 or chunk < 1:
        raise ValueError(f"samples and chunk must be >= 1, got samples={samples}, chunk={chunk}")
    dense = torch.arange(samples + 1, dtype=dtype) / samples
    steps: list[torch.Tensor] = []
    previous: torch.Tensor | None = None
    for part in dense.split(chunk):
        points = samples_fn(part).reshape(part.shape[0], -1).to(dtype=dtype, device=dense.device)
        if previous is not None:
            points = torch.cat([previous, points])
        steps.append(torch.linalg.vector_norm(points[1:] - points[:-1], dim=1))
        previous = points[-1:]
    return torch.cat([dense.new_zeros(1), torch.cumsum(torch.cat(steps), 0)])


def arc_length_phase(table: torch.Tensor, phase: torch.Tensor, closed: bool = True) -> torch.Tensor:
    """Re-time phases (N,) so equal phase steps are equal steps of arc length along the path.

    table: from arc_length_table. The returned phase is where the path has covered the fraction
    `phase` of its length; a closed path wraps phase modulo 1 (1 -> 0 exactly), an open one clamps
    to [0, 1]. Piecewise linear between table samples; a path that never moves keeps its phases.
    """
    samples = table.shape[0] - 1
    total = table[-1]
    phase = torch.as_tensor(phase, dtype=table.dtype)
    local = wrap_unit(phase) if closed else phase.clamp(0, 1)
    if not bool(total > 0):
        return local
    target = local * total
    index = (torch.searchsorted(table, target, right=True) - 1).clamp(0, samples - 1)
    steps = table[index + 1] - table[index]
    within = (target - table[index]) / steps.clamp_min(torch.finfo(table.dtype).tiny)
    return (index + within.clamp(0, 1)) / samples


def pingpong_order(n_frames: int) -> list[int]:
    """Frame indices forward then backward without repeating the end frames: 4 -> [0, 1, 2, 3, 2, 1]."""
    if n_frames < 0:
        raise ValueError(f"n_frames must be >= 0, got {n_frames}")
    forward = list(range(n_frames))
    return forward + forward[-2:0:-1]
