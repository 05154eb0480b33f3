"""The renderer: a preset becomes a `Scene` on a device, which turns batches of frame
indices (or phases) into uint8 RGB frames. Pure computation: no files, no progress bars."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import torch
from torch import Tensor

from cppn_motion.colour.dither import dither_rows, frame_keys
from cppn_motion.colour.mapping import (
    Calibration,
    encode,
    linear_colour_map,
    output_channels,
    quantize,
    to_rgb,
)
from cppn_motion.config.schema import Preset
from cppn_motion.errors import OutputError
from cppn_motion.motion.camera import apply_camera
from cppn_motion.motion.timeline import Timeline
from cppn_motion.nets import FieldNet, NetSpec, build_net
from cppn_motion.nets.coords import Grid, coordinate_features, feature_count, make_grid
from cppn_motion.nets.mlp import MLP, kernel_wanted
from cppn_motion.nets.readout_growth import Readout
from cppn_motion.rendering.budget import check_memory
from cppn_motion.rendering.device import frames_per_batch, resolve_device
from cppn_motion.rendering.hooks import Progress
from cppn_motion.rendering.numerics import (
    NonFiniteWarning,
    clamp_nonfinite,
    full_float32,
    nonfinite_message,
)
from cppn_motion.rendering.supersample import downsample_linear

# The colour calibration renders this many frames at this size (shorter side, pixels).
# The proxy depends only on the aspect ratio, never on the output size, so a preview
# and a 4K render of one preset get the same statistics and the same colours.
PROXY_FRAMES = 8
PROXY_SHORT_SIDE = 64
# ...but at most this many pixels: a 16384x2 strip would otherwise get a 524288x64 proxy
# (10 GB, a minute) for a 32k-pixel frame. 64 x 1024 keeps every aspect up to 16:1 as it was.
PROXY_MAX_PIXELS = 64 * 1024

# Per-pixel nets render big frames in tiles of at most this many pixel-frames, so the
# colour stage's float temporaries (~40 B a pixel) stay ~50 MB whatever the frame size;
# an 8K still then needs its coordinates and uint8 image, not ten full-size float copies.
TILE_PIXELS = 1 << 20


def net_spec(preset: Preset) -> NetSpec:
    net = preset.net
    return NetSpec(
        arch=net.arch,
        coord_features=feature_count(preset.inputs.features),
        frame_features=(2 if preset.inputs.time else 0) + preset.latent.dim,
        out_channels=output_channels(preset.colour),
        depth=net.depth,
        width=net.width,
        activation=net.activation,
        mixed=list(net.mixed),
        init_scheme=net.init.scheme,
        init_gain=net.init.gain,
        init_std=net.init.std,
        bias_std=net.init.bias_std,
        seed=preset.seed,
        config=net,
    )


@dataclass
class Scene:
    """Everything needed to render any frame of a preset on one device."""

    preset: Preset
    device: torch.device
    net: FieldNet
    timeline: Timeline
    coords: Tensor            # (H*W, F) on device; (k*H * k*W, F) with canvas.supersample k
    calibration: Calibration
    grid: Grid | None = None  # the field the coords were made from; the camera moves it per frame
    dither: bool = False      # TPDF dither before 8-bit quantisation (dither.py)
    nonfinite: int = 0        # NaN/inf network outputs clamped so far (see numerics.py)

    @property
    def size(self) -> tuple[int, int]:
        return self.preset.canvas.width, self.preset.canvas.height

    @property
    def render_size(self) -> tuple[int, int]:
        """(width, height) of the sample grid the net evaluates: size x canvas.supersample."""
        factor = self.preset.canvas.supersample
        return self.preset.canvas.width * factor, self.preset.canvas.height * factor

    @property
    def frame_weight_bytes(self) -> int:
        """Bytes of weights each frame of a batch gets for itself (0 when the weights hold still):
        a batch of a wide net with moving weights must be sized by them, not by its pixels."""
        if self.preset.timeline.weights.mode == "none":
            return 0
        return sum(w.numel() * w.element_size() for w in self.net.base_weights)

    def batch_size(self, requested: int | None = None) -> int:
        """Frames to render at once on this scene's device (frames_per_batch, weights counted)."""
        width, height = self.render_size
        return frames_per_batch(self.device, width, height, self.net.spec.out_channels, requested,
                                per_frame_bytes=self.frame_weight_bytes)

    def coords_at(self, phase: Tensor, coords: Tensor, grid: Grid | None) -> Tensor:
        """The shared (P, F) coords when the camera is still, else per-frame (B, P, F) coords."""
        camera = self.timeline.camera_at(phase)
        scales = self.timeline.feature_scales(phase)
        if scales is not None:
            scales = (scales / self.preset.inputs.feature_scale).to(coords.device, torch.float32)[:, None, None]
        if camera is None or grid is None:
            return coords if scales is None else coords * scales
        inputs = self.preset.inputs
        moved = coordinate_features(apply_camera(grid, camera), inputs.features, inputs.feature_scale)
        return (moved if scales is None else moved * scales).contiguous()

    @torch.no_grad()
    def raw_at(self, phase: Tensor, coords: Tensor | None = None, shape: tuple[int, int] | None = None, *,
               grid: Grid | None = None, depth: int | None = None,
               adjust_weights: Callable[[list[Tensor]], list[Tensor]] | None = None,
               layer_gains: list[float] | None = None, readout: Readout | None = None) -> Tensor:
        """Raw net outputs (B, P, C) at these phases. `depth` truncates the net, `layer_gains`
        makes its layers residual with these gains, `readout` makes it a readout-growth net and
        `adjust_weights` rewrites the frame's weights (depth and width growth)."""
        inputs = self.timeline.inputs_at(phase)
        weights = inputs.weights if adjust_weights is None else adjust_weights(inputs.weights)
        if coords is None:
            coords, grid = self.coords, self.grid
        coords = self.coords_at(phase, coords, grid)
        shape = (self.render_size[1], self.render_size[0]) if shape is None else shape
        # Only pass depth when asked, so architectures without it still render full clips.
        extra: dict = {} if depth is None else {"depth": depth}
        if layer_gains is not None:
            extra["layer_gains"] = layer_gains
        if readout is not None:
            extra["readout"] = readout
        with full_float32(self.device):
            raw, bad = clamp_nonfinite(self.net(coords, inputs.frame_features, weights, shape, **extra))
        self._count_nonfinite(bad, raw.numel())
        return raw

    def _count_nonfinite(self, bad: int, total: int) -> None:
        if bad:
            if not self.nonfinite:  # warn once per scene; the count keeps growing
                warnings.warn(nonfinite_message(bad, total), NonFiniteWarning, stacklevel=3)
            self.nonfinite += bad

    @torch.no_grad()
    def render_rgb(self, phase: Tensor, rows: tuple[int, int] | None = None) -> Tensor:
        """Float frames (B, h, W, 3) in [0, 1] on the device, averaged over supersamples:
        whole frames, or only output rows [start, stop) (a band, for bounded memory)."""
        canvas = self.preset.canvas
        factor = canvas.supersample
        width, height = self.render_size
        if rows is None or tuple(rows) == (0, canvas.height):
            coords, grid, band_height = self.coords, self.grid, height
        else:
            start, stop = rows
            grid = make_grid(width, height, canvas.scale, tuple(canvas.center), device=self.device,
                             rows=(start * factor, stop * factor))
            coords = coordinate_features(grid, self.preset.inputs.features, self.preset.inputs.feature_scale)
            band_height = (stop - start) * factor
        raw = self.raw_at(phase, coords.contiguous(), (band_height, width), grid=grid)
        colours = self.timeline.colours_at(phase)
        if colours is None:
            rgb = to_rgb(raw, self.preset.colour, self.calibration)
        else:  # keyframed colour: each frame has its own parameters
            rgb = torch.stack([to_rgb(raw[i], colour, self.calibration) for i, colour in enumerate(colours)])
        return downsample_linear(rgb.view(phase.shape[0], band_height, width, 3), factor)

    @torch.no_grad()
    def render_phases(self, phase: Tensor) -> Tensor:
        """uint8 frames (B, H, W, 3) on the device."""
        width, height = self.size
        batch = phase.shape[0]
        fused = self._fused_frames(phase)
        if fused is None:
            fused = self._chunked_frames(phase)
        if fused is not None:
            return fused
        # Only nets that compute each pixel on its own (MLPs) can be cut into bands of rows;
        # the calibration is frozen, so bands give exactly the whole frame.
        rows = height
        if getattr(self.net, "pixelwise", False):
            rows = max(1, TILE_PIXELS // (batch * width * self.preset.canvas.supersample ** 2))
        if rows >= height:
            return encode(self.render_rgb(phase), phase, self.preset.seed, dither=self.dither)
        frames = torch.empty(batch, height, width, 3, dtype=torch.uint8, device=self.device)
        for start in range(0, height, rows):
            stop = min(height, start + rows)
            frames[:, start:stop] = encode(self.render_rgb(phase, (start, stop)), phase, self.preset.seed,
                                           dither=self.dither, pixel_offset=start * width)
        return frames

    def _fused_frames(self, phase: Tensor) -> Tensor | None:
        """uint8 frames from the fused GPU kernel, when it covers this render: CUDA, shared
        coordinates (no camera or input-scale motion), plain colour, no supersampling or dither."""
        fused = getattr(self.net, "fused_uint8", None)
        if (fused is None or self.device.type != "cuda" or self.dither or self.preset.canvas.supersample != 1
                or self.timeline.camera_at(phase) is not None or self.timeline.feature_scales(phase) is not None
                or self.timeline.colours_at(phase) is not None):
            return None
        inputs = self.timeline.inputs_at(phase)
        frames = fused(self.coords, inputs.frame_features, inputs.weights,
                       linear_colour_map(self.preset.colour, self.calibration))
        if frames is None:  # the kernel does not cover this net or colour mode
            return None
        width, height = self.size
        return frames.view(phase.shape[0], height, width, 3)

    def _chunked_frames(self, phase: Tensor) -> Tensor | None:
        """uint8 frames (B, H, W, 3) with the colour stage and quantisation run on each chunk of
        pixels as the net's CPU workers finish it (MLP.forward_chunks), while it is in cache and
        on both cores, instead of over whole float frames afterwards: the same operations on the
        same values, so the same codes. CPU, per-pixel nets, one colour for the batch, no supersampling."""
        forward_chunks = getattr(self.net, "forward_chunks", None)
        if (forward_chunks is None or self.device.type != "cpu" or self.preset.canvas.supersample != 1
                or self.timeline.colours_at(phase) is not None):
            return None
        batch = phase.shape[0]
        width, height = self.size
        moving = self.timeline.camera_at(phase) is not None or self.timeline.feature_scales(phase) is not None
        if moving and batch * width * height > TILE_PIXELS:
            return None  # per-frame coordinates of the whole batch would be big: render in bands
        inputs = self.timeline.inputs_at(phase)
        coords = self.coords_at(phase, self.coords, self.grid)
        frames = torch.empty(batch, height * width, 3, dtype=torch.uint8)
        keys = frame_keys(phase, self.preset.seed) if self.dither else None
        colour, calibration = self.preset.colour, self.calibration
        bad: list[int] = []

        def consume(start: int, raw: Tensor) -> None:
            raw, count = clamp_nonfinite(raw)
            if count:
                bad.append(count)
            rgb = to_rgb(raw, colour, calibration)
            frames[:, start:start + raw.shape[1]] = quantize(rgb) if keys is None else dither_rows(rgb, keys, start)

        forward_chunks(coords, inputs.frame_features, inputs.weights, consume)
        self._count_nonfinite(sum(bad), batch * height * width * self.net.spec.out_channels)
        return frames.view(batch, height, width, 3)

    def render_indices(self, indices: Iterable[int]) -> Tensor:
        return self.render_phases(self.timeline.phases(list(indices)))


def build_scene(preset: Preset, device: str | torch.device = "auto", *, in_memory: bool = False) -> Scene:
    """Build the net, timeline, coordinate field and colour calibration for a preset.

    `in_memory`: the frames go to the caller, not an encoder, so speed shows: there
    `net.precision: auto` lets the fused CUDA kernel run (nets/mlp.py PRECISIONS)."""
    device = resolve_device(device)
    # Every path that renders (grow, compare, --reroll's proxies, the notebook API) builds a
    # scene: refuse here, with the estimate, what would die in the allocator (or swap for minutes).
    check_memory(preset, "png", device)
    net = build_net(net_spec(preset)).to(device)
    if isinstance(net, MLP):
        net.use_kernel = kernel_wanted(net.precision, in_memory)
    net.base_weights = [w.to(device) for w in net.base_weights]
    timeline = Timeline(preset, net, device)
    canvas = preset.canvas
    factor = canvas.supersample
    grid = make_grid(canvas.width * factor, canvas.height * factor, canvas.scale, tuple(canvas.center), device=device)
    coords = coordinate_features(grid, preset.inputs.features, preset.inputs.feature_scale).contiguous()
    # Per-clip statistics inside the net (conv nets' spatial normalization) come before the
    # colour calibration, which measures the net's final outputs.
    with full_float32(device):
        net.freeze_statistics(timeline.inputs_at, coords, (canvas.height * factor, canvas.width * factor))
    scene = Scene(preset, device, net, timeline, coords,
                  Calibration.identity(net.spec.out_channels, device), grid)
    if preset.colour.normalize:
        scene.calibration = measure_calibration(scene)
    return scene


def proxy_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) of the calibration proxy: PROXY_SHORT_SIDE on the shorter side, same aspect,
    shrunk (same aspect) to at most PROXY_MAX_PIXELS for very thin canvases."""
    ratio = max(width, height) / min(width, height)
    short = max(1, min(PROXY_SHORT_SIDE, int((PROXY_MAX_PIXELS / ratio) ** 0.5)))
    long = max(1, min(round(short * ratio), PROXY_MAX_PIXELS // short))
    return (short, long) if width <= height else (long, short)


def proxy_field(scene: Scene) -> tuple[Tensor, Tensor, tuple[int, int], Grid]:
    """The calibration proxy: (phases, coords, (height, width), grid) of a small render of
    PROXY_FRAMES frames spread evenly over the loop, independent of the clip's frame count."""
    preset = scene.preset
    canvas = preset.canvas
    proxy_w, proxy_h = proxy_size(canvas.width, canvas.height)
    grid = make_grid(proxy_w, proxy_h, canvas.scale, tuple(canvas.center), device=scene.device)
    coords = coordinate_features(grid, preset.inputs.features, preset.inputs.feature_scale)
    phase = torch.arange(PROXY_FRAMES, dtype=torch.float64) / PROXY_FRAMES
    return phase, coords, (proxy_h, proxy_w), grid


