"""The CPU renderer's colour stage inside the net's chunk workers (Scene._chunked_frames) gives
the codes of the whole-frame colour stage."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny import tiny_preset

from cppn_motion.nets import mlp as mlp_module
from cppn_motion.rendering.numerics import NonFiniteWarning
from cppn_motion.rendering.scene import Scene, build_scene

CASES = {
    "tanh rgb": {},
    "palette": {"colour": {"mode": "palette"}},
    "hsv, sin": {"colour": {"mode": "hsv"}, "net": {"activation": "sin"}},
    "camera zoom": {"timeline": {"frames": 6, "fps": 12, "camera": {"zoom": 2.0}}},
    "weight morph": {"timeline": {"frames": 6, "fps": 12, "weights": {"mode": "perturb", "amplitude": 0.3}}},
}


def _whole_frames(scene: Scene, indices: list[int], monkeypatch) -> np.ndarray:
    with monkeypatch.context() as patch:
        patch.setattr(Scene, "_chunked_frames", lambda self, phase: None)
        return scene.render_indices(indices).numpy()


@pytest.mark.parametrize("dither", [False, True], ids=["rounded", "dithered"])
@pytest.mark.parametrize("case", list(CASES))
def test_chunked_colour_stage_gives_the_whole_frame_codes(case, dither, monkeypatch):
    # Small chunks and a low worker threshold: many chunks, handed out across the worker pool.
    monkeypatch.setattr(mlp_module, "ROWS_PER_CHUNK", 512)
    monkeypatch.setattr(mlp_module, "MIN_ROWS_FOR_WORKERS", 1)
    scene = build_scene(tiny_preset(canvas={"width": 48, "height": 30}, **CASES[case]), "cpu")
    scene.dither = dither
    indices = [0, 1, 4]
    assert scene._chunked_frames(scene.timeline.phases(indices)) is not None
    chunked = scene.render_indices(indices).numpy()
    assert np.array_equal(chunked, _whole_frames(scene, indices, monkeypatch))


def test_chunked_path_is_not_used_where_it_does_not_apply():
    scene = build_scene(tiny_preset(canvas={"width": 32, "height": 18, "supersample": 2}), "cpu")
    assert scene._chunked_frames(scene.timeline.phases([0])) is None


def test_nonfinite_outputs_are_clamped_counted_and_warned_once(monkeypatch):
    # |x| at 1000x He gain through 40 layers overflows to inf, then inf - inf = NaN (as in
    # tests/cli/test_failures.py); the calibration's proxy render already warns, so count instead.
    with pytest.warns(NonFiniteWarning):
        scene = build_scene(tiny_preset(net={"activation": "abs", "init": {"gain": 1e3}, "depth": 40}), "cpu")
    before = scene.nonfinite
    indices = [0, 1]
    assert scene._chunked_frames(scene.timeline.phases(indices)) is not None
    frames = scene.render_indices(indices)
    assert scene.nonfinite > before
    assert frames.dtype == torch.uint8
    assert np.array_equal(frames.numpy(), _whole_frames(scene, indices, monkeypatch))
