"""MP4 banding with and without the sub-LSB dither, per quality level: PSNR of box-blurred
decoded frames against the renderer's float frames, mean colour error, and file size.

    python bench/dither_study.py [--size 320x180] [--frames 12] [--preset default]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import imageio_ffmpeg
import numpy as np

import cppn_motion as cm
from cppn_motion.rendering.output import encoder_options
from cppn_motion.rendering.scene import build_scene

BLUR = 4


def box_blur(image: np.ndarray, k: int = BLUR) -> np.ndarray:
    summed = np.pad(image.astype(np.float64), ((1, 0), (1, 0), (0, 0))).cumsum(0).cumsum(1)
    return (summed[k:, k:] - summed[:-k, k:] - summed[k:, :-k] + summed[:-k, :-k]) / k**2


def decoded(path: Path) -> np.ndarray:
    # Decode with the BT.709 matrix the encoder used (swscale assumes BT.601 otherwise).
    reader = imageio_ffmpeg.read_frames(str(path), output_params=["-vf", "scale=in_color_matrix=bt709:in_range=tv"])
    meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader]
    return np.stack(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--levels", default="draft,standard,high,archival")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    preset = cm.load_preset(args.preset, {"canvas.width": width, "canvas.height": height,
                                          "timeline.frames": args.frames})
    scene = build_scene(preset, "cpu")
    truth = scene.render_rgb(scene.timeline.phases(list(range(args.frames)))).numpy() * 255.0
    print(f"clip: preset {args.preset}, {width}x{height}, {args.frames} frames; PSNR of {BLUR}x{BLUR} "
          "box-blurred decoded frames vs the float render\n")
    print("| quality | pix_fmt | dither | PSNR dB | mean error (codes) | size KiB |")
    print("|---|---|---|---|---|---|")
    for quality in args.levels.split(","):
        for dither in (False, True):
            chosen = preset.with_overrides({"output.quality": quality, "output.dither": dither})
            with tempfile.TemporaryDirectory() as folder:
                path = cm.render(chosen, Path(folder) / "clip.mp4", device="cpu", sidecar=False)
                size = path.stat().st_size
                # ffmpeg decodes to 8-bit RGB here: what a player shows on an 8-bit screen.
                video = decoded(path).astype(np.float64)
            mse = np.mean([np.mean((box_blur(v) - box_blur(t)) ** 2) for v, t in zip(video, truth)])
            bias = float(np.abs((video - truth).mean(axis=(0, 1, 2))).max())
            print(f"| {quality} | {encoder_options(chosen).pix_fmt} | {'on' if dither else 'off'} | "
                  f"{10 * np.log10(255**2 / mse):.1f} | {bias:.2f} | {size / 1024:.0f} |", flush=True)


if __name__ == "__main__":
    main()
