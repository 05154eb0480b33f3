"""Device-side RGB -> yuv420p (yuv.py) against ffmpeg's own conversion, and the MP4s the two
paths produce. Tolerances were measured (bench/RESULTS.md, pipeline section)."""
from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import torch
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.colour.yuv import rgb_to_yuv420p, yuv420p_bytes

WIDTH, HEIGHT = 48, 32


def smooth_frame(seed: int = 0) -> np.ndarray:
    """Ramps plus mild noise: like a CPPN frame, with every code path of the matrix used."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    frame = np.stack([x * 5, y * 7, 255 - 2 * x - 3 * y], axis=-1) + rng.normal(0, 3, (HEIGHT, WIDTH, 3))
    return np.clip(frame, 0, 255).astype(np.uint8)


def ffmpeg_yuv420p(frame: np.ndarray) -> np.ndarray:
    """ffmpeg's conversion, exactly as the MP4 writer's rgb24 path asks for it."""
    height, width, _ = frame.shape
    out = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", f"{width}x{height}", "-i", "-", "-vf", "scale=out_color_matrix=bt709:out_range=tv",
         "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"],
        input=frame.tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8)


def test_planes_match_ffmpegs_conversion():
    frame = smooth_frame()
    ours = rgb_to_yuv420p(torch.from_numpy(frame)[None])[0].numpy().astype(int)
    theirs = ffmpeg_yuv420p(frame).astype(int)
    assert ours.shape == theirs.shape == (yuv420p_bytes(WIDTH, HEIGHT),)
    luma = WIDTH * HEIGHT
    # Luma: the same matrix and rounding, off by one code at most (fixed-point vs float).
    assert np.abs(ours[:luma] - theirs[:luma]).max() <= 1
    # Chroma: a 2x2 box here, swscale's own filter there; measured mean 0.3, max 2 codes.
    chroma = np.abs(ours[luma:] - theirs[luma:])
    assert chroma.mean() < 0.75 and chroma.max() <= 3


def test_limited_range_extremes():
    black_white = torch.tensor([[[[0, 0, 0], [255, 255, 255]]] * 2], dtype=torch.uint8)
    planes = rgb_to_yuv420p(black_white)[0].tolist()
    assert planes[:4] == [16, 235, 16, 235]  # luma 16-235
    assert planes[4:] == [128, 128]  # grey: no chroma
    red = rgb_to_yuv420p(torch.tensor([[[[255, 0, 0]] * 2] * 2], dtype=torch.uint8))[0].tolist()
    assert red == [63] * 4 + [102, 240]  # BT.709 red: Y 63, Cb 102, Cr 240


def test_odd_sizes_and_other_dtypes_are_refused():
    with pytest.raises(ValueError, match="even width and height"):
        rgb_to_yuv420p(torch.zeros(1, 3, 4, 3, dtype=torch.uint8))
    with pytest.raises(ValueError, match="uint8"):
        rgb_to_yuv420p(torch.zeros(1, 2, 2, 3))


def read_back(path) -> np.ndarray:
    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]
    return np.stack([np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader]).astype(np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a - b) ** 2)))


def test_yuv_and_rgb_paths_give_the_same_picture(tmp_path):
    # crf 0: lossless in YUV, so what differs is only the conversion (chroma filter, rounding).
    preset = tiny_preset(canvas={"width": 160, "height": 90}, output={"crf": 0})
    rgb = read_back(cm.render(preset, tmp_path / "rgb.mp4", device="cpu", tuning=cm.Tuning(device_yuv=False), sidecar=False))
    yuv = read_back(cm.render(preset, tmp_path / "yuv.mp4", device="cpu", tuning=cm.Tuning(device_yuv=True), sidecar=False))
    source = cm.render_array(preset, device="cpu").astype(np.float64)
    assert rgb.shape == yuv.shape == source.shape
    # Measured: 50.7 dB between the paths, mean 0.28 codes; both ~34.1 dB from the source
    # (4:2:0 itself costs that much at this size).
    assert psnr(rgb, yuv) > 45 and np.abs(rgb - yuv).mean() < 0.6
    assert psnr(yuv, source) > psnr(rgb, source) - 0.5


def test_ten_bit_output_falls_back_to_the_rgb_path(tmp_path):
    preset = tiny_preset(output={"pix_fmt": "yuv420p10le"})
    path = cm.render(preset, tmp_path / "deep.mp4", device="cpu", tuning=cm.Tuning(device_yuv=True), sidecar=False)
    reader = imageio_ffmpeg.read_frames(str(path))
    assert next(reader)["pix_fmt"].startswith("yuv420p10le")
    assert len(list(reader)) == preset.timeline.frames


def test_a_batch_converts_like_its_frames_one_by_one():
    frames = torch.from_numpy(np.stack([smooth_frame(seed) for seed in range(6)]))  # more than one step
    whole = rgb_to_yuv420p(frames)
    assert torch.equal(whole, torch.cat([rgb_to_yuv420p(frame[None]) for frame in frames]))
