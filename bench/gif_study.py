"""Measure GIF methods on rendered clips: banding (PSNR of box-blurred frames against the
source frames the GIF kept), flicker (extra frame-to-frame change), file size and time.
Prints a markdown table.

    python bench/gif_study.py [--size 320x180] [--frames 150] [--presets sin_waves,default,ink]
        [--methods octree_fs,coverage_fs] [--max-fps 0,15]   # 0: every frame
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

import cppn_motion as cm
from cppn_motion.config.schema import Output
from cppn_motion.encoders import EncoderOptions, open_writer
from cppn_motion.encoders.gif import frame_step
from cppn_motion.encoders.gif_methods import GIF_METHODS

BLUR = 4  # the eye averages dither over a few pixels: compare k x k box means


def box_blur(image: np.ndarray, k: int = BLUR) -> np.ndarray:
    summed = np.pad(image.astype(np.float64), ((1, 0), (1, 0), (0, 0))).cumsum(0).cumsum(1)
    return (summed[k:, k:] - summed[:-k, k:] - summed[k:, :-k] + summed[:-k, :-k]) / k**2


def decode(path: Path) -> list[np.ndarray]:
    frames = []
    with Image.open(path) as image:
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")))
    return frames


def measure(clip: np.ndarray, fps: float, options: EncoderOptions) -> dict[str, float]:
    height, width = clip.shape[1:3]
    step = frame_step(fps, options.gif_max_fps)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "study.gif"
        started = time.perf_counter()
        with open_writer(path, fps=fps, size=(width, height), options=options) as writer:
            writer.write(clip)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
        gif = np.stack(decode(path))
    clip = clip[::step]  # the frames the GIF kept
    mse = np.mean([np.mean((box_blur(g) - box_blur(s)) ** 2) for g, s in zip(gif, clip)])
    source_change = np.abs(np.diff(clip.astype(np.int16), axis=0)).mean()
    gif_change = np.abs(np.diff(gif.astype(np.int16), axis=0)).mean()
    return {"psnr": float(10 * np.log10(255**2 / mse)), "flicker": float(gif_change - source_change),
            "kib": size / 1024, "ms_per_frame": 1000 * seconds / len(clip)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presets", default="sin_waves,default,ink")
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--methods", default=",".join(GIF_METHODS))
    parser.add_argument("--max-fps", default="0,15", help="comma-separated gif_max_fps values; 0 = every frame")
    parser.add_argument("--optimize", default="no", help="no, yes or both")
    parser.add_argument("--colors", type=int, default=Output().gif_colors, help="default: output.gif_colors's")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    optimizes = {"no": (False,), "yes": (True,), "both": (False, True)}[args.optimize]
    print(f"clips {args.presets}, {width}x{height}, {args.frames} frames, {args.colors} colours; PSNR of {BLUR}x{BLUR} box-blurred "
          "frames vs source; flicker = extra mean |frame change| in codes\n")
    print("| preset | method | max fps | optimize | PSNR dB | flicker | size KiB | ms/frame |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.presets.split(","):
        preset = cm.load_preset(name, {"canvas.width": width, "canvas.height": height,
                                       "timeline.frames": args.frames})
        clip = cm.render_array(preset, device="cpu")
        fps = min(preset.timeline.fps, 50)
        for method in args.methods.split(","):
            for cap in (float(v) for v in args.max_fps.split(",")):
                for optimize in optimizes:
                    options = EncoderOptions(gif_method=method, gif_optimize=optimize, gif_max_fps=cap or None,
                                             gif_colors=args.colors)
                    result = measure(clip, fps, options)
                    print(f"| {name} | {method} | {cap or fps:g} | {'yes' if optimize else 'no'} | "
                          f"{result['psnr']:.1f} | {result['flicker']:.2f} | {result['kib']:.0f} | "
                          f"{result['ms_per_frame']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
