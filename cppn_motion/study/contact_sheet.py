"""Contact sheets: equal-sized frames laid out in a labelled grid (numpy, Pillow for the
text): variation grids for `compare`/`complexity` and seed sheets for `still --seeds 1-16`."""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.rendering.scene import build_scene
from cppn_motion.rendering.tiles import render_tiled

# Pillow's built-in bitmap font is ~11 px tall; a 14 px band fits one line with a margin.
LABEL_HEIGHT = 14
GAP = 2
_BACKGROUND = (16, 16, 16)
_TEXT = (235, 235, 235)

# Seed-sheet cells default to this width (aspect kept): 16 cells of 256 px make a ~1 K-wide
# sheet that shows composition and palette while rendering in seconds on a CPU.
CELL_WIDTH = 256
MAX_SEEDS = 400


def wrap_label(label: str, width: int) -> list[str]:
    """Split a label at ', ' into lines that fit `width` pixels in the default font."""
    font = ImageFont.load_default()
    lines: list[str] = []
    for part in label.split(", "):
        candidate = f"{lines[-1]}, {part}" if lines else part
        if lines and font.getlength(candidate) <= width - 4:
            lines[-1] = candidate
        else:
            lines.append(part)
    return lines


def label_lines(labels: list[str], width: int) -> int:
    return max((len(wrap_label(label, width)) for label in labels if label), default=0)


def sheet_size(rows: int, cols: int, cell: tuple[int, int], labelled: bool = True,
               lines: int = 1) -> tuple[int, int]:
    """(width, height) of a sheet of rows x cols cells of (width, height), rounded up to even."""
    width, height = cell
    band = LABEL_HEIGHT * lines if labelled else 0
    total_w = cols * width + (cols + 1) * GAP
    total_h = rows * (height + band) + (rows + 1) * GAP
    return total_w + total_w % 2, total_h + total_h % 2


def compose(cells: list[np.ndarray], labels: list[str], rows: int, cols: int) -> np.ndarray:
    """(H, W, 3) uint8 cells in row-major order -> one (sheet_h, sheet_w, 3) uint8 image."""
    height, width = cells[0].shape[:2]
    labelled = any(labels)
    lines = label_lines(labels, width)
    sheet_w, sheet_h = sheet_size(rows, cols, (width, height), labelled, lines)
    band = LABEL_HEIGHT * lines if labelled else 0
    canvas = Image.new("RGB", (sheet_w, sheet_h), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    for number, (cell, label) in enumerate(zip(cells, labels)):
        row, col = divmod(number, cols)
        left = GAP + col * (width + GAP)
        top = GAP + row * (height + band + GAP)
        if labelled:
            for line_number, line in enumerate(wrap_label(label, width)):
                draw.text((left + 2, top + 1 + LABEL_HEIGHT * line_number), line, fill=_TEXT, font=font)
        canvas.paste(Image.fromarray(np.ascontiguousarray(cell)), (left, top + band))
    return np.asarray(canvas)


def parse_seeds(text: str) -> list[int]:
    """'1-16', '3,7,12' or '1-4,9' -> seeds in order, each at most once."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            first, dash, last = part.strip().partition("-")
            low = int(first)
            high = int(last) if dash else low
            if low < 0 or high < low:
                raise ValueError
            seeds.extend(range(low, high + 1))
    except ValueError:
        raise UserError(f"--seeds: expected seeds such as 1-16 or 3,7,12 (whole numbers >= 0); got {text!r}") from None
    unique = list(dict.fromkeys(seeds))
    if len(unique) > MAX_SEEDS:
        raise UserError(f"--seeds: at most {MAX_SEEDS} seeds in one sheet; got {len(unique)} from {text!r}")
    return unique


def cell_size(width: int, height: int, explicit: bool) -> tuple[int, int]:
    """The canvas size as given with --size, else scaled to CELL_WIDTH wide."""
    if explicit or width <= CELL_WIDTH:
        return width, height
    return CELL_WIDTH, max(2, round(height * CELL_WIDTH / width))


def assemble(cells: Iterable[tuple[int, np.ndarray]], count: int) -> np.ndarray:
    """Lay (seed, (h, w, 3) uint8) cells out in a near-square grid, each labelled with its seed."""
    seeds, images = zip(*cells)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    return compose(list(images), [f"seed {seed}" for seed in seeds], rows, columns)


def seed_sheet(preset: Preset, seeds: list[int], phase: float, device: str | torch.device = "auto") -> np.ndarray:
    """`still --seeds`: the preset's still at `phase` for each seed, labelled, as one (H, W, 3) uint8 sheet."""
    cells = ((seed, render_tiled(build_scene(preset.with_overrides({"seed": seed}), device), phase, None))
             for seed in seeds)
    return assemble(cells, len(seeds))
