"""A preset baked into the numbers a shader needs: packed weights, a table of per-moment values
over the loop, and the frozen colour calibration. Pure computation (torch -> numpy).

The shader computes the CPU's per-pixel function; everything that depends only on the moment
(latent path, time channels, camera, keyframed colour and input scales, weight motion) is
evaluated here by the CPU's own timeline at `samples + 1` evenly spaced phases, so every latent
path, easing and weight mode is covered without porting it to GLSL. Every frame of the clip
falls on a sample, where the page uses the table's values exactly; between samples it
interpolates linearly."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from cppn_motion.config.schema import Preset
from cppn_motion.errors import ConfigError
from cppn_motion.nets.activations import Mixed
from cppn_motion.rendering.scene import Scene, build_scene, proxy_size

# Table rows per loop at least this many (a whole multiple of the clip's frames, so frames hit
# rows exactly): linear interpolation between rows then stays within ~1e-4 of the path for
# slow-motion playback, far below a code of 8-bit colour.
MIN_SAMPLES = 240

# A weight tensor's motion over the loop is stored as mean + sum_r coef_r(phase) * basis_r
# (its SVD): perturb and noise motion are exactly rank 2 per harmonic, keyframes rank <= keys-1.
# Components below this fraction of the largest singular value are rounding noise.
RANK_TOLERANCE = 1e-6
# Rows of a tensor's motion used to find its basis (see _low_rank).
PROBE_ROWS = 48

# Per-moment values besides the latent features, in table column order.
CAMERA_COLUMNS = ("log_zoom", "rotation", "pan_x", "pan_y")
COLOUR_COLUMNS = ("contrast", "saturation", "hue_shift", "palette_shift")


@dataclass(frozen=True)
class Layer:
    """One dense layer in the packed buffer: `inputs` -> `outputs`, weights then bias, in vec4 texels."""

    inputs: int
    outputs: int
    weight_texel: int             # first texel of the weights: output j, input group g at + j * groups + g
    bias_texel: int               # first texel of the bias: outputs 4q..4q+3 at + q
    activations: list[tuple[str, int, int]] = field(default_factory=list)  # (name, start, stop); [] for the head

    @property
    def groups(self) -> int:
        return math.ceil(self.inputs / 4)


@dataclass(frozen=True)
class Motion:
    """The moving part of the packed buffer: floats [start, stop) = mean + table columns . basis."""

    start: int
    stop: int
    mean: np.ndarray    # (stop - start,) float32
    basis: np.ndarray   # (rank, stop - start) float32
    column: int         # the first of `rank` coefficient columns in the table


@dataclass
class Baked:
    """Everything the shader and the page need, as plain numbers."""

    preset: Preset
    layers: list[Layer]
    params: np.ndarray                  # packed weights, float32, 4 floats a texel (the moving parts: their mean)
    features: list[str]
    feature_count: int                  # per-pixel inputs (x, y, r, ...), before the frame features
    frame_features: int                 # time channels + latent entries
    samples: int                        # the table has samples + 1 rows, at phases k / samples
    table: np.ndarray                   # (samples + 1, columns) float32
    columns: dict[str, int]             # name -> column: "feature" (the first of frame_features), camera, colour
    motions: list[Motion]
    mean: np.ndarray                    # calibration, per raw output channel
    std: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def moves_camera(self) -> bool:
        return "log_zoom" in self.columns

    @property
    def moves_colour(self) -> bool:
        return "contrast" in self.columns

    @property
    def moves_feature_scale(self) -> bool:
        return "feature_scale" in self.columns

    @property
    def texels(self) -> int:
        return self.params.shape[0] // 4


def sample_count(preset: Preset) -> int:
    """Table rows per loop: a multiple of the clip's frame spacing, at least MIN_SAMPLES."""
    motion = preset.timeline
    # Frame phases: i / frames (loops), 1 - |1 - 2 i / frames| (ping-pong), i / (frames - 1) (open).
    spacing = motion.frames if (motion.loop or motion.pingpong) else max(1, motion.frames - 1)
    return spacing * math.ceil(MIN_SAMPLES / spacing)


def check_supported(preset: Preset) -> None:
    """One line naming what the shader covers, for anything it does not."""
    if preset.net.arch != "mlp":
        raise ConfigError(f"net.arch: a live shader covers the per-pixel 'mlp' only (one pass per pixel); "
                          f"got '{preset.net.arch}', whose k x k convolutions need the whole frame "
                          "(render it with `cppn-motion render`)")


def bake(preset: Preset) -> Baked:
    """Bake a preset (an MLP) for the shader, on the CPU."""
    check_supported(preset)
    # The calibration depends only on the aspect ratio (scene.proxy_size), so the scene is built at
    # the proxy's own size: a 1080p preset bakes as fast as a thumbnail, with the same numbers.
    proxy_w, proxy_h = proxy_size(preset.canvas.width, preset.canvas.height)
    scene = build_scene(preset.model_copy(update={"canvas": preset.canvas.model_copy(
        update={"width": proxy_w, "height": proxy_h, "supersample": 1})}), "cpu")
    samples = sample_count(preset)
    phase = torch.arange(samples + 1, dtype=torch.float64) / samples
    inputs = scene.timeline.inputs_at(phase)
    layers, shapes = _layout(scene)
    weights = [w.to(torch.float64).numpy() for w in inputs.weights]
    packed = _pack(weights, layers, shapes)          # (1 | S+1, floats)
    columns: dict[str, int] = {}
    parts: list[np.ndarray] = []

    def add(name: str, values: np.ndarray) -> None:
        columns[name] = sum(p.shape[1] for p in parts)
        parts.append(values.reshape(samples + 1, -1).astype(np.float64))

    if inputs.frame_features.shape[1]:
        add("feature", inputs.frame_features.to(torch.float64).numpy())
    _add_motion_columns(scene, phase, add)
    motions: list[Motion] = []
    params = packed[0].astype(np.float32)
    if packed.shape[0] > 1:
        for start, stop in _tensor_ranges(layers):
            mean, basis, coefficients = _low_rank(packed[:, start:stop])
            params[start:stop] = mean
            if basis.shape[0]:
                motions.append(Motion(start, stop, mean, basis, sum(p.shape[1] for p in parts)))
                parts.append(coefficients)
    table = np.concatenate(parts, axis=1) if parts else np.zeros((samples + 1, 0))
    calibration = scene.calibration
    low, high = calibration.bounds()
    return Baked(preset, layers, params, list(preset.inputs.features), scene.net.spec.coord_features,
                 inputs.frame_features.shape[1], samples, table.astype(np.float32), columns, motions,
                 *(t.to(torch.float32).numpy() for t in (calibration.mean, calibration.std, low, high)))


