"""The fused kernel's self-check on a real GPU, once per activation the kernel knows.

For each activation: build the default preset at 640x360 with net.precision=fast, render a
batch of frames (the first call compiles the kernel variant and runs its self-check against the
torch path), then report whether the kernel stayed on, the first call's time, the steady rate,
and how the kernel's frames differ from the float32 torch path's (8-bit codes).

    python bench/kernel_check.py [--size 640x360] [--frames 8]
"""
from __future__ import annotations

import argparse
import time

import torch

from cppn_motion.config.presets import load_preset
from cppn_motion.nets.kernel_guard import GUARD
from cppn_motion.nets.kernels.triton_mlp import ACTIVATION_CODES
from cppn_motion.rendering.scene import build_scene


def timed(call):
    torch.cuda.synchronize()
    started = time.perf_counter()
    result = call()
    torch.cuda.synchronize()
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--frames", type=int, default=8)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    print(f"{torch.cuda.get_device_name()}; default preset at {args.size}, {args.frames} frames per call\n")
    print("| activation | kernel | first call s | frames/s (kernel) | frames/s (fp32 torch) | exact % | max codes |")
    print("|---|---|---|---|---|---|---|")
    failures = 0
    for activation in ACTIVATION_CODES:
        GUARD.reset()  # each activation gets its own verdict here
        preset = load_preset("default", {"canvas.width": width, "canvas.height": height,
                                         "net.activation": activation, "net.precision": "fast"})
        scene = build_scene(preset, "cuda", in_memory=True)
        phases = scene.timeline.phases(list(range(args.frames)))
        fast, first = timed(lambda: scene.render_phases(phases))
        _, steady = timed(lambda: scene.render_phases(phases))
        scene.net.use_kernel = False
        scene.render_phases(phases)  # warm the torch path too
        reference, torch_time = timed(lambda: scene.render_phases(phases))
        diff = (fast.int() - reference.int()).abs()
        state = "on" if GUARD.off_because is None else f"OFF: {GUARD.off_because}"
        failures += GUARD.off_because is not None
        print(f"| {activation} | {state} | {first:.2f} | {args.frames / steady:.0f} | {args.frames / torch_time:.0f} | "
              f"{float((diff == 0).float().mean()) * 100:.1f} | {int(diff.max())} |")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
