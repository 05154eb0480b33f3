"""Very large stills in horizontal bands of the coordinate field: a per-pixel net draws each
band exactly as it would draw it inside the whole frame, so bands join without seams and
memory stays bounded whatever the size. Pure torch; returns host arrays to the caller."""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from cppn_motion.colour.mapping import encode

# Samples (pixels x supersample^2) evaluated per band: ~4M keeps a band's float32 colour
# and coordinate tensors near 100 MB, so an 8K poster at supersample 4 fits any machine.
SAMPLES_PER_TILE = 4_000_000


def rows_per_band(width: int, supersample: int, samples: int = SAMPLES_PER_TILE) -> int:
    return max(1, samples // (width * supersample * supersample))


def iter_bands(scene, phase: float, rows: int | None = None, *, bit_depth: int = 8,
               dither: bool = False) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, band) pairs covering the still at `phase`: uint8 (or uint16 for bit_depth 16)
    arrays (rows, W, 3) on the host, top to bottom."""
    canvas = scene.preset.canvas
    width, height = canvas.width, canvas.height
    rows = rows or rows_per_band(width, canvas.supersample)
    if not getattr(scene.net, "pixelwise", False):
        # A conv net's pixels depend on their neighbours (and its design grid on the whole
        # frame): it bands internally where it can, so it is evaluated whole here.
        rows = height
    phases = torch.tensor([float(phase)], dtype=torch.float64)
    for start in range(0, height, rows):
        stop = min(height, start + rows)
        rgb = scene.render_rgb(phases, (start, stop))
        band = encode(rgb, phases, scene.preset.seed, bit_depth, dither, pixel_offset=start * width)[0].cpu().numpy()
        yield start, band.astype(np.uint16) if bit_depth == 16 else band


def render_tiled(scene, phase: float, rows: int | None = None, *, bit_depth: int = 8,
                 dither: bool = False) -> np.ndarray:
    """The whole still (H, W, 3) assembled from bands; uint8, or uint16 for bit_depth 16."""
    canvas = scene.preset.canvas
    out = np.empty((canvas.height, canvas.width, 3), dtype=np.uint16 if bit_depth == 16 else np.uint8)
    for start, band in iter_bands(scene, phase, rows, bit_depth=bit_depth, dither=dither):
        out[start:start + band.shape[0]] = band
    return out
