"""Throughput benchmark: our render path against a plain one-frame-at-a-time fp32 torch
baseline of the same network, in one process. Timing and orchestration only; the CLI
(cmd_bench.py) and bench/run.py print the table."""
from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import Tensor, nn

from .colour import quantize, to_rgb
from .config import Preset
from .presets import load_preset
from .render import Scene, build_scene, iter_frames


@dataclass(frozen=True)
class Workload:
    """A standard network at a standard size; `arch` must be registered to run."""

    name: str
    width: int
    height: int
    overrides: dict = field(default_factory=dict)
    arch: str = "mlp"

    def preset(self, frames: int) -> Preset:
        values = {"canvas.width": self.width, "canvas.height": self.height, "timeline.frames": frames,
                  "net.arch": self.arch, **self.overrides}
        return load_preset("default", values)


# The default preset is the standard CPPN: 8 hidden layers x 32 tanh, x/y/r + 8 latent inputs.
WORKLOADS: dict[str, Workload] = {
    "mlp8x32-360p": Workload("mlp8x32-360p", 640, 360),
    "mlp8x32-1080p": Workload("mlp8x32-1080p", 1920, 1080),
    "conv10-360p": Workload("conv10-360p", 640, 360, {"net.depth": 10}, arch="conv"),
}
QUICK_WORKLOADS = ("mlp8x32-360p",)


# ---------------------------------------------------------------------------
# The baseline: what a straightforward implementation does.


