"""compare's grid and the seed contact sheet are library functions a notebook can call."""
from __future__ import annotations

import numpy as np
import torch
from tiny import tiny_preset

from cppn_motion.rendering.scene import build_scene
from cppn_motion.study.comparison import comparison_frames, comparison_still
from cppn_motion.study.contact_sheet import seed_sheet, sheet_size


def test_a_comparison_still_holds_each_variation_in_its_cell():
    presets = [tiny_preset(net={"depth": depth}) for depth in (1, 4)]
    scenes = [build_scene(preset, "cpu") for preset in presets]
    size = sheet_size(1, 2, (32, 18), labelled=False)
    sheet = comparison_still(scenes, ["", ""], 1, 2, size, 0.25)
    assert sheet.shape == (size[1], size[0], 3) and sheet.dtype == np.uint8
    for scene in scenes:
        cell = scene.render_phases(torch.tensor([0.25], dtype=torch.float64))[0].numpy()
        assert contains(sheet, cell), "every variation's still appears whole in the sheet"


def contains(sheet: np.ndarray, cell: np.ndarray) -> bool:
    height, width = cell.shape[:2]
    return any(np.array_equal(sheet[top:top + height, left:left + width], cell)
               for top in range(sheet.shape[0] - height + 1) for left in range(sheet.shape[1] - width + 1))


def test_comparison_frames_stream_the_whole_clip_in_batches():
    scenes = [build_scene(tiny_preset(seed=seed), "cpu") for seed in (1, 2)]
    size = sheet_size(1, 2, (32, 18), labelled=False)
    seen = []
    batches = list(comparison_frames(scenes, ["", ""], 1, 2, size, 6, seen.append))
    assert sum(len(batch) for batch in batches) == 6
    assert sum(seen) == 6 * len(scenes)


def test_a_seed_sheet_differs_per_seed():
    sheet = seed_sheet(tiny_preset(), [1, 2], 0.0, "cpu")
    assert sheet.ndim == 3 and sheet.shape[2] == 3
    assert sheet.shape[1] >= 2 * 32
