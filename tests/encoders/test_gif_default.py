"""The default GIF: frames capped at output.gif_max_fps (loop length exact), a max-coverage
palette with Floyd-Steinberg dither: smaller than every frame with octree palettes, still clean."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.config.schema import Output
from cppn_motion.encoders import EncoderOptions, open_writer
from cppn_motion.encoders.gif import frame_step, kept_delays_cs
from cppn_motion.errors import ConfigError
from cppn_motion.rendering.output import encoder_options


def _decode(path) -> tuple[list[np.ndarray], list[int]]:
    frames, delays = [], []
    with Image.open(path) as image:
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")).astype(np.float64))
            delays.append(image.info["duration"])
    return frames, delays


def _blurred_psnr(a: np.ndarray, b: np.ndarray) -> float:
    def blur(x: np.ndarray) -> np.ndarray:
        h, w = x.shape[0] // 4 * 4, x.shape[1] // 4 * 4
        return x[:h, :w].reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3))
    return float(10 * np.log10(255**2 / np.mean((blur(a) - blur(b)) ** 2)))


def test_frame_step_and_kept_delays_keep_the_loop_length():
    assert frame_step(30, 15) == 2 and frame_step(24, 15) == 2 and frame_step(60, 15) == 4
    assert frame_step(12, 15) == 1 and frame_step(30, None) == 1
    assert kept_delays_cs(7, 30, 2) == [7, 6, 7, 3]  # 233 cs = 7 frames at 30 fps
    assert sum(kept_delays_cs(150, 30, 2)) == 500


def test_a_30_fps_clip_keeps_every_other_frame_and_its_exact_length(tmp_path):
    clip = np.random.default_rng(0).integers(0, 256, (7, 16, 24, 3), dtype=np.uint8)
    path = tmp_path / "capped.gif"
    with open_writer(path, fps=30, size=(24, 16), options=EncoderOptions(gif_max_fps=15)) as writer:
        writer.write(clip)
    frames, delays = _decode(path)
    assert len(frames) == 4 and sum(delays) == 230  # 23 cs: 7 frames at 30 fps
    assert Output().gif_max_fps == 15 and Output().gif_method == "adaptive_fs"
    with pytest.raises(ConfigError, match="gif_max_fps must be a number from 1 to 50; got 0"):
        EncoderOptions(gif_max_fps=0)


def test_the_default_gif_of_a_calm_clip_is_smaller_than_per_frame_octree_and_still_clean(tmp_path):
    preset = tiny_preset(canvas={"width": 96, "height": 54}, timeline={"frames": 12, "fps": 30})
    clip = cm.render_array(preset, device="cpu")
    sizes, psnr = {}, {}
    for label, options in {"default": encoder_options(preset),
                           "octree_fs": EncoderOptions(gif_method="octree_fs")}.items():
        path = tmp_path / f"{label}.gif"
        with open_writer(path, fps=30, size=(96, 54), options=options) as writer:
            writer.write(clip)
        sizes[label] = path.stat().st_size
        frames, delays = _decode(path)
        assert sum(delays) == 400  # 12 frames at 30 fps, whatever was kept
        kept = clip[::len(clip) // len(frames)]
        psnr[label] = np.mean([_blurred_psnr(g, s.astype(np.float64)) for g, s in zip(frames, kept)])
    assert sizes["default"] < 0.7 * sizes["octree_fs"]
    assert psnr["default"] >= 36  # the bar for blurred PSNR


def test_adaptive_palette_keeps_octree_for_a_duotone_and_coverage_for_a_rainbow():
    from cppn_motion.encoders import gif_methods

    ramp = np.linspace(0, 1, 96)[None, :, None]
    duotone = np.broadcast_to(ramp * [230, 60, 120] + (1 - ramp) * [20, 40, 140], (54, 96, 3)).astype(np.uint8)
    hue = np.linspace(0, 1, 96)[None, :] + np.linspace(0, 0.5, 54)[:, None]
    rainbow = (127.5 + 127.5 * np.cos(2 * np.pi * (hue[..., None] + [0, 1 / 3, 2 / 3]))).astype(np.uint8)
    rainbow = rainbow + np.random.default_rng(0).integers(0, 24, rainbow.shape, dtype=np.uint8)
    octree = gif_methods._adaptive(duotone, 64, Image.Quantize.FASTOCTREE)
    assert gif_methods._adaptive_palette(duotone, 64).getpalette() == octree.getpalette()
    coverage = gif_methods._coverage_palette(rainbow, 64)
    assert gif_methods._adaptive_palette(rainbow, 64).getpalette() == coverage.getpalette()
