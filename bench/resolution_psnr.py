"""Resolution independence check for conv presets: PSNR between the 1920x1080 still,
box-downsampled 6x, and the 320x180 preview of the same preset at the same moment.

    python bench/resolution_psnr.py nin_look vgg_look inception_look
"""
from __future__ import annotations

import sys
import time

import numpy as np

from cppn_motion import load_preset, render_still

PHASE = 0.25


def main(names: list[str]) -> None:
    for name in names:
        preset = load_preset(name)
        small = render_still(preset.with_overrides({"canvas.width": 320, "canvas.height": 180}), PHASE)
        started = time.perf_counter()
        big = render_still(preset.with_overrides({"canvas.width": 1920, "canvas.height": 1080}), PHASE)
        seconds = time.perf_counter() - started
        down = big.astype(np.float64).reshape(180, 6, 320, 6, 3).mean(axis=(1, 3))
        mse = ((down - small.astype(np.float64)) ** 2).mean()
        print(f"{name}: PSNR {10 * np.log10(255.0 ** 2 / mse):.1f} dB (1080p still {seconds:.1f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["nin_look", "vgg_look", "inception_look"])
