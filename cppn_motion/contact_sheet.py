"""Contact sheets: one still per seed in a grid, each labelled with its seed, to pick from.
`cppn-motion still --seeds 1-16 -o sheet.png`."""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np
from PIL import Image, ImageDraw

from .errors import UserError

# Cells default to this width (aspect kept): 16 cells of 256 px make a ~1 K-wide sheet
# that shows composition and palette while rendering in seconds on a CPU.
CELL_WIDTH = 256
GAP = 4           # pixels between cells, in the background colour
LABEL_HEIGHT = 14  # the default bitmap font is 11 px tall
BACKGROUND = (24, 24, 28)
TEXT = (230, 230, 230)
MAX_SEEDS = 400


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
    """Lay (seed, (h, w, 3) uint8) cells out in a near-square grid with a seed label under each."""
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    sheet: np.ndarray | None = None
    draw = None
    image = None
    for index, (seed, cell) in enumerate(cells):
        height, width = cell.shape[:2]
        pitch_x, pitch_y = width + GAP, height + LABEL_HEIGHT + GAP
        if image is None:
            image = Image.new("RGB", (columns * pitch_x + GAP, rows * pitch_y + GAP), BACKGROUND)
            draw = ImageDraw.Draw(image)
        x = GAP + (index % columns) * pitch_x
        y = GAP + (index // columns) * pitch_y
        image.paste(Image.fromarray(cell), (x, y))
        draw.text((x + 2, y + height + 1), f"seed {seed}", fill=TEXT)
    assert image is not None
    sheet = np.asarray(image)
    return sheet
