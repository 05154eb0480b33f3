"""Batched interpolation for looping motion: lerp/slerp and keyframe tracks (constant-speed timing
is in motion/timing.py, periodic paths in motion/paths.py).

Every function takes a 1-D tensor of alphas or phases and returns one row per entry, so a whole
batch of frames is computed in one call; dtype (float32/float64) and device follow the inputs.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from cppn_motion.errors import ConfigError
from cppn_motion.motion.easing import Easing, resolve_easing
from cppn_motion.registry import did_you_mean

MODES = ("linear", "slerp", "spline")
"""Interpolation modes understood by cycle_keyframes and keyframe_track."""


# --------------------------------------------------------------------------- helpers


def _check_floating(name: str, x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")


def _as_batch(name: str, values, like: torch.Tensor) -> torch.Tensor:
    """A 1-D tensor of alphas/phases/times in like's dtype and on like's device."""
    batch = torch.as_tensor(values, dtype=like.dtype, device=like.device)
    if batch.dim() != 1:
        raise ValueError(f"{name} must be 1-D (one entry per frame), got shape {tuple(batch.shape)}")
    return batch


def _rows(per_row: torch.Tensor, trailing_dims: int) -> torch.Tensor:
    """(N,) -> (N, 1, ..., 1) so it broadcasts against (N, *S)."""
    return per_row.reshape(per_row.shape[0], *([1] * trailing_dims))


def wrap_unit(x: torch.Tensor) -> torch.Tensor:
    """x mod 1 in [0, 1): a tiny negative x mod 1 rounds to exactly 1.0, which is folded to 0."""
    wrapped = torch.remainder(x, 1.0)
    return torch.where(wrapped >= 1, torch.zeros_like(wrapped), wrapped)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ConfigError(
            f"unknown interpolation mode {mode!r}{did_you_mean(str(mode), MODES)}; known: {', '.join(MODES)}"
        )


def _pair_coefficients(
    starts: torch.Tensor, ends: torch.Tensor, pair: torch.Tensor, alpha: torch.Tensor, mode: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row weights (ca, cb) so that row i is ca[i] * starts[pair[i]] + cb[i] * ends[pair[i]].

    starts, ends: (P, D) flattened pairs; pair: (N,) indices; alpha: (N,). The angle and norms
    are computed once per pair (P x D work); per frame only N scalars are computed here.
    """
    linear_a, linear_b = 1 - alpha, alpha
    if mode == "linear":
        return linear_a, linear_b
    eps = torch.finfo(starts.dtype).eps
    norm_a = torch.linalg.vector_norm(starts, dim=1)
    norm_b = torch.linalg.vector_norm(ends, dim=1)
    # A vector this small next to its partner has no meaningful direction to rotate from.
    tiny = torch.minimum(norm_a, norm_b) <= eps * torch.maximum(norm_a, norm_b)
    safe_a = torch.where(tiny, torch.ones_like(norm_a), norm_a)
    safe_b = torch.where(tiny, torch.ones_like(norm_b), norm_b)
    unit_a = starts / safe_a[:, None]
    unit_b = ends / safe_b[:, None]
    # 2 atan2(|u-v|, |u+v|) is accurate at every angle, unlike acos(u.v) near 0 and pi.
    angle = 2 * torch.atan2(
        torch.linalg.vector_norm(unit_a - unit_b, dim=1), torch.linalg.vector_norm(unit_a + unit_b, dim=1)
    )
    sin_angle = torch.sin(angle)
    # Near 0 the great circle is the chord anyway; near pi the plane of rotation is undefined.
    # Below sqrt(eps) the sine is mostly rounding error, and dividing by it amplifies that.
    fallback = tiny | (sin_angle <= math.sqrt(eps))
    safe_sin = torch.where(fallback, torch.ones_like(sin_angle), sin_angle)

    row_angle, row_sin, row_fallback = angle[pair], safe_sin[pair], fallback[pair]
    row_norm_a, row_norm_b = safe_a[pair], safe_b[pair]
    # Direction follows the great circle; the length is interpolated linearly, so two random
    # weight sets of equal norm keep that norm midway (lerp would shrink it by ~1/sqrt(2)).
    length = (1 - alpha) * row_norm_a + alpha * row_norm_b
    curved_a = torch.sin((1 - alpha) * row_angle) / row_sin * length / row_norm_a
    curved_b = torch.sin(alpha * row_angle) / row_sin * length / row_norm_b
    coef_a = torch.where(row_fallback, linear_a, curved_a)
    coef_b = torch.where(row_fallback, linear_b, curved_b)
    # Pin the endpoints so alpha 0 and 1 return the inputs bit for bit (loops close on them).
    zero, one = torch.zeros_like(alpha), torch.ones_like(alpha)
    coef_a = torch.where(alpha == 0, one, torch.where(alpha == 1, zero, coef_a))
    coef_b = torch.where(alpha == 0, zero, torch.where(alpha == 1, one, coef_b))
    return coef_a, coef_b


