"""Seconds per frame of the conv10-360p network, every path timed in turns in one process
(so a shared machine's load swings hit all alike): the plain baseline, the plain path (this
code with the fold, channels-last and fused conv switched off; in-place steps stay) and the
current path, 1 and 4 frames a call.

    PYTHONPATH=$PWD python bench/conv_paths.py [ROUNDS]
"""
from __future__ import annotations

import contextlib
import statistics
import sys
import time
from typing import Callable, Iterator

from cppn_motion.nets import conv as conv_module
from cppn_motion.nets.spatial_norm import SpatialNorm
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study import bench


@contextlib.contextmanager
def plain_path() -> Iterator[None]:
    """No fold, NCHW fields, conv then a separate activation."""
    saved = (conv_module.fused_conv, conv_module.channels_last_on_cpu, SpatialNorm.fold)
    conv_module.fused_conv = lambda *args: None
    conv_module.channels_last_on_cpu = lambda h: h
    SpatialNorm.fold = lambda self, *args: None
    try:
        yield
    finally:
        conv_module.fused_conv, conv_module.channels_last_on_cpu, SpatialNorm.fold = saved


def main(rounds: int) -> None:
    scene = build_scene(bench.WORKLOADS["conv10-360p"].preset(4), "cpu")
    baseline = bench.BaselineConv(scene)

    def ours(frames: int, plain: bool) -> Callable[[], object]:
        def run() -> None:
            with plain_path() if plain else contextlib.nullcontext():
                scene.raw_at(scene.timeline.phases(list(range(frames))))
        return run

    cases = {"baseline, 1 frame": (lambda: baseline.raw_frame(0), 1),
             "current, 1 frame": (ours(1, False), 1), "current, 4 frames": (ours(4, False), 4),
             "plain path, 1 frame": (ours(1, True), 1), "plain path, 4 frames": (ours(4, True), 4)}
    for fn, _ in cases.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (fn, frames) in cases.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) / frames)
    for name, spent in times.items():
        print(f"{name:22s} median {statistics.median(spent):.3f} s/frame ({', '.join(f'{t:.2f}' for t in spent)})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
