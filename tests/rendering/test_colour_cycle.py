"""colour.cycle: whole colour cycles per loop, so the loop seam stays seamless while the colours move."""
from __future__ import annotations

import pytest
import torch

from cppn_motion.rendering.scene import build_scene
from tests.tiny import tiny_preset


@pytest.mark.parametrize("colour", [
    {"mode": "palette", "palette": "silk", "cycle": 1},
    {"mode": "palette", "palette": "iridescent", "cycle": 2},
    {"mode": "harmony", "harmony": "triadic", "cycle": -1},
])
def test_cycling_colours_move_and_close_the_loop(colour) -> None:
    scene = build_scene(tiny_preset(colour=colour, timeline={"frames": 8}), "cpu")
    frames = scene.render_phases(torch.tensor([0.0, 0.25, 1.0], dtype=torch.float64))
    assert not torch.equal(frames[0], frames[1])  # the colours move
    torch.testing.assert_close(frames[0], frames[2], atol=1e-4, rtol=0)  # and phase 1 is phase 0 again


def test_no_cycle_keeps_the_fast_path() -> None:
    scene = build_scene(tiny_preset(colour={"mode": "rgb"}), "cpu")
    assert scene.timeline.colours_at(torch.tensor([0.0, 0.5])) is None
