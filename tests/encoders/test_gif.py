"""GIF writer: loop flag, exact loop length, per-frame palettes that dither, frames decoded intact."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cppn_motion.encoders import EncoderOptions, open_writer
from cppn_motion.encoders.gif import gif_delays_cs, quantize_frame
from cppn_motion.errors import UserError

WIDTH, HEIGHT = 32, 24


def noise_frames(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, HEIGHT, WIDTH, 3), dtype=np.uint8)


def gradient(width: int = 64, height: int = 48) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    rgb = np.stack([x * 255 / (width - 1), y * 255 / (height - 1), 128 + (x + y) / 2], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def decoded(path: Path) -> tuple[list[np.ndarray], list[int], dict]:
    """RGB frames, per-frame durations (ms) and the first frame's info, as a viewer would see them."""
    with Image.open(path) as image:
        info = dict(image.info)
        frames, durations = [], []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")))
            durations.append(image.info["duration"])
    return frames, durations, info


def box_blur(image: np.ndarray, k: int = 4) -> np.ndarray:
    """Mean over k x k windows: what the eye does to dither noise."""
    summed = np.pad(image.astype(np.float64), ((1, 0), (1, 0), (0, 0))).cumsum(0).cumsum(1)
    return (summed[k:, k:] - summed[:-k, k:] - summed[k:, :-k] + summed[:-k, :-k]) / k**2


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a.astype(np.float64) - b) ** 2)))


def test_delays_alternate_so_the_running_time_is_exact() -> None:
    assert gif_delays_cs(6, 30) == [3, 4, 3, 3, 4, 3]
    assert sum(gif_delays_cs(60, 30)) == 200
    assert gif_delays_cs(4, 25) == [4, 4, 4, 4]
    assert gif_delays_cs(6, 24) == [4, 4, 5, 4, 4, 4]  # 4.17 cs each: frame 3 catches up to 12.5
    assert sum(gif_delays_cs(7, 30)) == 23  # 233.3 ms: the nearest centisecond
    for fps in (7, 12.5, 23.976, 29.97, 50):
        delays = gif_delays_cs(500, fps)
        assert min(delays) >= 2
        assert abs(sum(delays) - 500 * 100 / fps) <= 0.5


@pytest.mark.parametrize(("fps", "count"), [(30, 6), (24, 6), (25, 5), (30, 60)])
def test_file_loops_forever_and_lasts_exactly_count_over_fps(tmp_path: Path, fps: int, count: int) -> None:
    path = tmp_path / "loop.gif"
    with open_writer(path, fps=fps, size=(WIDTH, HEIGHT)) as writer:
        writer.write(noise_frames(count))
    frames, durations, info = decoded(path)
    assert len(frames) == count
    assert info["loop"] == 0
    assert durations == [10 * cs for cs in gif_delays_cs(count, fps)]
    assert sum(durations) == count * 1000 / fps


def test_decoded_frames_equal_the_palettised_frames(tmp_path: Path) -> None:
    # Pillow stores later frames as changed rectangles over the previous one
    # (disposal 1), each with its own palette: decoding must rebuild every frame exactly.
    source = noise_frames(5)
    source[2, :, : WIDTH // 2] = source[1, :, : WIDTH // 2]  # a frame that changes only in part
    path = tmp_path / "exact.gif"
    with open_writer(path, fps=20, size=(WIDTH, HEIGHT), options=EncoderOptions(gif_method="octree_fs")) as writer:
        writer.write(source)
    frames, _, _ = decoded(path)
    expected = [np.asarray(quantize_frame(frame, 256, True).convert("RGB")) for frame in source]
    assert len(frames) == len(expected)
    for got, want in zip(frames, expected):
        np.testing.assert_array_equal(got, want)


def test_identical_frames_merge_without_changing_the_loop_length(tmp_path: Path) -> None:
    source = noise_frames(6)
    source[3] = source[2]
    path = tmp_path / "merged.gif"
    with open_writer(path, fps=30, size=(WIDTH, HEIGHT)) as writer:
        writer.write(source)
    assert writer.frames_written == 6
    frames, durations, _ = decoded(path)
    assert len(frames) == 5
    assert durations == [30, 40, 60, 40, 30]  # 3+3 cs merged for the repeated frame
    assert sum(durations) == 200


def test_dithering_keeps_a_smooth_gradient_smooth(tmp_path: Path) -> None:
    source = gradient()
    results = {}
    for dither in (True, False):
        path = tmp_path / f"dither_{dither}.gif"
        with open_writer(path, fps=10, size=(64, 48), options=EncoderOptions(gif_dither=dither)) as writer:
            writer.write(source)
        frame = decoded(path)[0][0]
        results[dither] = psnr(box_blur(frame), box_blur(source))
        assert np.abs(frame.astype(int) - source).mean() < 6  # colours near the source either way
    # Measured: ~51 dB dithered vs ~43 dB without (256 colours, 4x4 box blur).
    assert results[True] > 46
    assert results[True] > results[False] + 4


def test_palette_size_follows_the_option(tmp_path: Path) -> None:
    path = tmp_path / "few.gif"
    with open_writer(path, fps=10, size=(64, 48), options=EncoderOptions(gif_colors=8)) as writer:
        writer.write(gradient())
    frame = decoded(path)[0][0]
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) <= 8


def test_metadata_is_a_json_comment(tmp_path: Path) -> None:
    metadata = {"seed": "7", "config": "width: 32\nact: 'tanh'\nnote: grün\n" * 40}
    path = tmp_path / "meta.gif"
    with open_writer(path, fps=10, size=(WIDTH, HEIGHT), metadata=metadata) as writer:
        writer.write(noise_frames(2))
    _, _, info = decoded(path)
    assert json.loads(info["comment"].decode()) == metadata


def test_fps_above_50_is_refused_before_any_file_exists(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^gif fps must be <= 50 .*; got 60$"):
        open_writer(tmp_path / "sub" / "fast.gif", fps=60, size=(WIDTH, HEIGHT))
    assert list(tmp_path.iterdir()) == []


def test_invalid_palette_size_is_a_user_error() -> None:
    with pytest.raises(UserError, match=r"gif_colors must be an integer from 2 to 256; got 300"):
        EncoderOptions(gif_colors=300)
