"""Sub-LSB dithering before 8-bit quantisation: smooth CPPN gradients become fine noise
instead of visible bands. Deterministic: the noise is a hash of (seed, frame phase, pixel),
so any batch split, any device and any re-render give the same codes. Pure torch."""
from __future__ import annotations

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


def dither_noise(shape: tuple[int, int, int, int], keys: Tensor, device: torch.device | str,
                 pixel_offset: int = 0) -> Tensor:
    """Triangular (TPDF) noise in (-1, 1) code values, shape (B, H, W, C), one pattern per key.

    TPDF (the sum of two uniforms) makes the quantisation error's mean and variance
    independent of the signal, so the average colour is kept and no residual banding
    pattern survives (rectangular noise keeps the mean but lets noise power vary with level).
    `pixel_offset` is the frame-wide index of the first pixel, so a band of a tiled still
    gets exactly the noise it would get inside the whole frame.
    """
    batch, height, width, channels = shape
    start = pixel_offset * channels
    index = torch.arange(start, start + height * width * channels, device=device, dtype=torch.int64)
    base = _mix((keys.to(device).view(batch, 1) * _GOLDEN + index.view(1, -1)) & _MASK32)
    other = _mix(base ^ 0x5A5A5A5A)
    scale = 1.0 / float(1 << 32)
    noise = (base.to(torch.float32) + other.to(torch.float32)) * scale - 1.0
    return noise.view(batch, height, width, channels)


def dither_quantize(rgb: Tensor, phase: Tensor, seed: int, pixel_offset: int = 0) -> Tensor:
    """[0, 1] floats (B, H, W, 3) -> uint8 with TPDF dither of +-1 code, keyed by frame phase.

    The mean is kept except within a code of 0 or 255, where clamping cuts the noise.
    """
    keys = frame_keys(phase, seed)
    out = torch.empty(rgb.shape, dtype=torch.uint8, device=rgb.device)
    for i in range(rgb.shape[0]):  # one frame at a time: the int64 hash temporaries are 8 bytes a sample
        out[i:i + 1] = dither_rows(rgb[i:i + 1].flatten(1, 2), keys[i:i + 1], pixel_offset).view(out[i:i + 1].shape)
    return out


def dither_rows(rgb: Tensor, keys: Tensor, pixel_offset: int = 0) -> Tensor:
    """dither_quantize of a run of pixels: [0, 1] floats (B, n, C) of pixels pixel_offset ..
    pixel_offset + n - 1 of their frames -> uint8 (B, n, C), with the `keys` of frame_keys.
    The same codes as those pixels get in a whole frame (the renderer's CPU chunks use this)."""
    batch, pixels, channels = rgb.shape
    noise = dither_noise((batch, 1, pixels, channels), keys, rgb.device, pixel_offset).view(batch, pixels, channels)
    codes = torch.floor(rgb.to(torch.float32) * 255.0 + 0.5 + noise)
    return codes.clamp(0, 255).to(torch.uint8)
