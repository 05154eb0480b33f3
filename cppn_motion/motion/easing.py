"""Easing curves: pure functions f(t) on [0, 1] with f(0) = 0 and f(1) = 1, by name.

Each works elementwise on Python floats, numpy arrays and torch tensors alike.
"""
from __future__ import annotations

import functools
import math
from types import ModuleType
from typing import Any, Callable, TypeVar

import numpy as np
import torch

from cppn_motion.registry import Registry

T = TypeVar("T", float, np.ndarray, torch.Tensor)
Easing = Callable[[Any], Any]

EASINGS: Registry[Easing] = Registry("easing")

# Overshoot of the back easings: Penner's constant, which makes back_in dip 10% below 0.
BACK_OVERSHOOT = 1.70158
# back_in_out squeezes each half into half the time; Penner scales the overshoot by 1.525
# so the dip is still about 10% of the full range.
BACK_IN_OUT_OVERSHOOT = BACK_OVERSHOOT * 1.525
# The exponential easings grow by 2**10 = 1024x across [0, 1].
EXPO_RANGE = 10.0


def _easing(name: str) -> Callable[[Callable[[Any, ModuleType], Any]], Easing]:
    """Register core(t, xp) as the easing `name`, callable on floats, numpy arrays and tensors.

    xp is the array namespace (numpy or torch) so one formula serves all three. The endpoints
    are pinned to exactly 0 and 1 afterwards, so every easing is exact in float32 and float64
    whatever rounding its formula suffers: loops close on these values.
    """

    def decorator(core: Callable[[Any, ModuleType], Any]) -> Easing:
        @functools.wraps(core)
        def eased(t):
            if isinstance(t, torch.Tensor):
                x = t if t.is_floating_point() else t.to(torch.get_default_dtype())
                return _pin_endpoints(x, core(x, torch), torch)
            x = np.asarray(t)
            if not np.issubdtype(x.dtype, np.floating):
                x = x.astype(np.float64)
            out = _pin_endpoints(x, core(x, np), np)
            if isinstance(t, np.ndarray):
                return out
            if isinstance(t, np.generic):
                return out[()]
            return float(out)

        return EASINGS.register(name)(eased)

    return decorator


def _pin_endpoints(t, y, xp: ModuleType):
    return xp.where(t == 0, xp.zeros_like(y), xp.where(t == 1, xp.ones_like(y), y))


def _in_out(ease_in: Callable[[Any, ModuleType], Any], t, xp: ModuleType):
    """ease_in over the first half of t, mirrored (point-symmetric) over the second half."""
    first = ease_in(2 * t, xp) / 2
    second = 1 - ease_in(2 - 2 * t, xp) / 2
    return xp.where(t < 0.5, first, second)


def _cubic(t, xp: ModuleType):
    return t * t * t


def _expo(t, xp: ModuleType):
    # (2**(10t) - 1) / 1023 rather than Penner's 2**(10t - 10): within 0.001 of it, but
    # continuous at 0 instead of jumping by 1/1024 just after the key.
    return (xp.exp2(EXPO_RANGE * t) - 1) / (2**EXPO_RANGE - 1)


def _back(t, xp: ModuleType, overshoot: float = BACK_OVERSHOOT):
    # t^2 (t + s (t - 1)) is Penner's (s+1) t^3 - s t^2 rearranged to be exactly 1 at t = 1.
    return t * t * (t + overshoot * (t - 1))


@_easing("linear")
def linear(t, xp):
    """Constant speed, f(t) = t: f(0)=0, f(1)=1."""
    return t * 1.0  # a new object, so callers may write into the result


@_easing("smoothstep")
def smoothstep(t, xp):
    """Hermite 3t^2 - 2t^3, zero slope at both ends: f(0)=0, f(1)=1."""
    return t * t * (3 - 2 * t)


@_easing("smootherstep")
def smootherstep(t, xp):
    """Perlin 6t^5 - 15t^4 + 10t^3, zero slope and curvature at both ends: f(0)=0, f(1)=1."""
    return t * t * t * (t * (6 * t - 15) + 10)


@_easing("sine_in")
def sine_in(t, xp):
    """Quarter cosine, slow start: f(0)=0, f(1)=1."""
    return 1 - xp.cos(t * (math.pi / 2))


@_easing("sine_out")
def sine_out(t, xp):
    """Quarter sine, slow end: f(0)=0, f(1)=1."""
    return xp.sin(t * (math.pi / 2))


@_easing("sine_in_out")
def sine_in_out(t, xp):
    """Half cosine, slow at both ends: f(0)=0, f(1)=1."""
    return (1 - xp.cos(t * math.pi)) / 2


@_easing("cubic_in")
def cubic_in(t, xp):
    """t^3, slow start: f(0)=0, f(1)=1."""
    return _cubic(t, xp)


@_easing("cubic_out")
def cubic_out(t, xp):
    """1 - (1-t)^3, slow end: f(0)=0, f(1)=1."""
    return 1 - _cubic(1 - t, xp)


@_easing("cubic_in_out")
def cubic_in_out(t, xp):
    """Cubic in, then mirrored cubic out: f(0)=0, f(1)=1."""
    return _in_out(_cubic, t, xp)


@_easing("expo_in")
def expo_in(t, xp):
    """Exponential (2^(10t) - 1)/1023, very slow start: f(0)=0, f(1)=1 exactly."""
    return _expo(t, xp)


@_easing("expo_out")
def expo_out(t, xp):
    """Mirrored exponential, very slow end: f(0)=0, f(1)=1 exactly."""
    return 1 - _expo(1 - t, xp)


@_easing("expo_in_out")
def expo_in_out(t, xp):
    """Exponential in, then mirrored exponential out: f(0)=0, f(1)=1 exactly."""
    return _in_out(_expo, t, xp)


@_easing("back_in")
def back_in(t, xp):
    """Pulls back about 10% below 0, then rises: f(0)=0, f(1)=1."""
    return _back(t, xp)


@_easing("back_out")
def back_out(t, xp):
    """Overshoots about 10% past 1, then settles: f(0)=0, f(1)=1."""
    return 1 - _back(1 - t, xp)


@_easing("back_in_out")
def back_in_out(t, xp):
    """Pulls back below 0, then overshoots past 1 and settles: f(0)=0, f(1)=1."""
    return _in_out(functools.partial(_back, overshoot=BACK_IN_OUT_OVERSHOOT), t, xp)


def resolve_easing(easing: str | Easing | None) -> Easing:
    """An easing from a registered name, a callable (used as is) or None (linear)."""
    if easing is None:
        return linear
    if callable(easing):
        return easing
    return EASINGS.get(easing)


def ease(name: str | Easing | None, t: T) -> T:
    """Apply the easing `name` (a registered name, a callable, or None for linear) to t."""
    return resolve_easing(name)(t)
