"""How a render is computed, never what it shows."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """Knobs that change speed and memory, never a frame (tests/rendering/test_determinism.py).
    None everywhere: chosen for the machine and the clip.

    batch_size: frames rendered at once. tile_rows: rows per band of a still (a poster in bands
    fits in memory). encoders: parallel segment encoders for an MP4 (scale/parallel_encode.py).
    device_yuv: convert MP4 frames to yuv420p on the render device (default: on for GPUs)."""

    batch_size: int | None = None
    tile_rows: int | None = None
    encoders: int | None = None
    device_yuv: bool | None = None
