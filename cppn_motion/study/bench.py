"""Stage benchmark: our render path against the same network computed plainly (one frame at a
time, whole-frame fp32 layers) inside this process. This in-process baseline runs at about half
the plain script's speed (bench/RESULTS.md), so its ratios are stage speed-ups, not what a user
gains: bench_process.py times whole commands against the plain script for that. Timing and
orchestration only; cli/bench.py and bench/run.py print the tables."""
from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from cppn_motion.config.presets import load_preset
from cppn_motion.config.schema import Preset
from cppn_motion.nets import ARCHITECTURES
from cppn_motion.rendering.feed import use_device_yuv
from cppn_motion.rendering.output import encoder_options, resolve_output
from cppn_motion.rendering.pipeline import usable_cores
from cppn_motion.rendering.scene import Scene, build_scene, iter_frames
from cppn_motion.rendering.tuning import Tuning
from cppn_motion.rendering.write import write_clip
from cppn_motion.scale.parallel_encode import resolve_encoders, write_clip_segments
from cppn_motion.study.bench_baseline import Baseline, baseline_for, write_baseline


@dataclass(frozen=True)
class Workload:
    """A standard network at a standard size; `arch` must be registered to run."""

    name: str
    width: int
    height: int
    overrides: dict = field(default_factory=dict)
    arch: str = "mlp"

    def preset(self, frames: int) -> Preset:
        # rgb colour, as when the numbers in bench/RESULTS.md were taken: the default preset's
        # palette would also change the colour stage (and keep MLPs off the fused GPU kernel).
        values = {"canvas.width": self.width, "canvas.height": self.height, "timeline.frames": frames,
                  "net.arch": self.arch, "colour.mode": "rgb", **self.overrides}
        return load_preset("default", values)


# The default preset is the standard CPPN: 8 hidden layers x 32 tanh, x/y/r + 8 latent inputs.
WORKLOADS: dict[str, Workload] = {
    "mlp8x32-360p": Workload("mlp8x32-360p", 640, 360),
    "mlp8x32-1080p": Workload("mlp8x32-1080p", 1920, 1080),
    "conv10-360p": Workload("conv10-360p", 640, 360, {"net.depth": 10}, arch="conv"),
}
QUICK_WORKLOADS = ("mlp8x32-360p",)


# ---------------------------------------------------------------------------
# Measurements


@dataclass
class Row:
    """One measured stage of one workload."""

    workload: str
    stage: str
    pixels_per_frame: int
    ours_fps: float | None
    baseline_fps: float | None = None
    note: str = ""

    @property
    def ours_mpx(self) -> float | None:
        return None if self.ours_fps is None else self.ours_fps * self.pixels_per_frame / 1e6

    @property
    def ratio(self) -> float | None:
        if self.ours_fps is None or not self.baseline_fps:
            return None
        return self.ours_fps / self.baseline_fps


@dataclass
class Settings:
    frames: int = 16            # frames per timed run (files and batched stages)
    baseline_frames: int = 4    # the baseline is slow: fewer frames, same per-frame rate
    repeats: int = 3
    x264_preset: str = "medium"
    precision: str = "auto"
    stages: tuple[str, ...] = ("net", "render", "mp4", "gif")
    device_yuv: bool | None = None  # MP4 frames to yuv420p on the render device (None: the render default)
    encoders: int | None = 1    # parallel MP4 segment encoders (None: auto, as the render command)


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls (after none: the first call is timed too, as a user sees it)."""
    times = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def alternating_medians(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median wall time of each function, timed in turns (a, b, a, b, ...): on a shared machine
    the load swings within seconds, and turns expose both sides to the same swings, so their
    ratio is steadier than that of two back-to-back runs."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(max(1, repeats)):
        for fn, spent in zip(fns, times):
            started = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in times]


def _rates(ours: Callable[[], object], ours_frames: int, baseline: Callable[[], object] | None,
           baseline_frames: int, repeats: int) -> tuple[float, float | None]:
    """(ours, baseline) frames per second, the two timed in turns; baseline None: not timed."""
    if baseline is None:
        return ours_frames / median_seconds(ours, repeats), None
    ours_seconds, baseline_seconds = alternating_medians([ours, baseline], repeats)
    return ours_frames / ours_seconds, baseline_frames / baseline_seconds


def matmul_gflops(size: int = 1024, repeats: int = 3, dtype: torch.dtype = torch.float32) -> float:
    """Dense square matmul rate of this machine, for context."""
    a = torch.randn(size, size).to(dtype)
    a @ a  # warm-up: first call loads kernels
    seconds = median_seconds(lambda: a @ a, repeats)
    return 2 * size**3 / seconds / 1e9


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads){gpu}"


def _scene_for(workload: Workload, frames: int, device: str, precision: str) -> Scene:
    # Through the preset, so the colour calibration is measured at the same precision.
    return build_scene(workload.preset(frames).with_overrides({"net.precision": precision}), device)


def run_workload(workload: Workload, settings: Settings, device: str = "cpu",
                 report: Callable[[Row], None] | None = None) -> list[Row]:
    """Every stage of one workload; rows are also passed to `report` as they finish."""
    pixels = workload.width * workload.height
    if workload.arch not in ARCHITECTURES:
        row = Row(workload.name, "all", pixels, None, note=f"skipped: architecture '{workload.arch}' is not registered")
        if report:
            report(row)
        return [row]
    rows: list[Row] = []
    scene = _scene_for(workload, settings.frames, device, settings.precision)
    stages = [(_net_row, "net"), (_render_row, "render"), (_file_row, "mp4"), (_file_row, "gif")]
    with tempfile.TemporaryDirectory(prefix="cppn_motion-bench-") as folder:
        timed = Timed(workload, scene, baseline_for(scene), settings, Path(folder))
        for measure, stage in stages:
            if stage in settings.stages:
                rows.append(measure(timed, stage))
                if report:
                    report(rows[-1])
    return rows


@dataclass
class Timed:
    """What every stage measurement needs: the workload, our scene, the in-process baseline
    (None where it does not cover the net), the settings and a scratch folder."""

    workload: Workload
    scene: Scene
    baseline: Baseline | None
    settings: Settings
    folder: Path

    @property
    def pixels(self) -> int:
        return self.workload.width * self.workload.height

    @property
    def indices(self) -> list[int]:
        return list(range(self.settings.frames))

    @property
    def few(self) -> int:
        return min(self.settings.baseline_frames, self.settings.frames)

    def sync(self) -> None:
        if self.scene.device.type == "cuda":
            torch.cuda.synchronize()

    def rates(self, ours: Callable[[], object], baseline: Callable[[], object]) -> tuple[float, float | None]:
        return _rates(ours, self.settings.frames, baseline if self.baseline is not None else None, self.few,
                      self.settings.repeats)


def _net_row(timed: Timed, stage: str) -> Row:
    """Raw network outputs, batched, against the baseline's one frame at a time."""
    scene, indices = timed.scene, timed.indices
    scene.raw_at(scene.timeline.phases(indices)[:1])  # warm-up (allocator, kernels)

    def ours() -> None:
        for batch in iter_batches(indices, timed.settings):
            scene.raw_at(scene.timeline.phases(batch))
        timed.sync()

    def base() -> None:
        for i in range(timed.few):
            timed.baseline.raw_frame(i)
        timed.sync()

    return Row(timed.workload.name, "net", timed.pixels, *timed.rates(ours, base))


