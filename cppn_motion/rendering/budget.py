"""Up-front memory estimate for a render, so a size that cannot fit is refused with
numbers before any compute starts instead of dying mid-clip. Pure arithmetic."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from cppn_motion.colour.mapping import output_channels
from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.nets.coords import feature_count
from cppn_motion.nets.mlp import ROWS_PER_CHUNK
from cppn_motion.rendering.device import available_memory

FLOAT = 4  # bytes per float32

# Bytes per pixel of one frame in flight: raw outputs (C floats), the colour stage's
# temporaries (standardised, squashed, rgb, clamped: ~4 x 3 floats), uint8 on the
# device and its host copy (2 x 3 bytes).
COLOUR_TEMPS = 4 * 3 * FLOAT
UINT8_COPIES = 2 * 3

# Refuse only when the estimate exceeds this share of free memory: the estimate
# leaves out the Python/torch baseline and allocator slack.
HEADROOM = 0.9


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a render needs, by part (one frame per batch: the smallest it can go)."""

    weights: int      # every weight set the timeline keeps, plus one batch of per-frame weights
    coords: int       # the coordinate grid and its features, kept for the whole clip
    frame: int        # one frame in flight through the colour stage and to the host
    hidden: int       # chunked hidden activations (independent of the frame size)
    writer: int       # what the writer keeps (a GIF keeps every palettised frame until the end)

    @property
    def total(self) -> int:
        return self.weights + self.coords + self.frame + self.hidden + self.writer

    def parts(self) -> str:
        named = [("weights", self.weights), ("coordinates", self.coords), ("one frame", self.frame),
                 ("gif frames", self.writer)]
        return ", ".join(f"{name} {gib(size)}" for name, size in named if size >= 2**20)


def parameter_count(preset: Preset) -> int:
    """Weights and biases of the MLP the preset describes (as nets/mlp.py lays them out)."""
    net = preset.net
    inputs = feature_count(preset.inputs.features) + (2 if preset.inputs.time else 0) + preset.latent.dim
    sizes = [inputs] + [net.width] * net.depth + [output_channels(preset.colour)]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def estimate(preset: Preset, kind: str = "mp4", frames: int | None = None) -> MemoryEstimate:
    """What rendering `preset` to a `kind` ('mp4', 'gif', 'png') needs at batch size 1;
    `frames`: how many frames a GIF writer keeps, when not the whole clip (a shard's)."""
    width, height = preset.canvas.width, preset.canvas.height
    pixels = width * height
    params = parameter_count(preset)
    motion = preset.timeline.weights
    # Weight sets the timeline holds: the base, plus K keyframe sets, two perturbation directions,
    # or a (cos, sin) pair per noise harmonic (motion/timeline.py).
    sets = {"none": 1, "keyframes": motion.keyframes, "perturb": 3, "noise": 1 + 2 * motion.harmonics}[motion.mode]
    per_frame_weights = 0 if motion.mode == "none" else 1
    weights = (sets + per_frame_weights) * params * FLOAT
    # make_grid's (P, 2) grid and the (P, F) features exist together while the scene is built.
    coords = pixels * (2 + feature_count(preset.inputs.features)) * FLOAT
    frame = pixels * (output_channels(preset.colour) * FLOAT + COLOUR_TEMPS + UINT8_COPIES)
    # Two live activations per chunk, plus one matmul temporary.
    hidden = 3 * ROWS_PER_CHUNK * preset.net.width * FLOAT
    frames = 1 if kind == "png" else preset.timeline.frames if frames is None else frames
    writer = pixels * frames if kind == "gif" else 0
    return MemoryEstimate(weights, coords, frame, hidden, writer)


def check_memory(preset: Preset, kind: str, device: torch.device, free: int | None = None,
                 frames: int | None = None) -> MemoryEstimate:
    """Raise UserError when the render cannot fit in the device's free memory; else the estimate."""
    need = estimate(preset, kind, frames)
    free = available_memory(device) if free is None else free
    if need.total > HEADROOM * free:
        canvas = preset.canvas
        hint = "use a smaller --size"
        if need.writer > need.total / 2:
            hint = "write an .mp4 instead (a GIF keeps every frame until the end), or use fewer frames or a smaller --size"
        elif need.weights > need.total / 2:
            hint = "use a smaller net.width or net.depth, or fewer timeline.weights.keyframes"
        raise UserError(
            f"{canvas.width}x{canvas.height} {kind} needs about {gib(need.total)} of memory "
            f"({need.parts()}) but only {gib(free)} is free on {device}; {hint}"
        )
    return need


def gib(size: int | float) -> str:
    if size >= 2**30:
        return f"{size / 2**30:.1f} GiB"
    return f"{size / 2**20:.0f} MiB"