class BaselineMLP(nn.Module):
    """The same network as nn.Linear layers over the whole frame, fp32, one frame at a time."""

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        net = scene.net
        weights = net.base_weights  # (fan_in, fan_out), (fan_out,) per layer
        layers: list[nn.Module] = []
        for index in range(0, len(weights), 2):
            weight, bias = weights[index], weights[index + 1]
            linear = nn.Linear(weight.shape[0], weight.shape[1])
            with torch.no_grad():
                linear.weight.copy_(weight.T)
                linear.bias.copy_(bias)
            layers.append(linear)
            if index // 2 < net.spec.depth:
                layers.append(net.activations[index // 2])
        self.layers = nn.Sequential(*layers).to(scene.device)
        self.scene = scene

    @torch.no_grad()
    def raw_frame(self, index: int) -> Tensor:
        """Raw outputs (P, C) of one frame: inputs concatenated per pixel, whole-frame layers."""
        scene = self.scene
        inputs = scene.timeline.inputs_at(scene.timeline.phases([index]))
        features = inputs.frame_features[0].expand(scene.coords.shape[0], -1)
        return self.layers(torch.cat([scene.coords, features], dim=1))

    @torch.no_grad()
    def frame(self, index: int) -> np.ndarray:
        width, height = self.scene.size
        rgb = to_rgb(self.raw_frame(index), self.scene.preset.colour, self.scene.calibration)
        return quantize(rgb).view(height, width, 3).cpu().numpy()  # includes the copy to host


def write_baseline(baseline: BaselineMLP, path: Path, frames: int, fps: float, crf: int, x264_preset: str) -> None:
    """Render frame by frame and append through imageio's own writers, as most CPPN code does."""
    import imageio.v2 as imageio

    if path.suffix == ".gif":
        writer = imageio.get_writer(path, mode="I", duration=1000 / fps, loop=0)
    else:
        writer = imageio.get_writer(path, fps=fps, codec="libx264", quality=None, macro_block_size=1,
                                    output_params=["-crf", str(crf), "-preset", x264_preset])
    try:
        for index in range(frames):
            writer.append_data(baseline.frame(index))
    finally:
        writer.close()


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
    scene = build_scene(workload.preset(frames), device)
    if hasattr(scene.net, "precision"):
        scene.net.precision = precision
    return scene


def run_workload(workload: Workload, settings: Settings, device: str = "cpu",
                 report: Callable[[Row], None] | None = None) -> list[Row]:
    """Every stage of one workload; rows are also passed to `report` as they finish."""
    from .api import encoder_options, metadata_for, write_clip, write_clip_segments
    from .encoders import open_writer
    from .feed import use_device_yuv
    from .nets import ARCHITECTURES
    from .parallel_encoders import resolve_encoders
    from .pipeline import usable_cores

    pixels = workload.width * workload.height
    if workload.arch not in ARCHITECTURES:
        row = Row(workload.name, "all", pixels, None, note=f"skipped: architecture '{workload.arch}' is not registered")
        if report:
            report(row)
        return [row]
    rows: list[Row] = []

    def emit(row: Row) -> None:
        rows.append(row)
        if report:
            report(row)

    frames = settings.frames
    scene = _scene_for(workload, frames, device, settings.precision)
    baseline = BaselineMLP(scene) if workload.arch == "mlp" else None
    few = min(settings.baseline_frames, frames)
    indices = list(range(frames))

    def sync() -> None:
        if scene.device.type == "cuda":
            torch.cuda.synchronize()

    if "net" in settings.stages:
        phases = scene.timeline.phases(indices)
        scene.raw_at(phases[:1])  # warm-up (allocator, kernels)

        def ours_net() -> None:
            for batch in iter_batches(indices, settings):
                scene.raw_at(scene.timeline.phases(batch))
            sync()

        seconds = median_seconds(ours_net, settings.repeats)
        base = None
        if baseline is not None:
            def base_net() -> None:
                for i in range(few):
                    baseline.raw_frame(i)
                sync()

            base = few / median_seconds(base_net, settings.repeats)
        emit(Row(workload.name, "net", pixels, frames / seconds, base))

    if "render" in settings.stages:
        seconds = median_seconds(lambda: [None for _ in iter_frames(scene, indices)], settings.repeats)
        base = None
        if baseline is not None:
            base = few / median_seconds(lambda: [baseline.frame(i) for i in range(few)], settings.repeats)
        emit(Row(workload.name, "render uint8", pixels, frames / seconds, base))

    with tempfile.TemporaryDirectory(prefix="cppn_motion-bench-") as folder:
        for kind in ("mp4", "gif"):
            if kind not in settings.stages:
                continue
            preset = scene.preset.with_overrides({"output.x264_preset": settings.x264_preset})
            encoders = resolve_encoders(settings.encoders, kind="mp4", frames=frames, device_type=scene.device.type,
                                        cores=usable_cores())
            yuv = use_device_yuv(scene.device, encoder_options(preset).pix_fmt == "yuv420p", settings.device_yuv)
            path = Path(folder) / f"ours.{kind}"

            def ours_file() -> None:
                if kind == "mp4" and encoders > 1:
                    write_clip_segments(scene, path, encoders, fps=preset.timeline.fps,
                                        options=encoder_options(preset), metadata=metadata_for(preset),
                                        device_yuv=settings.device_yuv)
                    return
                writer = open_writer(path, fps=preset.timeline.fps, size=scene.size,
                                     options=encoder_options(preset), metadata=metadata_for(preset))
                with writer:
                    if kind == "mp4":  # the render command's pipeline (yuv420p on the device, pinned copies)
                        write_clip(scene, writer, indices, device_yuv=settings.device_yuv)
                    else:
                        for batch in iter_frames(scene, indices):
                            writer.write(batch)

            seconds = median_seconds(ours_file, settings.repeats)
            base = None
            if baseline is not None:
                target = Path(folder) / f"baseline.{kind}"
                base_seconds = median_seconds(
                    lambda: write_baseline(baseline, target, few, preset.timeline.fps, preset.output.crf,
                                           settings.x264_preset), settings.repeats)
                base = few / base_seconds
            emit(Row(workload.name, f"{kind} file", pixels, frames / seconds, base,
                     note=(f"x264 {settings.x264_preset}, {'yuv420p from the device' if yuv else 'rgb24 pipe'}, "
                           f"{encoders} encoder{'s' if encoders > 1 else ''}") if kind == "mp4"
                     else "per-frame palettes, dithered"))
    return rows


def iter_batches(indices: list[int], settings: Settings, size: int = 8) -> list[list[int]]:
    return [indices[i:i + size] for i in range(0, len(indices), size)]


def format_table(rows: list[Row]) -> str:
    """A Markdown table: one line per workload and stage."""
    lines = ["| workload | stage | ours frames/s | ours Mpx/s | baseline frames/s | ratio | note |",
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