def _blend_pair(a: torch.Tensor, b: torch.Tensor, alpha, mode: str) -> torch.Tensor:
    _check_floating("a", a)
    _check_floating("b", b)
    if a.shape != b.shape or a.dtype != b.dtype or a.device != b.device:
        raise ValueError(
            f"a and b must match in shape, dtype and device, got {tuple(a.shape)} {a.dtype} {a.device} "
            f"and {tuple(b.shape)} {b.dtype} {b.device}"
        )
    alpha = _as_batch("alpha", alpha, a)
    pair = torch.zeros(alpha.shape[0], dtype=torch.long, device=a.device)
    coef_a, coef_b = _pair_coefficients(a.reshape(1, -1), b.reshape(1, -1), pair, alpha, mode)
    return _rows(coef_a, a.dim()) * a.unsqueeze(0) + _rows(coef_b, a.dim()) * b.unsqueeze(0)


# --------------------------------------------------------------------------- two-point


def lerp(a: torch.Tensor, b: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Linear interpolation a + alpha (b - a) for each alpha: a, b (*S), alpha (N,) -> (N, *S).

    alpha 0 and 1 give a and b exactly.
    """
    return _blend_pair(a, b, alpha, "linear")


def slerp(a: torch.Tensor, b: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of whole tensors as flat vectors: a, b (*S), alpha (N,) -> (N, *S).

    The direction moves along the great circle from a to b and the norm moves linearly from
    |a| to |b|, so equal-norm inputs keep their norm throughout. Falls back to lerp when a and
    b are (anti)parallel or one is negligibly small. alpha 0 and 1 give a and b exactly.
    """
    return _blend_pair(a, b, alpha, "slerp")


# --------------------------------------------------------------------------- keyframes


def _segment_easings(easings, n_segments: int) -> list[Easing]:
    if easings is None or isinstance(easings, str) or callable(easings):
        return [resolve_easing(easings)] * n_segments
    easings = list(easings)
    if len(easings) != n_segments:
        raise ValueError(f"need one easing per segment ({n_segments}), got {len(easings)}")
    return [resolve_easing(easing) for easing in easings]


def _apply_easings(frac: torch.Tensor, segment: torch.Tensor, easings: list[Easing]) -> torch.Tensor:
    """Ease each entry of frac with the easing of its segment (one call per distinct easing)."""
    distinct = list(dict.fromkeys(easings))
    if len(distinct) == 1:
        return distinct[0](frac)
    eased = frac
    for easing in distinct:
        segments = torch.tensor(
            [k for k, e in enumerate(easings) if e is easing], dtype=torch.long, device=frac.device
        )
        eased = torch.where(torch.isin(segment, segments), easing(frac), eased)
    return eased


def keyframe_track(
    times: torch.Tensor | Sequence[float],
    values: torch.Tensor,
    t: torch.Tensor,
    mode: str = "linear",
    easings: str | Easing | Sequence[str | Easing] | None = None,
    loop: bool = False,
) -> torch.Tensor:
    """Interpolate keyframes at non-uniform times: times (K,), values (K, *S), t (N,) -> (N, *S).

    times must be strictly increasing. Segment k runs from key k to key k+1; with loop=True a
    closing segment runs from the last key back to the first at times[0] + 1 (so the span
    times[-1] - times[0] must be < 1) and t wraps modulo 1. Without loop, t is clamped to
    [times[0], times[-1]] (the end keys hold).

    easings: one name/callable for every segment, or one per segment (K-1, or K with loop);
    None is linear. The easing reshapes the time fraction within its segment, in every mode.

    mode "spline" is a Catmull-Rom spline parametrised by keyframe time (tangent at key k =
    (p[k+1] - p[k-1]) / (t[k+1] - t[k-1]), one-sided at the ends of an open track), i.e. the
    uniform/time-knot variant, not centripetal: centripetal knots would make the velocity with
    respect to t jump at every key. With linear easing it is C1 in t everywhere, across the
    loop seam too; easings whose slope differs at the two ends of a segment break that.
    """
    _check_floating("values", values)
    _check_mode(mode)
    if values.dim() == 0 or values.shape[0] == 0:
        raise ValueError(f"values must be (K, *S) with K >= 1, got shape {tuple(values.shape)}")
    key_count = values.shape[0]
    times = _as_batch("times", times, values)
    if times.shape[0] != key_count:
        raise ValueError(f"got {times.shape[0]} times for {key_count} keyframe values")
    times_list = times.tolist()
    if any(later <= earlier for earlier, later in zip(times_list, times_list[1:])):
        raise ValueError(f"keyframe times must be strictly increasing, got {times_list}")
    if loop and times_list[-1] - times_list[0] >= 1:
        raise ValueError(
            f"with loop=True the keyframe times must span less than 1 (the last key connects back "
            f"to the first at times[0] + 1), got {times_list[0]}..{times_list[-1]}"
        )
    return _track(times, values, _as_batch("t", t, values), mode, easings, loop)


def _track(
    times: torch.Tensor, values: torch.Tensor, t: torch.Tensor, mode: str, easings, loop: bool
) -> torch.Tensor:
    """keyframe_track on validated inputs (no host sync, so cycle_keyframes stays asynchronous on GPU)."""
    key_count = values.shape[0]
    n_segments = key_count if loop else key_count - 1
    segment_easings = _segment_easings(easings, n_segments)
    if n_segments == 0:  # one key, no loop: it holds
        return values[0].unsqueeze(0).expand(t.shape[0], *values.shape[1:]).clone()

    # Key j for j in -1 .. K+1 (the neighbours the spline needs) is key_of[j + 1] at time_of[j + 1].
    offsets = torch.arange(-1, key_count + 2, device=values.device)
    if loop:
        local = times[0] + wrap_unit(t - times[0])
        # Past the ends a loop comes round again: key j is key j mod K, one unit later per lap.
        key_of = torch.remainder(offsets, key_count)
        time_of = times[key_of] + torch.div(offsets, key_count, rounding_mode="floor")
    else:
        local = t.clamp(min=times[0], max=times[-1])
        # Past the ends an open track repeats the end key at the same time: one-sided tangents.
        key_of = offsets.clamp(0, key_count - 1)
        time_of = times[key_of]

    segment = (torch.searchsorted(times, local, right=True) - 1).clamp(0, n_segments - 1)
    start, stop = time_of[segment + 1], time_of[segment + 2]
    frac = ((local - start) / (stop - start)).clamp(0, 1)
    alpha = _apply_easings(frac, segment, segment_easings)

    trailing = values.dim() - 1
    if mode == "spline":
        before, after = time_of[segment], time_of[segment + 3]
        duration = stop - start
        # Cubic Hermite basis on the segment; tangents (p[k+1] - p[k-1]) / (t[k+1] - t[k-1]) are
        # scaled by the segment's duration and folded into weights on the four keys.
        h00 = (1 + 2 * alpha) * (1 - alpha) ** 2
        h10 = alpha * (1 - alpha) ** 2
        h01 = alpha**2 * (3 - 2 * alpha)
        h11 = alpha**2 * (alpha - 1)
        ratio_start = duration / (stop - before)
        ratio_stop = duration / (after - start)
        weights = (-h10 * ratio_start, h00 - h11 * ratio_stop, h01 + h10 * ratio_start, h11 * ratio_stop)
        return sum(_rows(w, trailing) * values[key_of[segment + i]] for i, w in enumerate(weights))

    flat = values.reshape(key_count, -1)
    segment_ends = key_of[2 : n_segments + 2]  # key k + 1; key 0 for a loop's closing segment
    coef_a, coef_b = _pair_coefficients(flat[:n_segments], flat[segment_ends], segment, alpha, mode)
    return _rows(coef_a, trailing) * values[segment] + _rows(coef_b, trailing) * values[segment_ends[segment]]


def cycle_keyframes(
    keys: torch.Tensor,
    phase: torch.Tensor,
    mode: str = "slerp",
    easing: str | Easing | None = "linear",
) -> torch.Tensor:
    """A closed loop through keys (K, *S) sampled at phase (N,) -> (N, *S).

    Key k sits at phase k/K; phase wraps modulo 1, so phase 1.0 gives exactly what 0.0 gives.
    mode: "linear", "slerp" or "spline" (time-parametrised Catmull-Rom, C1 across the seam; see
    keyframe_track). The easing reshapes the fraction within each segment.
    """
    _check_floating("keys", keys)
    _check_mode(mode)
    if keys.dim() == 0 or keys.shape[0] == 0:
        raise ValueError(f"keys must be (K, *S) with K >= 1, got shape {tuple(keys.shape)}")
    key_count = keys.shape[0]
    times = torch.arange(key_count, dtype=keys.dtype, device=keys.device) / key_count
    return _track(times, keys, _as_batch("phase", phase, keys), mode, easing, loop=True)
