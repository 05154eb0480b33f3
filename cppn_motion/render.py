"""The renderer: a preset becomes a `Scene` on a device, which turns batches of frame
indices (or phases) into uint8 RGB frames. Pure computation: no files, no progress bars."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import torch
from torch import Tensor

from .colour import Calibration, linear_colour_map, output_channels, quantize, to_rgb
from .config import Preset
from .coords import coordinate_features, feature_count, make_grid
from .device import frames_per_batch, resolve_device
from .nets import FieldNet, NetSpec, build_net
from .timeline import Timeline

# The colour calibration renders this many frames at this size (shorter side, pixels).
# The proxy depends only on the aspect ratio, never on the output size, so a preview
# and a 4K render of one preset get the same statistics and the same colours.
PROXY_FRAMES = 8
PROXY_SHORT_SIDE = 64

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
    )


@dataclass
class Scene:
    """Everything needed to render any frame of a preset on one device."""

    preset: Preset
    device: torch.device
    net: FieldNet
    timeline: Timeline
    coords: Tensor            # (H*W, F) on device
    calibration: Calibration

    @property
    def size(self) -> tuple[int, int]:
        return self.preset.canvas.width, self.preset.canvas.height

    @torch.no_grad()
    def raw_at(self, phase: Tensor, coords: Tensor | None = None, shape: tuple[int, int] | None = None) -> Tensor:
        """Raw net outputs (B, P, C) at these phases."""
        inputs = self.timeline.inputs_at(phase)
        coords = self.coords if coords is None else coords
        shape = (self.preset.canvas.height, self.preset.canvas.width) if shape is None else shape
        return self.net(coords, inputs.frame_features, inputs.weights, shape)

    @torch.no_grad()
    def render_phases(self, phase: Tensor) -> Tensor:
        """uint8 frames (B, H, W, 3) on the device."""
        width, height = self.size
        fused = getattr(self.net, "fused_uint8", None)
        if fused is not None and self.device.type == "cuda":
            inputs = self.timeline.inputs_at(phase)
            frames = fused(self.coords, inputs.frame_features, inputs.weights,
                           linear_colour_map(self.preset.colour, self.calibration))
            if frames is not None:  # the kernel wrote uint8 with the colour stage folded in
                return frames.view(phase.shape[0], height, width, 3)
        batch, pixels = phase.shape[0], self.coords.shape[-2]
        # Only nets that compute each pixel on its own (MLPs) can be cut into pixel tiles;
        # the calibration is frozen, so tiles give exactly the untiled frame.
        step = max(1, TILE_PIXELS // batch) if getattr(self.net, "pixelwise", False) else pixels
        if step >= pixels:
            rgb = to_rgb(self.raw_at(phase), self.preset.colour, self.calibration)
            return quantize(rgb).view(batch, height, width, 3)
        frames = torch.empty(batch, pixels, 3, dtype=torch.uint8, device=self.device)
        for start in range(0, pixels, step):
            raw = self.raw_at(phase, self.coords[..., start:start + step, :], (height, width))
            frames[:, start:start + step] = quantize(to_rgb(raw, self.preset.colour, self.calibration))
        return frames.view(batch, height, width, 3)

    def render_indices(self, indices: Iterable[int]) -> Tensor:
        return self.render_phases(self.timeline.phases(list(indices)))


def build_scene(preset: Preset, device: str | torch.device = "auto") -> Scene:
    """Build the net, timeline, coordinate field and colour calibration for a preset."""
    device = resolve_device(device)
    net = build_net(net_spec(preset)).to(device)
    net.base_weights = [w.to(device) for w in net.base_weights]
    timeline = Timeline(preset, net, device)
    canvas = preset.canvas
    grid = make_grid(canvas.width, canvas.height, canvas.scale, tuple(canvas.center), device=device)
    coords = coordinate_features(grid, preset.inputs.features, preset.inputs.feature_scale).contiguous()
    scene = Scene(preset, device, net, timeline, coords,
                  Calibration.identity(net.spec.out_channels, device))
    if preset.colour.normalize:
        scene.calibration = measure_calibration(scene)
    return scene


def proxy_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) of the calibration proxy: PROXY_SHORT_SIDE on the shorter side, same aspect."""
    if width <= height:
        return PROXY_SHORT_SIDE, max(1, round(PROXY_SHORT_SIDE * height / width))
    return max(1, round(PROXY_SHORT_SIDE * width / height)), PROXY_SHORT_SIDE


def measure_calibration(scene: Scene) -> Calibration:
    """Output statistics over a small proxy render of frames spread across the clip."""
    preset = scene.preset
    canvas = preset.canvas
    proxy_w, proxy_h = proxy_size(canvas.width, canvas.height)
    grid = make_grid(proxy_w, proxy_h, canvas.scale, tuple(canvas.center), device=scene.device)
    coords = coordinate_features(grid, preset.inputs.features, preset.inputs.feature_scale)
    # Phases spread evenly over the loop, independent of the clip's frame count.
    phase = torch.arange(PROXY_FRAMES, dtype=torch.float64) / PROXY_FRAMES
    raw = scene.raw_at(phase, coords, (proxy_h, proxy_w))
    return Calibration.measure(raw)


ProgressFn = Callable[[int], None]


def iter_frames(scene: Scene, indices: Iterable[int] | None = None, batch_size: int | None = None,
                progress: ProgressFn | None = None) -> Iterator[np.ndarray]:
    """Yield uint8 batches (B, H, W, 3) on the host for the given frame indices (all by default).

    Frames are produced batch by batch and never collected, so memory does not grow
    with the clip's length. On a GPU out-of-memory error the batch is halved and retried.
    """
    order = list(range(scene.preset.timeline.frames)) if indices is None else list(indices)
    width, height = scene.size
    batch = frames_per_batch(scene.device, width, height, scene.net.spec.out_channels, batch_size)
    start = 0
    while start < len(order):
        chunk = order[start:start + batch]
        try:
            frames = scene.render_indices(chunk)
        except torch.cuda.OutOfMemoryError:
            if batch == 1:
                raise
            torch.cuda.empty_cache()
            batch = max(1, batch // 2)
            continue
        yield frames.cpu().numpy()
        start += len(chunk)
        if progress is not None:
            progress(len(chunk))
