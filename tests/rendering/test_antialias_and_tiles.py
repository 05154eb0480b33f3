"""Supersampling equals a larger render downsampled in linear light; tiled stills equal whole ones;
16-bit stills keep the extra precision."""
from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import torch
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.rendering.scene import build_scene
from cppn_motion.rendering.supersample import downsample_linear

SHARP = {"net": {"activation": "abs", "depth": 4}, "canvas": {"width": 24, "height": 16, "scale": 3.0}}


def test_a_supersampled_render_equals_a_downsampled_larger_render() -> None:
    small = tiny_preset(**SHARP).with_overrides({"canvas.supersample": 3})
    large = small.with_overrides({"canvas.supersample": 1, "canvas.width": 72, "canvas.height": 48})
    phase = torch.tensor([0.2], dtype=torch.float64)
    expected = downsample_linear(build_scene(large, "cpu").render_rgb(phase), 3)
    got = build_scene(small, "cpu").render_rgb(phase)
    assert got.shape == (1, 16, 24, 3)
    assert (got - expected).abs().max().item() < 1e-4
    # And it is anti-aliased: differs from the plain 1x render where edges are sharp.
    plain = build_scene(small.with_overrides({"canvas.supersample": 1}), "cpu").render_rgb(phase)
    assert (plain - got).abs().max().item() > 0.02


def test_linear_light_averaging_keeps_brightness() -> None:
    # Black and white pixels average to linear 0.5, which is sRGB ~0.735, not 0.5.
    checker = torch.tensor([[0.0, 1.0], [1.0, 0.0]]).view(1, 2, 2, 1).expand(1, 2, 2, 3)
    assert abs(downsample_linear(checker, 2).mean().item() - 0.7354) < 1e-3


def test_tiled_stills_equal_whole_ones() -> None:
    preset = tiny_preset(canvas={"width": 40, "height": 23, "supersample": 2})
    whole = cm.render_still(preset, 0.4, device="cpu", tile_rows=23)
    for rows in (1, 5, 7):
        assert np.abs(cm.render_still(preset, 0.4, device="cpu", tile_rows=rows).astype(int) - whole).max() <= 1
    scene = build_scene(preset, "cpu")  # the clip path renders the same picture
    clip_frame = scene.render_phases(torch.tensor([0.4], dtype=torch.float64))[0].numpy()
    assert np.abs(clip_frame.astype(int) - whole).max() <= 1


def test_sixteen_bit_png_holds_the_finer_codes(tmp_path) -> None:
    preset = tiny_preset(output={"bit_depth": 16})
    path = cm.render(preset, tmp_path / "deep.png", device="cpu")
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "rgb48le", "-"], capture_output=True, check=True).stdout
    deep = np.frombuffer(raw, "<u2").reshape(18, 32, 3)
    eight = cm.render_still(preset.with_overrides({"output.bit_depth": 8}), device="cpu")
    assert np.abs(deep / 257.0 - eight).max() <= 0.51  # the same picture...
    assert np.any(deep % 257 != 0)  # ...with values between the 8-bit codes
