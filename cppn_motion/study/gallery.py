"""The gallery: one labelled still per preset, all at one cell size, as a single sheet
(`cppn-motion gallery`, docs/gallery.png). Compute only; the command writes the file."""
from __future__ import annotations

import math
from typing import Callable, Iterator

import numpy as np
import torch

from cppn_motion.config.presets import bundled_names, load_preset
from cppn_motion.config.schema import Preset
from cppn_motion.rendering.scene import build_scene
from cppn_motion.rendering.tiles import render_tiled
from cppn_motion.study.contact_sheet import compose, label_lines, sheet_size

CELL = (320, 180)
COLUMNS = 4
# The moment shown: a quarter into the loop, away from the keyframe at 0 that many presets start on.
PHASE = 0.25


def gallery_order(names: list[str]) -> list[str]:
    """default first, the seed's experiment (seed_*) last, the other looks alphabetically between."""
    return sorted(names, key=lambda name: (name != "default", name.startswith("seed_"), name))


def gallery_presets(names: list[str] | None = None, cell: tuple[int, int] = CELL) -> list[Preset]:
    """Each named preset (default: every bundled one, in gallery_order) at the cell's size."""
    width, height = cell
    return [load_preset(name, {"canvas.width": width, "canvas.height": height})
            for name in (names or gallery_order(bundled_names()))]


def gallery_shape(count: int, columns: int = COLUMNS) -> tuple[int, int]:
    columns = max(1, min(columns, count))
    return math.ceil(count / columns), columns


def gallery_size(presets: list[Preset], columns: int = COLUMNS) -> tuple[int, int]:
    """(width, height) of the finished sheet, known before anything renders."""
    rows, cols = gallery_shape(len(presets), columns)
    canvas = presets[0].canvas
    labels = [preset.name for preset in presets]
    return sheet_size(rows, cols, (canvas.width, canvas.height), True, label_lines(labels, canvas.width))


def _cells(presets: list[Preset], phase: float, device: str | torch.device,
           progress: Callable[[int], None] | None) -> Iterator[np.ndarray]:
    for preset in presets:
        yield render_tiled(build_scene(preset, device), phase, None)
        if progress is not None:
            progress(1)


def gallery_sheet(presets: list[Preset], phase: float = PHASE, columns: int = COLUMNS,
                  device: str | torch.device = "auto",
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Every preset's still at `phase`, labelled with its name, as one (H, W, 3) uint8 sheet.
    Empty cells of the last row stay background."""
    rows, cols = gallery_shape(len(presets), columns)
    cells = list(_cells(presets, phase, device, progress))
    labels = [preset.name for preset in presets]
    return compose(cells, labels, rows, cols)
