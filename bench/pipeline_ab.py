"""A/B of the MP4 pipeline's options in one process, interleaved round by round so machine load
hits all alike: the plain path (iter_frames -> writer.write, as before the pipeline), the
default pipeline, yuv420p made by torch on the CPU, and 2 parallel segment encoders.

    python bench/pipeline_ab.py mlp8x32-360p 32 7     # workload, frames, rounds
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cppn_motion.rendering.output import resolve_output
from cppn_motion.rendering.scene import build_scene, iter_frames
from cppn_motion.rendering.write import write_clip
from cppn_motion.scale.parallel_encode import write_clip_segments
from cppn_motion.study.bench import WORKLOADS

name, frames, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
preset = WORKLOADS[name].preset(frames)
scene = build_scene(preset, "cpu")
workspace = tempfile.TemporaryDirectory(prefix="cppn_motion-pipeline-ab-")  # removed at exit
folder = Path(workspace.name)
def old():
    with resolve_output(preset, folder / "a.mp4").open() as w:
        for b in iter_frames(scene):
            w.write(b)
def new(yuv):
    def run():
        with resolve_output(preset, folder / "b.mp4").open() as w:
            write_clip(scene, w, device_yuv=yuv)
    return run
def segs(n):
    return lambda: write_clip_segments(scene, resolve_output(preset, folder / f"s{n}.mp4"), n)
cases = {"plain path": old, "new default (rgb24, 1 enc)": new(None), "yuv420p on CPU": new(True), "2 encoders": segs(2)}
times = {k: [] for k in cases}
old()  # warm-up
for _ in range(rounds):
    for k, fn in cases.items():
        started = time.perf_counter()
        fn()
        times[k].append(time.perf_counter() - started)
base = statistics.median(times["plain path"])
for k, v in times.items():
    m = statistics.median(v)
    print(f"| {k} | {frames / m:.2f} | {base / m:.2f}x | {' '.join(f'{frames / x:.2f}' for x in v)} |")
