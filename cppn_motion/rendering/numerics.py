"""Guarding network outputs: NaN and inf (a net whose activations overflow) are replaced
by finite values and counted, so a frame degrades instead of silently turning black."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import Tensor

# Far beyond any sane raw output (tanh nets give O(1-10)), yet small enough that the
# calibration's variance (a square) stays finite in float32 (max ~3.4e38).
OUTPUT_LIMIT = 1e6


class NonFiniteWarning(RuntimeWarning):
    """Some network outputs were NaN or infinite and were clamped."""


def clamp_nonfinite(raw: Tensor) -> tuple[Tensor, int]:
    """(raw with NaN -> 0 and +-inf -> +-OUTPUT_LIMIT, everything clipped to the limit; how many
    values were not finite). Costs one sum (a device sync on a GPU) when all is well: a NaN or
    inf anywhere makes the sum NaN or inf, and only then is every value checked. (An elementwise
    isfinite + all cost ~2.4 ms a 640x360 frame on the CPU, a quarter of the colour stage.)"""
    if bool(torch.isfinite(raw.sum())):
        return raw.clamp(-OUTPUT_LIMIT, OUTPUT_LIMIT), 0
    finite = torch.isfinite(raw)
    count = int(finite.numel() - finite.sum())  # 0 when the sum itself overflowed
    fixed = torch.nan_to_num(raw, nan=0.0, posinf=OUTPUT_LIMIT, neginf=-OUTPUT_LIMIT)
    return fixed.clamp(-OUTPUT_LIMIT, OUTPUT_LIMIT), count


def nonfinite_message(count: int, total: int) -> str:
    return (f"{count} of {total} network outputs in a batch were NaN or infinite and were clamped (the net overflows: "
            "lower net.init.gain or net.depth, or use a bounded activation such as tanh)")


@contextmanager
def full_float32(device: torch.device) -> Iterator[None]:
    """Keep CUDA convolutions and matmuls in true float32 inside this block. cuDNN runs float32
    convs in TF32 (10-bit mantissas) by default, and a user may have switched matmuls to it:
    emulated on the bundled conv presets, TF32 convs left only 58% of 8-bit codes unchanged,
    off by up to 94 (bench/device_diff.py). Restored afterwards: the caller's flags are theirs."""
    if device.type != "cuda":
        yield
        return
    flags = _tf32_flags()
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in flags]
    for owner, name, full in flags:
        setattr(owner, name, full)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def _tf32_flags() -> list[tuple[object, str, object]]:
    """(owner, attribute, full-float32 value) of the switches to turn. torch >= 2.9 has
    per-backend `fp32_precision`, and then refuses to even read the legacy `allow_tf32` once a
    caller has used the new form, so the new form is used wherever it exists."""
    matmul, cudnn = torch.backends.cuda.matmul, torch.backends.cudnn
    conv = getattr(cudnn, "conv", None)
    if hasattr(matmul, "fp32_precision") and hasattr(conv, "fp32_precision"):
        return [(matmul, "fp32_precision", "ieee"), (conv, "fp32_precision", "ieee")]
    return [(matmul, "allow_tf32", False), (cudnn, "allow_tf32", False)]
