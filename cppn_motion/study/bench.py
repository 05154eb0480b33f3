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
from torch.nn import functional as F

from cppn_motion.colour.mapping import quantize, to_rgb
from cppn_motion.config.presets import load_preset
from cppn_motion.config.schema import Preset
from cppn_motion.nets import ARCHITECTURES
from cppn_motion.nets.activations import Mixed
from cppn_motion.nets.conv import ConvNet
from cppn_motion.nets.conv_layout import Conv, margin_and_dilation
from cppn_motion.nets.design_grid import resize_output, sample_field, working_grid
from cppn_motion.nets.spatial_norm import STD_FLOOR, central_crop
from cppn_motion.rendering.feed import use_device_yuv
from cppn_motion.rendering.output import encoder_options, resolve_output
from cppn_motion.rendering.pipeline import usable_cores
from cppn_motion.rendering.scene import Scene, build_scene, iter_frames
from cppn_motion.rendering.tuning import Tuning
from cppn_motion.rendering.write import write_clip
from cppn_motion.scale.parallel_encode import resolve_encoders, write_clip_segments


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
# The baseline: what a straightforward implementation does.


class Baseline(nn.Module):
    """What every baseline shares: raw outputs of one frame, then the same colour stage as ours."""

    scene: Scene

    def raw_frame(self, index: int) -> Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def frame(self, index: int) -> np.ndarray:
        width, height = self.scene.size
        rgb = to_rgb(self.raw_frame(index), self.scene.preset.colour, self.scene.calibration)
        return quantize(rgb).view(height, width, 3).cpu().numpy()  # includes the copy to host


class BaselineMLP(Baseline):
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


class BaselineConv(Baseline):
    """The plain `conv` architecture (a stack of k x k conv layers, then the 1x1 head) the
    straightforward way: one frame at a time, fp32, F.conv2d, then spatial normalisation as
    its own out-of-place step, then the activation module, over the whole frame.

    Same network as ours: the frame's weights from the timeline, the design-grid field with
    its extrapolated margin (nets/design_grid.py), the net's frozen statistics (or each
    frame's own under norm.stats 'frame'). Only layouts made of plain conv layers are
    covered; nin, vgg, inception and residual get no baseline (`baseline_for` gives None)."""

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        if not covers_conv(scene.net):
            raise ValueError("BaselineConv covers layouts of plain conv layers only")
        self.scene = scene

    @torch.no_grad()
    def raw_frame(self, index: int) -> Tensor:
        """Raw outputs (P, C) of one frame."""
        scene, net = self.scene, self.scene.net
        width, height = scene.render_size
        inputs = scene.timeline.inputs_at(scene.timeline.phases([index]))
        weights = [w[0] for w in inputs.weights]  # this frame's set, without the frame dimension
        density, grid = working_grid((height, width), net.config.design_size)
        margin, _ = margin_and_dilation(net.layers, density)
        # The field: coordinate features as images on the working grid plus the margin, and the
        # frame's time/latent values as constant channels.
        image = sample_field(scene.coords.t().reshape(1, -1, height, width), grid, margin)
        constant = inputs.frame_features[0].to(image.dtype)[None, :, None, None].expand(1, -1, *image.shape[-2:])
        h = torch.cat([image, constant], dim=1)
        cursor, stats = 0, 0
        for layer_index, conv in enumerate(net.layers):
            h = F.conv2d(h, weights[cursor], weights[cursor + 1], dilation=density)
            cursor += 2
            if conv.norm and net.norm_enabled:
                mean, std = self._statistics(h, stats, grid)
                h = (h - mean) / std * net.norm.scale + weights[cursor][None, :, None, None]
                cursor, stats = cursor + 1, stats + 1
            if conv.maxout:
                first, second = h.chunk(2, dim=1)
                h = torch.maximum(first, second)
            if conv.act:
                act = net.activations[layer_index]
                h = act(h.movedim(1, -1)).movedim(-1, 1) if isinstance(act, Mixed) else act(h)
        out = resize_output(F.conv2d(h, weights[-2], weights[-1]), (height, width))
        return out[0].permute(1, 2, 0).reshape(height * width, -1)

    def _statistics(self, h: Tensor, layer: int, grid: tuple[int, int]) -> tuple[Tensor, Tensor]:
        """The net's frozen (mean, std) of this layer, or this frame's own over the visible region."""
        net = self.scene.net
        if net.norm.has_frozen and net.stats != "frame":
            return net.norm.frozen[layer]
        var, mean = torch.var_mean(central_crop(h, grid), dim=(2, 3), keepdim=True, correction=0)
        return mean, var.sqrt().clamp_min(STD_FLOOR)


def covers_conv(net: nn.Module) -> bool:
    """Whether BaselineConv computes this net: a ConvNet whose layers are all plain convs."""
    return isinstance(net, ConvNet) and all(isinstance(layer, Conv) for layer in net.layers)


def baseline_for(scene: Scene) -> Baseline | None:
    """The straightforward implementation of this scene's network, None where there is none."""
    if scene.net.spec.arch == "mlp":
        return BaselineMLP(scene)
    if covers_conv(scene.net):
        return BaselineConv(scene)
    return None


def write_baseline(baseline: Baseline, path: Path, frames: int, fps: float, crf: int, x264_preset: str) -> None:
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

    def emit(row: Row) -> None:
        rows.append(row)
        if report:
            report(row)

    frames = settings.frames
    scene = _scene_for(workload, frames, device, settings.precision)
    baseline = baseline_for(scene)
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

        def base_net() -> None:
            for i in range(few):
                baseline.raw_frame(i)
            sync()

        ours_fps, base = _rates(ours_net, frames, base_net if baseline is not None else None, few, settings.repeats)
        emit(Row(workload.name, "net", pixels, ours_fps, base))

    if "render" in settings.stages:
        def base_render() -> None:
            for i in range(few):
                baseline.frame(i)

        ours_fps, base = _rates(lambda: [None for _ in iter_frames(scene, indices)], frames,
                                base_render if baseline is not None else None, few, settings.repeats)
        emit(Row(workload.name, "render uint8", pixels, ours_fps, base))

    with tempfile.TemporaryDirectory(prefix="cppn_motion-bench-") as folder:
        for kind in ("mp4", "gif"):
            if kind not in settings.stages:
                continue
            preset = scene.preset.with_overrides({"output.x264_preset": settings.x264_preset})
            encoders = resolve_encoders(settings.encoders, kind="mp4", frames=frames, device_type=scene.device.type,
                                        cores=usable_cores())
            yuv = use_device_yuv(scene.device, encoder_options(preset).pix_fmt == "yuv420p", settings.device_yuv)
            path = Path(folder) / f"ours.{kind}"

            out = resolve_output(preset, path)

            def ours_file() -> None:
                if kind == "mp4" and encoders > 1:
                    write_clip_segments(scene, out, encoders, tuning=Tuning(device_yuv=settings.device_yuv))
                    return
                with out.open() as writer:
                    if kind == "mp4":  # the render command's pipeline (yuv420p on the device, pinned copies)
                        write_clip(scene, writer, indices, device_yuv=settings.device_yuv)
                    else:
                        for batch in iter_frames(scene, indices):
                            writer.write(batch)

            target = Path(folder) / f"baseline.{kind}"

            def base_file() -> None:
                write_baseline(baseline, target, few, preset.timeline.fps, preset.output.crf, settings.x264_preset)

            ours_fps, base = _rates(ours_file, frames, base_file if baseline is not None else None, few,
                                    settings.repeats)
            emit(Row(workload.name, f"{kind} file", pixels, ours_fps, base,
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