def _render_row(timed: Timed, stage: str) -> Row:
    """uint8 frames in memory (colour, dither, quantise included)."""
    def base() -> None:
        for i in range(timed.few):
            timed.baseline.frame(i)

    ours_fps, base_fps = timed.rates(lambda: [None for _ in iter_frames(timed.scene, timed.indices)], base)
    return Row(timed.workload.name, "render uint8", timed.pixels, ours_fps, base_fps)


def _file_row(timed: Timed, kind: str) -> Row:
    """A whole file (`kind` mp4 or gif) through the render command's writers."""
    scene, settings = timed.scene, timed.settings
    preset = scene.preset.with_overrides({"output.x264_preset": settings.x264_preset})
    encoders = resolve_encoders(settings.encoders, kind="mp4", frames=settings.frames, device_type=scene.device.type,
                                cores=usable_cores())
    yuv = use_device_yuv(scene.device, encoder_options(preset).pix_fmt == "yuv420p", settings.device_yuv)
    out = resolve_output(preset, timed.folder / f"ours.{kind}")

    def ours() -> None:
        if kind == "mp4" and encoders > 1:
            write_clip_segments(scene, out, encoders, tuning=Tuning(device_yuv=settings.device_yuv))
            return
        with out.open() as writer:
            if kind == "mp4":  # the render command's pipeline (yuv420p on the device, pinned copies)
                write_clip(scene, writer, timed.indices, device_yuv=settings.device_yuv)
            else:
                for batch in iter_frames(scene, timed.indices):
                    writer.write(batch)

    def base() -> None:
        write_baseline(timed.baseline, timed.folder / f"baseline.{kind}", timed.few, preset.timeline.fps,
                       preset.output.crf, settings.x264_preset)

    note = (f"x264 {settings.x264_preset}, {'yuv420p from the device' if yuv else 'rgb24 pipe'}, "
            f"{encoders} encoder{'s' if encoders > 1 else ''}") if kind == "mp4" else "per-frame palettes, dithered"
    return Row(timed.workload.name, f"{kind} file", timed.pixels, *timed.rates(ours, base), note=note)


def iter_batches(indices: list[int], settings: Settings, size: int = 8) -> list[list[int]]:
    return [indices[i:i + size] for i in range(0, len(indices), size)]


def format_table(rows: list[Row]) -> str:
    """A Markdown table: one line per workload and stage."""
    lines = ["| workload | stage | ours frames/s | ours Mpx/s | in-process baseline frames/s | stage speed-up | note |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        def num(value: float | None, digits: int = 2) -> str:
            return "-" if value is None else f"{value:.{digits}f}"
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
        lines.append(f"| {row.workload} | {row.stage} | {num(row.ours_fps)} | {num(row.ours_mpx)} | "
                     f"{num(row.baseline_fps)} | {ratio} | {row.note} |")
    return "\n".join(lines)


def still_peak_rss(width: int, height: int, overrides: dict | None = None, device: str = "cpu") -> int:
    """Peak resident memory (bytes) of a fresh process that renders one still of the default
    preset at this size (the whole process, so imports and torch count too)."""
    import json
    import resource
    import subprocess
    import sys

    values = {"canvas.width": width, "canvas.height": height, **(overrides or {})}
    script = ("import json, sys; import cppn_motion as cm; "
              "cm.render_still(cm.load_preset('default', json.loads(sys.argv[1])), device=sys.argv[2])")
    subprocess.run([sys.executable, "-c", script, json.dumps(values), device], check=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux reports KiB
