"""Where a CPU render's time goes, against the plain script: the budget behind issue 15's ratios.

Measures, on this machine, each piece of `cppn-motion render default` at 640x360 in CPU
milliseconds a frame (process CPU time, so both chunk workers count), and the plain script's,
then predicts the whole-process ratio the pieces allow on this machine's cores:

    python bench/cpu_budget.py                  # float32, the default
    python bench/cpu_budget.py --precision fast

Pieces: the network alone (the chunk loop with a consumer that keeps nothing), the network with
the colour stage and dither (the renderer's real chunk path), x264 on the same frames (ffmpeg's
CPU, read from the children's rusage), start-up (interpreter + imports + scene, as whole
processes) and the plain script (a whole process at two frame counts: the slope is its CPU a
frame, the intercept its start-up). Timing only; bench/RESULTS.md interprets it."""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from cppn_motion.config.presets import load_preset
from cppn_motion.rendering.output import resolve_output
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study.bench_process import PEER_SCRIPT

FRAMES = 24
BATCH = 4


def cpu_ms_per_frame(works: list, frames: int, repeats: int = 7) -> list[float]:
    """Median process CPU milliseconds a frame of each `work()` (each renders `frames` frames), the
    works run in turns so a difference between them is not a drift of the machine."""
    for work in works:
        work()  # warm-up: oneDNN builds its kernels on first use
    spent: list[list[float]] = [[] for _ in works]
    for _ in range(repeats):
        for work, times in zip(works, spent):
            started = time.process_time()
            work()
            times.append((time.process_time() - started) * 1000 / frames)
    return [statistics.median(times) for times in spent]


def network_pieces(precision: str) -> tuple[float, float, torch.Tensor]:
    """CPU ms a frame of the network alone and of network + colour + dither, and the frames."""
    preset = load_preset("default", [f"net.precision={precision}"])
    scene = build_scene(preset)
    scene.dither = True  # as for an MP4
    phases = [scene.timeline.phases(list(range(start, start + BATCH))) for start in range(0, FRAMES, BATCH)]
    inputs = [scene.timeline.inputs_at(phase) for phase in phases]

    def network() -> None:
        for frame_inputs in inputs:
            scene.net.forward_chunks(scene.coords, frame_inputs.frame_features, frame_inputs.weights,
                                     lambda start, raw: None)

    frames: list[torch.Tensor] = []

    def render() -> None:
        frames[:] = [scene.render_phases(phase) for phase in phases]

    with torch.no_grad():
        network_ms, render_ms = cpu_ms_per_frame([network, render], FRAMES)
    return network_ms, render_ms, torch.cat(frames)


def x264_ms_per_frame(frames: torch.Tensor) -> float:
    """ffmpeg's CPU ms a frame (children's rusage) writing these frames as the render does."""
    preset = load_preset("default")
    with tempfile.TemporaryDirectory() as folder:
        out = resolve_output(preset, Path(folder) / "x.mp4")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with out.open() as writer:
            writer.write(frames.numpy())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return spent * 1000 / frames.shape[0]


def whole_seconds(command: list[str], repeats: int = 3) -> float:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    spent = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def plain_line(folder: str) -> tuple[float, float]:
    """The plain script's (start-up s, wall ms a frame) from whole runs of 8 and 48 frames."""
    run = [sys.executable, str(PEER_SCRIPT), "--size", "640x360", "-o", f"{folder}/plain.mp4", "--frames"]
    short, long = whole_seconds(run + ["8"]), whole_seconds(run + ["48"])
    per_frame = (long - short) / 40
    return short - 8 * per_frame, per_frame * 1000


def ours_startup(folder: str, precision: str) -> float:
    """Our whole-process seconds for one frame (interpreter, imports, scene, encoder open/close)."""
    return whole_seconds([sys.executable, "-m", "cppn_motion", "render", "default", "--frames", "1",
                          "--set", f"net.precision={precision}", "-o", f"{folder}/one.mp4", "--quiet"])


def utilisation(folder: str, precision: str, frames: int = 150) -> tuple[float, float]:
    """(wall s, share of the cores busy) of one whole render: its CPU (with ffmpeg's) over
    wall x cores. Well below 1 means idle cores, which better overlap could use."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = whole_seconds([sys.executable, "-m", "cppn_motion", "render", "default", "--frames", str(frames),
                          "--set", f"net.precision={precision}", "-o", f"{folder}/clip.mp4", "--quiet"], repeats=1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu / (wall * len(os.sched_getaffinity(0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="fp32", help="net.precision for our pieces (fp32, fast)")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    network, render, frames = network_pieces(args.precision)
    x264 = x264_ms_per_frame(frames)
    with tempfile.TemporaryDirectory() as folder:
        plain_start, plain_frame = plain_line(folder)
        our_start = ours_startup(folder, args.precision)
        wall, busy = utilisation(folder, args.precision)
    ours_frame = (render + x264) / cores
    print(f"CPU ms a 640x360 frame ({args.precision}, {cores} cores, load {os.getloadavg()[0]:.1f}):")
    print(f"| network | colour + dither | x264 | ours, wall a frame on {cores} cores | plain script, wall a frame |")
    print("|---|---|---|---|---|")
    print(f"| {network:.1f} | {render - network:.1f} | {x264:.1f} | {ours_frame:.1f} | {plain_frame:.1f} |")
    print(f"start-up, whole process: ours {our_start:.2f} s (one frame), plain {plain_start:.2f} s")
    print(f"a whole 150-frame render: {wall:.2f} s, cores busy {100 * busy:.0f}% of the time (CPU incl. ffmpeg / wall x cores)")
    for frames_count in (48, 150):
        predicted = (plain_start + frames_count * plain_frame / 1000) / (our_start + frames_count * ours_frame / 1000)
        print(f"{frames_count} frames: the pieces allow {predicted:.2f}x (if encode and render overlap perfectly)")


if __name__ == "__main__":
    main()