def _add_motion_columns(scene: Scene, phase: torch.Tensor, add) -> None:
    timeline = scene.timeline
    camera = timeline.camera_at(phase)
    if camera is not None:
        add("log_zoom", camera.log_zoom.numpy())
        add("rotation", camera.rotation.numpy())
        add("pan_x", camera.pan[:, 0].numpy())
        add("pan_y", camera.pan[:, 1].numpy())
    scales = timeline.feature_scales(phase)
    if scales is not None:
        # As the CPU applies it: features x inputs.feature_scale, then x (keyframed / preset scale).
        add("feature_scale", scales.to(torch.float64).numpy() / scene.preset.inputs.feature_scale)
    colours = timeline.colours_at(phase)
    if colours is not None:
        for name in COLOUR_COLUMNS:
            add(name, np.array([float(getattr(c, name)) for c in colours]))


def _layout(scene: Scene) -> tuple[list[Layer], list[tuple[int, int]]]:
    net = scene.net
    shapes = net.layer_shapes()
    layers: list[Layer] = []
    texel = 0
    for index, (fan_in, fan_out) in enumerate(shapes):
        weight_texel = texel
        texel += fan_out * math.ceil(fan_in / 4)
        bias_texel = texel
        texel += math.ceil(fan_out / 4)
        slices = _activation_slices(net.activations[index], fan_out) if index < len(shapes) - 1 else []
        layers.append(Layer(fan_in, fan_out, weight_texel, bias_texel, slices))
    return layers, shapes


def _activation_slices(module: torch.nn.Module, width: int) -> list[tuple[str, int, int]]:
    if isinstance(module, Mixed):
        return list(module.slices)
    return [(module.name, 0, width)]


def _pack(weights: list[np.ndarray], layers: list[Layer], shapes: list[tuple[int, int]]) -> np.ndarray:
    """(1 | B, floats): each layer's weights as texels of 4 inputs for one output, then its bias."""
    batch = max(w.shape[0] for w in weights)
    total = layers[-1].bias_texel + math.ceil(layers[-1].outputs / 4)
    out = np.zeros((batch, total * 4), dtype=np.float64)
    for layer, (fan_in, fan_out), w, b in zip(layers, shapes, weights[0::2], weights[1::2]):
        groups = layer.groups
        padded = np.zeros((w.shape[0], groups * 4, fan_out))
        padded[:, :fan_in] = w
        # (B, in4, out) -> (B, out, in4): output j's inputs are contiguous.
        block = padded.transpose(0, 2, 1).reshape(w.shape[0], -1)
        start = layer.weight_texel * 4
        out[:, start:start + block.shape[1]] = block
        start = layer.bias_texel * 4
        out[:, start:start + fan_out] = b
    return out


def _tensor_ranges(layers: list[Layer]) -> list[tuple[int, int]]:
    ranges = []
    for layer in layers:
        ranges.append((layer.weight_texel * 4, layer.bias_texel * 4))
        ranges.append((layer.bias_texel * 4, layer.bias_texel * 4 + math.ceil(layer.outputs / 4) * 4))
    return ranges


def _low_rank(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """rows (S, n) = mean + coefficients (S, r) @ basis (r, n), r as small as the motion allows."""
    mean = rows.mean(axis=0)
    centred = rows - mean
    if not np.any(centred):
        return mean.astype(np.float32), np.zeros((0, rows.shape[1]), np.float32), np.zeros((rows.shape[0], 0))
    # The basis from a few rows spread over the loop (the motion's span is that small), then every
    # row's coefficients by projection; all rows only when the few do not span them.
    for probe in (centred[np.linspace(0, len(rows) - 1, min(len(rows), PROBE_ROWS)).round().astype(int)], centred):
        basis = _principal_rows(probe)
        coefficients = centred @ basis.T
        if np.abs(coefficients @ basis - centred).max() <= RANK_TOLERANCE * np.abs(centred).max():
            break
    return mean.astype(np.float32), basis.astype(np.float32), coefficients


def _principal_rows(rows: np.ndarray) -> np.ndarray:
    """An orthonormal basis (r, n) of the rows' span, through the small Gram matrix (a full SVD of
    (S, n) costs seconds a tensor)."""
    energy, left = np.linalg.eigh(rows @ rows.T)
    order = np.argsort(energy)[::-1]
    singular = np.sqrt(np.clip(energy[order], 0, None))
    rank = int(np.sum(singular > RANK_TOLERANCE * singular[0]))
    return (left[:, order[:rank]].T @ rows) / singular[:rank, None]