def measure_calibration(scene: Scene, **raw_options) -> Calibration:
    """Output statistics over a small proxy render of frames spread across the clip.
    `raw_options` go to Scene.raw_at (growth measures each truncated net this way)."""
    phase, coords, shape, grid = proxy_field(scene)
    return Calibration.measure(scene.raw_at(phase, coords, shape, grid=grid, **raw_options))


ProgressFn = Progress


def iter_frames(scene: Scene, indices: Iterable[int] | None = None, batch_size: int | None = None,
                progress: ProgressFn | None = None) -> Iterator[np.ndarray]:
    """Yield uint8 batches (B, H, W, 3) on the host for the given frame indices (all by default).

    Frames are produced batch by batch and never collected, so memory does not grow
    with the clip's length. On a GPU out-of-memory error the batch is halved and retried.
    Each array is the caller's own (writers that stream into ffmpeg use feed.py instead,
    which reuses host buffers).
    """
    for chunk, frames in iter_device_batches(scene, indices, batch_size):
        yield frames.cpu().numpy()
        if progress is not None:
            progress(len(chunk))


def iter_device_batches(scene: Scene, indices: Iterable[int] | None = None,
                        batch_size: int | None = None) -> Iterator[tuple[list[int], Tensor]]:
    """(frame indices, uint8 frames (B, H, W, 3) on the device), batch by batch, in the given order.

    On a GPU out-of-memory error the batch is halved and retried.
    """
    order = list(range(scene.preset.timeline.frames)) if indices is None else list(indices)
    width, height = scene.render_size
    batch = scene.batch_size(batch_size)
    start = 0
    while start < len(order):
        chunk = order[start:start + batch]
        try:
            frames = scene.render_indices(chunk)
        except torch.cuda.OutOfMemoryError as exc:
            if batch == 1:
                raise OutputError(
                    f"out of GPU memory even at one frame per batch ({width}x{height}, {scene.device}); "
                    "use a smaller --size, free the GPU, or use --device cpu"
                ) from exc
            torch.cuda.empty_cache()
            batch = max(1, batch // 2)
            continue
        yield chunk, frames
        start += len(chunk)
