"""Lossless segment files for GIF renders: a segment's RGB frames and its metadata in one .npz.

Not an output format users pick (it is not registered in WRITERS): GIF segments are
kept as exact frames and palettised once, when the segments are joined into the GIF.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from cppn_motion.encoders.base import FrameWriter


class NpzFramesWriter(FrameWriter):
    """Collects a segment's frames and saves them with np.savez (uncompressed: fast, and the
    file lives only until the join); metadata is stored as one JSON string."""

    extension = "npz"
    # A GIF keeping one frame in n: a short segment may hold none of them, and is still complete.
    allows_empty = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batches: list[np.ndarray] = []

    def _write_batch(self, batch: np.ndarray) -> None:
        self._batches.append(batch.copy())  # the caller may reuse its buffer

    def _finish(self, temp: Path) -> None:
        width, height = self.size
        frames = np.concatenate(self._batches) if self._batches else np.zeros((0, height, width, 3), np.uint8)
        self._batches = []
        with open(temp, "wb") as handle:  # a file object: np.savez would append .npz to a name
            np.savez(handle, frames=frames, metadata=np.array(json.dumps(self.metadata)))

    def _release(self) -> None:
        self._batches = []


def read_npz_metadata(path: Path) -> dict[str, str]:
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["metadata"]))


def read_npz_frames(path: Path) -> np.ndarray:
    with np.load(path, allow_pickle=False) as data:
        return data["frames"]
