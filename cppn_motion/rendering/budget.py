"""Up-front memory estimate for a render, so a size that cannot fit is refused with
numbers before any compute starts instead of dying mid-clip. Pure arithmetic."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from cppn_motion.colour.mapping import output_channels
from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.nets.conv import CLIP_STAT_PHASES
from cppn_motion.nets.conv_layout import build_layout, conv_ops, margin_and_dilation, out_channels
from cppn_motion.nets.coords import feature_count
from cppn_motion.nets.design_grid import design_shape, working_grid
from cppn_motion.nets.mlp import ROWS_PER_CHUNK
from cppn_motion.rendering.device import available_memory

FLOAT = 4  # bytes per float32

# Bytes per pixel of one frame in flight: raw outputs (C floats), the colour stage's
# temporaries (standardised, squashed, rgb, clamped: ~4 x 3 floats), uint8 on the
# device and its host copy (2 x 3 bytes).
COLOUR_TEMPS = 4 * 3 * FLOAT
UINT8_COPIES = 2 * 3

# Working copies of the weights a forward pass makes besides the stored set (measured on CPU,
# width 1024 x depth 16: peak memory grew by ~3x the weights' size): the tanh-as-sigmoid fold
# and the transposed contiguous copy the fused layers take.
WEIGHT_COPIES = 2
# Floats a conv layer keeps live per channel and grid point (input, conv output, normalised).
# Checked on CPU against peak memory growth over an MLP still (/usr/bin/time, default sizes):
# seed_1x100_relu 2.3 GiB estimated / 1.5 GB measured, seed_10x10_relu 255 / 225 MB,
# vgg_look 107 / 165 MB: an order of magnitude, not the byte.
CONV_LIVE = 3
# The colour calibration renders this many phases at once on the proxy (rendering/scene.py).
CALIBRATION_PHASES = 8
# A band of rows is at least this tall (nets/conv.py: _band_rows) ...
BAND_MIN_ROWS = 16
# ... and aims at this many bytes (nets/conv.py: BAND_BYTES).
BAND_BYTES = 1 << 28

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
    field: int = 0    # a conv net's padded evaluation grid and its live layers (0 for MLPs)

    @property
    def total(self) -> int:
        return self.weights + self.coords + self.frame + self.hidden + self.writer + self.field

    def parts(self) -> str:
        named = [("weights", self.weights), ("coordinates", self.coords), ("one frame", self.frame),
                 ("conv layers", self.field), ("gif frames", self.writer)]
        return ", ".join(f"{name} {gib(size)}" for name, size in named if size >= 2**20)


def conv_ops_of(layers: list) -> list:
    return [conv for layer in layers for conv in conv_ops(layer)]


def _inputs(preset: Preset) -> int:
    return feature_count(preset.inputs.features) + (2 if preset.inputs.time else 0) + preset.latent.dim


def parameter_count(preset: Preset) -> int:
    """Weights and biases of the net the preset describes (as nets/mlp.py and nets/conv.py lay them out)."""
    net = preset.net
    if net.arch != "mlp":
        layers = build_layout(net.arch, _inputs(preset), net)
        head = (out_channels(layers[-1]) + 1) * output_channels(preset.colour)
        return sum((conv.cin * conv.k * conv.k + 2) * conv.conv_out for conv in conv_ops_of(layers)) + head
    sizes = [_inputs(preset)] + [net.width] * net.depth + [output_channels(preset.colour)]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def conv_field(preset: Preset) -> int:
    """Bytes a conv net's evaluation needs beyond the frame: the padded field (the frame's grid, or
    the design grid it is measured on, extended by the receptive-field radius, which doubles with
    every pool) and the live layers over it: a band of rows with frozen statistics, the whole grid
    with per-frame ones or while the clip's statistics are measured (CLIP_STAT_PHASES at once)."""
    net = preset.net
    if net.arch == "mlp":
        return 0
    inputs = _inputs(preset)
    layers = build_layout(net.arch, inputs, net)
    convs = conv_ops_of(layers)
    widest = max([inputs, out_channels(layers[-1])] + [conv.conv_out for conv in convs])
    live = CONV_LIVE * widest * FLOAT  # bytes per grid point
    factor = preset.canvas.supersample
    shape = (preset.canvas.height * factor, preset.canvas.width * factor)
    density, (rows, cols) = working_grid(shape, net.design_size)
    margin, _ = margin_and_dilation(layers, density)
    padded_cols = cols + 2 * margin
    grid = (rows + 2 * margin) * padded_cols
    whole = grid * live
    band = max(BAND_BYTES, padded_cols * (BAND_MIN_ROWS + 2 * margin) * live)
    frame = whole if net.norm.stats == "frame" else min(whole, band)
    # Measuring happens on the design grid (density 1), all phases at once, unbanded: the net's
    # own statistics (clip: CLIP_STAT_PHASES), then the colour calibration (at least the design grid).
    design_rows, design_cols = design_shape(shape, net.design_size)
    design_margin, _ = margin_and_dilation(layers, 1)
    design = (design_rows + 2 * design_margin) * (design_cols + 2 * design_margin) * live
    phases = 0
    if net.norm.enabled and net.norm.stats != "frame":
        phases = CLIP_STAT_PHASES if net.norm.stats == "clip" else 1
    if preset.colour.normalize:
        phases = max(phases, CALIBRATION_PHASES)
    return grid * inputs * FLOAT + max(frame, phases * design)


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
    weights = (sets + per_frame_weights + WEIGHT_COPIES) * params * FLOAT
    # make_grid's (P, 2) grid and the (P, F) features exist together while the scene is built.
    coords = pixels * (2 + feature_count(preset.inputs.features)) * FLOAT
    frame = pixels * (output_channels(preset.colour) * FLOAT + COLOUR_TEMPS + UINT8_COPIES)
    # Two live activations per chunk, plus one matmul temporary.
    hidden = 3 * ROWS_PER_CHUNK * preset.net.width * FLOAT
    frames = 1 if kind == "png" else preset.timeline.frames if frames is None else frames
    writer = pixels * frames if kind == "gif" else 0
    return MemoryEstimate(weights, coords, frame, hidden, writer, conv_field(preset))


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
        elif need.field > need.total / 2:
            hint = ("use a smaller --size or net.design_size, a canvas nearer to square, or fewer pool layers "
                    "(each doubles the border a conv net pads the frame with)")
        elif need.weights > need.total / 2:
            hint = "use a smaller net.width or net.depth, or fewer timeline.weights.keyframes"
        raise UserError(
            f"{canvas.width}x{canvas.height} {kind} needs about {gib(need.total)} of memory "
            f"({need.parts()}) but only {gib(free)} is free on {device}; {hint}"
        )
    return need


def gib(size: int | float) -> str:
    if size >= 2**50:  # a receptive field that doubles with every pool reaches absurd sizes
        return f"{size / 2**50:.3g} PiB"
    if size >= 2**40:
        return f"{size / 2**40:.1f} TiB"
    if size >= 2**30:
        return f"{size / 2**30:.1f} GiB"
    return f"{size / 2**20:.0f} MiB"
