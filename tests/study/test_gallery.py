"""The gallery sheet: one labelled still per preset, laid out in order, at the size promised up front."""
from __future__ import annotations

import numpy as np

from cppn_motion.study.gallery import gallery_order, gallery_presets, gallery_sheet, gallery_size


def test_default_first_and_the_seed_figures_last() -> None:
    order = gallery_order(["seed_1x100_relu", "zoom_loop", "default", "ink"])
    assert order == ["default", "ink", "zoom_loop", "seed_1x100_relu"]


def test_sheet_has_one_cell_per_preset_at_the_promised_size() -> None:
    presets = gallery_presets(["ink", "op_art", "marble"], cell=(32, 18))
    assert [p.canvas.width for p in presets] == [32, 32, 32]
    sheet = gallery_sheet([p.with_overrides({"timeline.frames": 2}) for p in presets], columns=2, device="cpu")
    width, height = gallery_size(presets, columns=2)
    assert sheet.shape == (height, width, 3) and sheet.dtype == np.uint8
    # Two rows of two cells, the last one empty (background), the others pictures.
    assert sheet[:, :, :].std() > 10
