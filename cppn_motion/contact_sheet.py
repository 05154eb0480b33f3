"""Contact sheets: equal-sized frames laid out in a labelled grid (numpy, Pillow for the text)."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Pillow's built-in bitmap font is ~11 px tall; a 14 px band fits one line with a margin.
LABEL_HEIGHT = 14
GAP = 2
_BACKGROUND = (16, 16, 16)
_TEXT = (235, 235, 235)


def sheet_size(rows: int, cols: int, cell: tuple[int, int], labelled: bool = True) -> tuple[int, int]:
    """(width, height) of a sheet of rows x cols cells of (width, height), rounded up to even."""
    width, height = cell
    band = LABEL_HEIGHT if labelled else 0
    total_w = cols * width + (cols + 1) * GAP
    total_h = rows * (height + band) + (rows + 1) * GAP
    return total_w + total_w % 2, total_h + total_h % 2


def compose(cells: list[np.ndarray], labels: list[str], rows: int, cols: int) -> np.ndarray:
    """(H, W, 3) uint8 cells in row-major order -> one (sheet_h, sheet_w, 3) uint8 image."""
    height, width = cells[0].shape[:2]
    labelled = any(labels)
    sheet_w, sheet_h = sheet_size(rows, cols, (width, height), labelled)
    band = LABEL_HEIGHT if labelled else 0
    canvas = Image.new("RGB", (sheet_w, sheet_h), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    for number, (cell, label) in enumerate(zip(cells, labels)):
        row, col = divmod(number, cols)
        left = GAP + col * (width + GAP)
        top = GAP + row * (height + band + GAP)
        if labelled:
            draw.text((left + 2, top + 1), label, fill=_TEXT, font=font)
        canvas.paste(Image.fromarray(np.ascontiguousarray(cell)), (left, top + band))
    return np.asarray(canvas)
