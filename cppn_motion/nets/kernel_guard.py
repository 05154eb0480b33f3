"""The fused GPU kernel's safety net.

The Triton kernel (nets/kernels/triton_mlp.py) is compiled on the user's machine, for their GPU,
the first time a render needs it; a compiler or driver we never saw can fail there. So before a
kernel variant is first used in a process it is run on a small tile next to the torch path, and
on a compile error, a launch error or a mismatch the kernel is switched off for the rest of the
process with one warning line. The render then continues on the torch path: slower on a GPU,
never wrong and never a crash.
"""
from __future__ import annotations

import warnings
from typing import Callable, Hashable, TypeVar

import torch
from torch import Tensor

# The check's tile: enough pixels to cover two of the kernel's 128-pixel programs (and a
# masked tail), few enough that the check costs well under a millisecond once compiled.
CHECK_PIXELS = 300
# The check runs the first two hidden layers only: the layer count is a runtime argument of the
# kernel, so this is the same compiled variant as the full net, while the fp16 error has not yet
# been amplified by depth (a deep sin net amplifies any rounding; that is a property of the net,
# not a fault of the kernel).
CHECK_LAYERS = 2
# Stated tolerances for that tile. Raw outputs: the largest difference at most 5% of the
# reference's standard deviation (fp16 dots with fp32 sums measure ~0.5% on two layers).
RAW_TOLERANCE = 0.05
# uint8 frames (colour folded into the head): no pixel more than 8 codes off and 95% within 1.
UINT8_MAX_CODES = 8
UINT8_WITHIN_ONE = 0.95

T = TypeVar("T")


class KernelFallbackWarning(UserWarning):
    """The fused GPU kernel failed its check or its launch; rendering continues on the torch path."""


def raw_mismatch(kernel: Tensor, reference: Tensor) -> str | None:
    """Why the kernel's raw outputs on the check tile are not the reference's, or None."""
    if kernel.shape != reference.shape:
        return f"output shape {tuple(kernel.shape)} instead of {tuple(reference.shape)}"
    if not torch.isfinite(kernel).all():
        return "non-finite outputs"
    scale = float(reference.std()) + 1e-6
    worst = float((kernel.float() - reference.float()).abs().max())
    if worst > RAW_TOLERANCE * scale:
        return f"outputs differ from the float32 path by {worst / scale:.2f} standard deviations (allowed {RAW_TOLERANCE})"
    return None


def uint8_mismatch(kernel: Tensor, reference: Tensor) -> str | None:
    """Why the kernel's uint8 frames on the check tile are not the reference's, or None."""
    if kernel.shape != reference.shape or kernel.dtype != torch.uint8:
        return f"frames of shape {tuple(kernel.shape)} {kernel.dtype} instead of {tuple(reference.shape)} uint8"
    diff = (kernel.int() - reference.int()).abs()
    worst, within_one = int(diff.max()), float((diff <= 1).float().mean())
    if worst > UINT8_MAX_CODES or within_one < UINT8_WITHIN_ONE:
        return (f"frames differ from the float32 path by up to {worst} codes, {within_one:.0%} within one "
                f"(allowed {UINT8_MAX_CODES} and {UINT8_WITHIN_ONE:.0%})")
    return None


def folded_colour(raw: Tensor, colour_map: tuple[Tensor, Tensor, Tensor]) -> Tensor:
    """The kernel's folded colour stage in torch: uint8 of clamp(sigmoid(raw * scale + shift) @ mix)."""
    scale, shift, mix = colour_map
    rgb = (torch.sigmoid(raw * scale + shift) @ mix).clamp(0.0, 1.0)
    return (rgb * 255.0 + 0.5).to(torch.uint8)


def _describe(error: BaseException) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line[:200]}" if first_line else type(error).__name__


class KernelGuard:
    """Which kernel variants passed their check in this process, and whether the kernel is off."""

    def __init__(self) -> None:
        self.trusted: set[Hashable] = set()
        self.off_because: str | None = None

    def usable(self, variant: Hashable, check: Callable[[], str | None]) -> bool:
        """True when the kernel may run this variant: it passed `check` (run once per variant;
        it returns a mismatch description or None, and may raise)."""
        if self.off_because is not None:
            return False
        if variant in self.trusted:
            return True
        try:
            problem = check()
        except Exception as error:  # any compile/launch failure: the torch path still works
            problem = _describe(error)
        if problem is not None:
            self.switch_off(f"its self-check failed ({problem})")
            return False
        self.trusted.add(variant)
        return True

    def run(self, call: Callable[[], T], fallback: Callable[[], T]) -> T:
        """`call()` (a kernel launch); on an error, switch the kernel off and return `fallback()`."""
        try:
            return call()
        except Exception as error:
            self.switch_off(f"a launch failed ({_describe(error)})")
            return fallback()

    def switch_off(self, reason: str) -> None:
        if self.off_because is None:
            self.off_because = reason
            warnings.warn(f"the fused GPU kernel is switched off for this run: {reason}; "
                          "rendering continues on the float32 torch path", KernelFallbackWarning, stacklevel=4)

    def reset(self) -> None:
        """Forget every verdict (tests; a new process starts this way)."""
        self.trusted.clear()
        self.off_because = None


# One per process: a kernel that failed once fails again, so it is not retried.
GUARD = KernelGuard()
