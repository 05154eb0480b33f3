"""Ways to turn RGB frames into 256-colour GIF frames (palette choice + dithering), by name.

bench/gif_study.py measures each on a smooth clip (banding, flicker, size); the README
table comes from it and `output.gif_method`'s default is the winner.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from cppn_motion.registry import Registry

QuantizeFn = Callable[[np.ndarray, int, "Image.Image | None"], Image.Image]


@dataclass(frozen=True)
class GifMethod:
    """quantize(frame, colors, shared_palette) -> P-mode image. A method with
    `global_palette` gets one palette built from frames across the whole clip."""

    quantize: QuantizeFn
    global_palette: bool = False


GIF_METHODS: Registry[GifMethod] = Registry("gif method")

# 8x8 Bayer matrix: thresholds spread evenly over one cell, so a flat area between two
# palette colours becomes a fixed fine pattern that does not crawl from frame to frame.
_BAYER8 = np.array([
    [0, 32, 8, 40, 2, 34, 10, 42], [48, 16, 56, 24, 50, 18, 58, 26],
    [12, 44, 4, 36, 14, 46, 6, 38], [60, 28, 52, 20, 62, 30, 54, 22],
    [3, 35, 11, 43, 1, 33, 9, 41], [51, 19, 59, 27, 49, 17, 57, 25],
    [15, 47, 7, 39, 13, 45, 5, 37], [63, 31, 55, 23, 61, 29, 53, 21],
], dtype=np.float32)
# Peak-to-peak ordered-dither amplitude in 8-bit codes. On the study clip (10 frames) 12, 24
# and 36 gave 33.9, 34.3 and 34.2 dB blurred PSNR but 264, 300 and 322 KiB: the gain is
# not worth the bytes, so the smallest.
BAYER_AMPLITUDE = 12.0
# The coverage method builds its palette on the frame shrunk by this factor (box filter).
COVERAGE_REDUCE = 4
# Nearest-colour RMS error (8-bit codes) below which the octree palette is kept. Measured with
# 191 colours: 2-2.6 on palette presets (ink, sin_waves), 11-15 on colourful ones (default).
OCTREE_FITS_RMS = 5.0


def _adaptive(frame: np.ndarray, colors: int, method: Image.Quantize) -> Image.Image:
    return Image.fromarray(frame).quantize(colors, method=method)


def _coverage_palette(frame: np.ndarray, colors: int) -> Image.Image:
    """Pillow's max-coverage palette, built on a quarter-size copy of the frame. On CPPN frames
    (bench/gif_study.py) it beats octree by 4-8 dB of blurred PSNR after dithering; the
    thumbnail makes it ~2.5x octree's time instead of ~17x, for 0-0.6 dB."""
    image = Image.fromarray(frame)
    factor = max(1, min(COVERAGE_REDUCE, frame.shape[0] // 8, frame.shape[1] // 8))
    return (image.reduce(factor) if factor > 1 else image).quantize(colors, method=Image.Quantize.MAXCOVERAGE)


def _adaptive_palette(frame: np.ndarray, colors: int) -> Image.Image:
    """Octree's palette where it already fits the frame closely (duotones, palette gradients: it
    gives smaller files there at the same quality), else the max-coverage one (colourful frames)."""
    octree = _adaptive(frame, colors, Image.Quantize.FASTOCTREE)
    mapped = np.asarray(octree.convert("RGB"), dtype=np.float32)
    error = float(np.sqrt(np.mean((mapped - frame.astype(np.float32)) ** 2)))
    return octree if error <= OCTREE_FITS_RMS else _coverage_palette(frame, colors)


def _remap(frame: np.ndarray, palette: Image.Image, dither: bool) -> Image.Image:
    """Map to `palette`; Pillow dithers only when remapping against a given palette."""
    return Image.fromarray(frame).quantize(
        palette=palette, dither=Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE)


def _bayer(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    tiles = np.tile(_BAYER8, (height // 8 + 1, width // 8 + 1))[:height, :width]
    offset = (tiles + 0.5) / 64.0 - 0.5
    shifted = frame.astype(np.float32) + BAYER_AMPLITUDE * offset[..., None]
    return np.clip(shifted + 0.5, 0, 255).astype(np.uint8)


def global_palette(frames: Sequence[np.ndarray], colors: int, samples: int = 16) -> Image.Image:
    """One median-cut palette from up to `samples` frames spread over the clip."""
    step = max(1, len(frames) // samples)
    mosaic = np.concatenate([frames[i] for i in range(0, len(frames), step)][:samples], axis=0)
    return Image.fromarray(mosaic).quantize(colors, method=Image.Quantize.MEDIANCUT)


def _register(name: str, description: str, method: GifMethod) -> None:
    GIF_METHODS.register(name, description)(method)


_register("adaptive_fs", "per-frame octree palette where it fits closely, else max-coverage; Floyd-Steinberg",
          GifMethod(lambda f, c, _: _remap(f, _adaptive_palette(f, c), True)))
_register("coverage_fs", "per-frame max-coverage palette (from a quarter-size copy) + Floyd-Steinberg dither",
          GifMethod(lambda f, c, _: _remap(f, _coverage_palette(f, c), True)))
# Octree builds a palette ~40x faster than median cut (2 ms vs 90 ms at 480x270).
_register("octree_fs", "per-frame octree palette + Floyd-Steinberg dither", GifMethod(
    lambda f, c, _: _remap(f, _adaptive(f, c, Image.Quantize.FASTOCTREE), True)))
_register("mediancut_fs", "per-frame median-cut palette + Floyd-Steinberg dither", GifMethod(
    lambda f, c, _: _remap(f, _adaptive(f, c, Image.Quantize.MEDIANCUT), True)))
_register("octree_plain", "per-frame octree palette, no dither", GifMethod(
    lambda f, c, _: _remap(f, _adaptive(f, c, Image.Quantize.FASTOCTREE), False)))
_register("octree_bayer", "per-frame octree palette + ordered (Bayer 8x8) dither", GifMethod(
    lambda f, c, _: _remap(_bayer(f), _adaptive(f, c, Image.Quantize.FASTOCTREE), False)))
_register("global_fs", "one median-cut palette for the clip + Floyd-Steinberg dither", GifMethod(
    lambda f, c, palette: _remap(f, palette, True), global_palette=True))
_register("global_bayer", "one median-cut palette for the clip + ordered (Bayer 8x8) dither", GifMethod(
    lambda f, c, palette: _remap(_bayer(f), palette, False), global_palette=True))
