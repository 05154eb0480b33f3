"""The frames of `compare`: one rendered cell per variation of a preset, composed into a labelled grid.
Pure computation (a notebook can call it); the command only parses, writes and reports."""
from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np
import torch

from cppn_motion.rendering.scene import Scene
from cppn_motion.study.contact_sheet import compose

# Frames rendered per variation before the sheets are composed: small, so the clip streams.
FRAMES_PER_STEP = 4

Progress = Callable[[int], None]


def _fit(sheet: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The sheet cut to the writer's (even) size."""
    return sheet[: size[1], : size[0]]


def comparison_still(scenes: Sequence[Scene], labels: list[str], rows: int, cols: int, size: tuple[int, int],
                     phase: float, progress: Progress | None = None) -> np.ndarray:
    """The grid at loop phase `phase` as one (H, W, 3) uint8 sheet of `size` (width, height)."""
    at = torch.tensor([phase], dtype=torch.float64)
    stills = []
    for scene in scenes:
        stills.append(scene.render_phases(at)[0].cpu().numpy())
        if progress is not None:
            progress(1)
    return _fit(compose(stills, labels, rows, cols), size)


def comparison_frames(scenes: Sequence[Scene], labels: list[str], rows: int, cols: int, size: tuple[int, int],
                      frames: int, progress: Progress | None = None) -> Iterator[np.ndarray]:
    """The grid for every frame of the clip, as batches (B, H, W, 3) uint8 of `size` (width, height)."""
    for start in range(0, frames, FRAMES_PER_STEP):
        indices = list(range(start, min(frames, start + FRAMES_PER_STEP)))
        batches = []
        for scene in scenes:
            batches.append(scene.render_indices(indices).cpu().numpy())
            if progress is not None:
                progress(len(indices))
        sheets = [_fit(compose([batch[i] for batch in batches], labels, rows, cols), size)
                  for i in range(len(indices))]
        yield np.ascontiguousarray(np.stack(sheets))
