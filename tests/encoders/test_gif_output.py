"""GIF output: exact loop length, every method works, width and byte limits are honoured."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.encoders import EncoderOptions, open_writer
from cppn_motion.encoders.gif_methods import GIF_METHODS


def durations(path) -> list[int]:
    with Image.open(path) as image:
        out = []
        for index in range(image.n_frames):
            image.seek(index)
            out.append(image.info["duration"])
    return out


@pytest.mark.parametrize("frames, fps", [(7, 30.0), (6, 12.0), (5, 24.0)])
def test_gif_delays_sum_exactly_to_the_clip_length(tmp_path, frames, fps) -> None:
    preset = tiny_preset(timeline={"frames": frames, "fps": fps})
    path = cm.render(preset, tmp_path / "a.gif", device="cpu")
    # The clip lasts frames/fps seconds; GIF delays are centiseconds, so the total is that, rounded once.
    assert sum(durations(path)) == 10 * int(100 * frames / fps + 0.5)


def smooth_clip(count: int = 3, width: int = 48, height: int = 24) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    frames = [np.stack([x + t / 10, y, 0.5 + 0 * x], -1) for t in range(count)]
    return (np.clip(np.stack(frames), 0, 1) * 255).astype(np.uint8)


@pytest.mark.parametrize("method", list(GIF_METHODS))
def test_every_gif_method_writes_a_close_looping_gif(tmp_path, method) -> None:
    clip = smooth_clip()
    path = tmp_path / f"{method}.gif"
    with open_writer(path, fps=10, size=(48, 24), options=EncoderOptions(gif_method=method, gif_optimize=True)) as w:
        w.write(clip)
    with Image.open(path) as image:
        assert image.n_frames == 3 and image.info["loop"] == 0
        image.seek(2)
        last = np.asarray(image.convert("RGB")).astype(int)
    assert np.abs(last - clip[2]).mean() < 6  # dithered, but the same picture


def test_max_width_downscales_and_max_bytes_fits_and_says_so(tmp_path) -> None:
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 256, (4, 60, 100, 3), dtype=np.uint8)  # incompressible: forces reductions
    path = tmp_path / "small.gif"
    options = EncoderOptions(gif_max_width=80, gif_max_bytes=8000)
    with open_writer(path, fps=10, size=(100, 60), options=options) as writer:
        writer.write(noisy)
    assert path.stat().st_size <= 8000
    assert writer.notes and "gif_max_bytes=8000" in writer.notes[0]
    with Image.open(path) as image:
        assert image.size[0] <= 80 and image.n_frames == 4
    assert sum(durations(path)) == 400  # limits never touch the timing
