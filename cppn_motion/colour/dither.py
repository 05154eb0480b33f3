"""Sub-LSB dithering before 8-bit quantisation: smooth CPPN gradients become fine noise
instead of visible bands. Deterministic: each frame reads a fixed hashed noise run from an
offset keyed by (seed, frame phase), at its pixel's index, so any batch split, any device and
any re-render give the same codes. Pure torch."""
from __future__ import annotations

import threading

import torch
from torch import Tensor

# All hash arithmetic stays below 2**63 in int64: values are kept to 32 bits and every
# multiplier is below 2**31, so no step relies on signed overflow (undefined in C++).
_MASK32 = 0xFFFFFFFF
_MUL_A = 0x7FEB352D  # lowbias32's first multiplier (< 2**31)
_MUL_B = 0x5BD1E995  # MurmurHash2's multiplier (< 2**31), in place of lowbias32's second
_GOLDEN = 0x61C88647  # 2**32 / golden ratio, odd: spreads consecutive keys apart

# Phases are keyed at this resolution: distinct frames of any clip up to 2**24 frames
# get distinct noise, and the same phase always gets the same noise.
_PHASE_STEPS = 1 << 24


def _mix(x: Tensor) -> Tensor:
    """A 32-bit integer hash (xorshift-multiply rounds) of int64 tensors holding 32-bit values."""
    x = x ^ (x >> 16)
    x = (x * _MUL_A) & _MASK32
    x = x ^ (x >> 15)
    x = (x * _MUL_B) & _MASK32
    return x ^ (x >> 16)


def frame_keys(phase: Tensor, seed: int) -> Tensor:
    """One 32-bit key per frame (B,) from its loop phase and the preset seed."""
    steps = torch.round(phase.to(torch.float64).cpu() * _PHASE_STEPS).to(torch.int64) & _MASK32
    return _mix((steps * _GOLDEN + (seed & _MASK32)) & _MASK32)


# The noise is one fixed run of this many TPDF samples, read from a per-frame offset (the frame's
# key): hashing every sample of every frame cost as much as the colour stage (~300 us an
# 8192-pixel chunk, bench/RESULTS.md), reading a slice costs a copy. A prime length, so a
# frame longer than the table wraps onto other channels and rows, never onto the same
# pixel grid; 2**19 - 1 samples (2 MB) repeat every ~45 rows of a 4K frame, far apart for
# noise of +-1 code that changes every frame, and take ~30 ms to build once per device.
NOISE_TABLE_SIZE = (1 << 19) - 1
_TABLES: dict[torch.device, Tensor] = {}
_TABLES_LOCK = threading.Lock()  # the renderer's chunk workers ask for it at once


def hashed_noise(index: Tensor, key: int = 0) -> Tensor:
    """TPDF samples in (-1, 1) for int64 sample indices: two 32-bit hashes of (key, index), summed.

    TPDF (the sum of two uniforms) makes the quantisation error's mean and variance
    independent of the signal, so the average colour is kept and no residual banding
    pattern survives (rectangular noise keeps the mean but lets noise power vary with level)."""
    base = _mix((key * _GOLDEN + index) & _MASK32)
    other = _mix(base ^ 0x5A5A5A5A)
    scale = 1.0 / float(1 << 32)
    return (base.to(torch.float32) + other.to(torch.float32)) * scale - 1.0


def noise_table(device: torch.device | str) -> Tensor:
    """The fixed noise run on `device`, built on first use (a hash, so identical everywhere)."""
    device = torch.device(device)
    with _TABLES_LOCK:
        if device not in _TABLES:
            index = torch.arange(NOISE_TABLE_SIZE, dtype=torch.int64)
            _TABLES[device] = hashed_noise(index).to(device)
        return _TABLES[device]


def _table_run(table: Tensor, first: int, count: int) -> Tensor:
    """table[(first + i) % size] for i < count: one slice where it fits, else the wrapped pieces."""
    if first + count <= table.shape[0]:
        return table[first:first + count]
    pieces, left = [table[first:]], count - (table.shape[0] - first)
    while left > 0:
        pieces.append(table[:min(left, table.shape[0])])
        left -= pieces[-1].shape[0]
    return torch.cat(pieces)


def dither_quantize(rgb: Tensor, phase: Tensor, seed: int, pixel_offset: int = 0) -> Tensor:
    """[0, 1] floats (B, H, W, 3) -> uint8 with TPDF dither of +-1 code, keyed by frame phase.

    The mean is kept except within a code of 0 or 255, where clamping cuts the noise.
    """
    keys = frame_keys(phase, seed)
    batch, height, width, channels = rgb.shape
    return dither_rows(rgb.reshape(batch, height * width, channels), keys, pixel_offset).view(rgb.shape)


def dither_rows(rgb: Tensor, keys: Tensor, pixel_offset: int = 0) -> Tensor:
    """dither_quantize of a run of pixels: [0, 1] floats (B, n, C) of pixels pixel_offset ..
    pixel_offset + n - 1 of their frames -> uint8 (B, n, C), with the `keys` of frame_keys.
    The same codes as those pixels get in a whole frame (the renderer's CPU chunks use this):
    frame b reads the noise table from offset keys[b] + its first sample's frame-wide index."""
    batch, pixels, channels = rgb.shape
    table = noise_table(rgb.device)
    codes = rgb.to(torch.float32) * 255.0
    codes.add_(0.5)
    first = pixel_offset * channels
    for frame, key in enumerate(keys.tolist()):
        run = _table_run(table, (int(key) + first) % NOISE_TABLE_SIZE, pixels * channels)
        codes[frame].add_(run.view(pixels, channels))
    return codes.floor_().clamp_(0, 255).to(torch.uint8)
