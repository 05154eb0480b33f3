"""Growth animations: the picture of a net growing layer by layer (depth growth) or unit by unit
(width growth), with optional in-between frames.

Three methods, chosen between by bench/growth_study.py (README, "Growth: method chosen by
measurement"). 'readout' (the default for MLPs): every layer after the first is a residual layer
that adds its branch to the state at gain 2 and to the head's input at a measured share
(nets/readout_growth.py); a layer not grown yet is skipped, the entering layer's share ramps
0 -> 1, the head is always the full net's, so the picture stays and gains folds; in width growth
every layer is there and layers 2..depth gain units, the first layer staying whole. 'residual': the
plain residual net h + a*f(h), a ramping 0 -> 1 (changes the composition more; MLPs only).
For conv nets 'readout' keeps the plain net's layers and has the full net's head read every grown
layer's output at a measured share (nets/conv_readout.py). 'independent' (the old behaviour): the
net truncated after d layers, cross-faded; each stage is a new picture. The last stage of
'readout' and 'residual' is that net's picture, not `render`'s (for conv nets it differs a lot:
the head reads every layer, not the last one).

Pure computation: yields uint8 frames and a label per frame; drawing the label and writing files
belong to the command.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator, Literal

import numpy as np
import torch
from torch import Tensor

from cppn_motion.colour.mapping import Calibration, quantize, to_rgb
from cppn_motion.errors import UserError
from cppn_motion.motion.easing import EASINGS
from cppn_motion.nets.conv import ConvNet
from cppn_motion.nets.mlp import MLP
from cppn_motion.nets.readout_growth import Readout
from cppn_motion.rendering.numerics import full_float32
from cppn_motion.rendering.scene import Scene, measure_calibration, proxy_field
from cppn_motion.rendering.supersample import downsample_linear

GrowthMode = Literal["depth", "width"]
GrowthMethod = Literal["readout", "residual", "independent"]
METHODS = ("readout", "residual", "independent")
# The methods whose frames between two stages are the net part-way grown (not a cross-fade).
GROWN_METHODS = ("readout", "residual")
# The nets that have a readout form (nets/readout_growth.py, nets/conv_readout.py).
READOUT_NETS = (MLP, ConvNet)
# Width stages when the net is wider than this: evenly spaced from 1 to the full width,
# so a 256-wide net does not make a 256-stage animation.
MAX_WIDTH_STAGES = 16


@dataclass(frozen=True)
class Stage:
    depth: int | None   # hidden layers used (None: all)
    width: int | None   # units used per hidden layer (None: all)
    label: str
    # Residual ('residual') or readout ('readout') gains of hidden layers 2..L (None: plain layers).
    # Stage d has d-1 grown layers (gain 1, or the layer's measured readout share), then zeros.
    gains: tuple[float, ...] | None = None
    readout: bool = False
    # Width growth in between stages: units [width, entering[0]) count with weight entering[1].
    entering: tuple[int, float] | None = None


def default_method(scene: Scene) -> GrowthMethod:
    """Readout growth: every architecture has it (MLPs and conv nets)."""
    return "readout" if isinstance(scene.net, READOUT_NETS) else "independent"


def check_method(scene: Scene, method: str) -> None:
    if method not in METHODS:
        raise UserError(f"--method: expected one of {', '.join(METHODS)}; got {method!r}")
    if method == "readout" and not isinstance(scene.net, READOUT_NETS):
        raise UserError(f"--method readout: readout growth is implemented for the MLP and conv nets; got "
                        f"'{scene.net.spec.arch}' (use --method independent)")
    if method == "residual" and not isinstance(scene.net, MLP):
        raise UserError(f"--method residual: residual growth is implemented for net.arch 'mlp'; got "
                        f"'{scene.net.spec.arch}' (use --method readout or independent)")


@torch.no_grad()
def readout_gains(scene: Scene) -> tuple[float, ...]:
    """The net's readout shares (readout_growth.py, conv_readout.py), measured on the colour calibration's proxy."""
    phase, coords, shape, grid = proxy_field(scene)
    inputs = scene.timeline.inputs_at(phase)
    with full_float32(scene.device):
        return scene.net.readout_gains(scene.coords_at(phase, coords, grid), inputs.frame_features, inputs.weights,
                                       shape)


def full_gains(scene: Scene, method: GrowthMethod) -> tuple[float, ...] | None:
    """Every layer's gain once grown: ones ('residual'), measured shares ('readout'), or None."""
    if method == "readout":
        return readout_gains(scene)
    return (1.0,) * (scene.net.spec.depth - 1) if method == "residual" else None


def growth_stages(scene: Scene, mode: GrowthMode, method: GrowthMethod = "independent") -> list[Stage]:
    spec = scene.net.spec
    gains = full_gains(scene, method)
    readout = method == "readout"
    if mode == "depth":
        if gains is not None:
            return [Stage(None, None, f"depth {d}/{spec.depth}", gains[:d - 1] + (0.0,) * (spec.depth - d), readout)
                    for d in range(1, spec.depth + 1)]
        return [Stage(d, None, f"depth {d}/{spec.depth}") for d in range(1, spec.depth + 1)]
    if mode == "width":
        if not isinstance(scene.net, MLP):
            raise UserError(f"--mode width: width growth is implemented for net.arch 'mlp'; got '{spec.arch}'")
        count = min(spec.width, MAX_WIDTH_STAGES)
        widths = sorted({max(1, round(spec.width * k / count)) for k in range(1, count + 1)})
        return [Stage(None, w, f"width {w}/{spec.width}", gains, readout) for w in widths]
    raise UserError(f"--mode: expected 'depth' or 'width'; got {mode!r}")


def between(stage: Stage, following: Stage, alpha: float) -> Stage:
    """The net part of the way (alpha in [0, 1]) from `stage` to `following`: the entering
    layer's gain, or the entering units' weights, at alpha."""
    if stage.gains is not None and following.gains is not None and stage.gains != following.gains:
        gains = tuple(a + (b - a) * alpha for a, b in zip(stage.gains, following.gains))
        return replace(stage, gains=gains)
    if stage.width is not None and following.width is not None:
        return replace(stage, entering=(following.width, alpha))
    raise ValueError("between() needs two residual depth stages or two width stages")


def narrow_weights(weights: list[Tensor], width: int, entering: tuple[int, float] | None = None) -> list[Tensor]:
    """MLP weights that use only the first `width` units of every hidden layer (and units up to
    entering[0] at weight entering[1], for the frames between two width stages).

    Scaling the rows that read units >= width (in every later layer and the head) removes those
    units' influence whatever their activation is at zero (sigmoid, cos and gaussian are not 0 there).
    """
    out = list(weights)
    for index in range(2, len(weights), 2):  # weight matrices after the first: (1|B, fan_in, fan_out)
        masked = weights[index].clone()
        if entering is not None:
            stop, alpha = entering
            masked[:, width:stop, :] *= alpha
            masked[:, stop:, :] = 0
        else:
            masked[:, width:, :] = 0
        out[index] = masked
    return out


def _stage_options(stage: Stage) -> dict:
    """Scene.raw_at options that evaluate this stage's truncated, residual or narrowed net."""
    options: dict = {"depth": stage.depth}
    if stage.gains is not None and stage.readout:
        # Readout width growth masks the units of layers 2..depth inside the readout net; the
        # first layer stays whole (readout_growth.py).
        options["readout"] = Readout(stage.gains, width=stage.width, entering=stage.entering)
        return options
    if stage.gains is not None:
        options["layer_gains"] = list(stage.gains)
    if stage.width is not None:
        options["adjust_weights"] = lambda weights: narrow_weights(weights, stage.width, stage.entering)
    return options


def stage_calibration(scene: Scene, stage: Stage) -> Calibration:
    """The colour statistics of this stage's own net, on the same proxy render as a clip's."""
    if not scene.preset.colour.normalize:
        return scene.calibration
    return measure_calibration(scene, **_stage_options(stage))


def shared_calibration(scene: Scene, method: GrowthMethod) -> Calibration:
    """One calibration for every stage: the full net's (for 'readout' and 'residual', that
    method's full-depth net)."""
    if method not in GROWN_METHODS or not scene.preset.colour.normalize:
        return scene.calibration
    return stage_calibration(scene, growth_stages(scene, "depth", method)[-1])


@torch.no_grad()
def stage_rgb(scene: Scene, stage: Stage, phase: float, calibration: Literal["stage", "full"] | Calibration = "stage"
              ) -> Tensor:
    """Float RGB (H, W, 3) of one stage at one loop phase.

    calibration 'stage' normalises by this stage's own output statistics; 'full' uses the
    scene's (the whole plain net's); a Calibration is used as given (shared_calibration).
    """
    if isinstance(calibration, Calibration):
        calib = calibration
    else:
        calib = stage_calibration(scene, stage) if calibration == "stage" else scene.calibration
    phases = torch.tensor([phase], dtype=torch.float64)
    raw = scene.raw_at(phases, **_stage_options(stage))
    colours = scene.timeline.colours_at(phases)
    colour = colours[0] if colours else scene.preset.colour
    width, height = scene.render_size
    rgb = to_rgb(raw, colour, calib).view(1, height, width, 3)
    return downsample_linear(rgb, scene.preset.canvas.supersample)[0]


CalibrationChoice = Literal["stage", "full", "shared"]


def calibration_for(scene: Scene, method: GrowthMethod, choice: CalibrationChoice | None
                     ) -> Literal["stage", "full"] | Calibration:
    """None: each stage's own statistics, which bench/growth_study.py measured better than a shared
    calibration on hue distance and high-frequency ranking for readout and residual growth (a
    shared one shows the shallow stages as a grey fog)."""
    choice = choice or "stage"
    return shared_calibration(scene, method) if choice == "shared" else choice


def iter_growth(scene: Scene, mode: GrowthMode = "depth", *, hold: int = 12, blend: int = 0, phase: float = 0.0,
                calibration: CalibrationChoice | None = None, method: GrowthMethod | None = None
                ) -> Iterator[tuple[np.ndarray, str]]:
    """Yield (uint8 frame (H, W, 3), label) for every frame of the growth animation.

    Each stage is shown for `hold` frames, then `blend` frames lead (smoothstep) to the next:
    for 'residual' the entering layer's gain (or the entering units' weights) rises through
    them, so the picture itself grows; for 'independent' the two stages cross-fade.
    Only two stages are held in memory.
    """
    if hold < 1 or blend < 0:
        raise UserError(f"--hold must be >= 1 and --blend >= 0; got hold={hold}, blend={blend}")
    method = method or default_method(scene)
    check_method(scene, method)
    stages = growth_stages(scene, mode, method)
    calib = calibration_for(scene, method, calibration)
    ease = EASINGS.get("smoothstep")
    current = stage_rgb(scene, stages[0], phase, calib)
    for index, stage in enumerate(stages):
        frame = quantize(current).cpu().numpy()
        for _ in range(hold):
            yield frame, stage.label
        if index + 1 == len(stages):
            break
        following_stage = stages[index + 1]
        following = stage_rgb(scene, following_stage, phase, calib)
        for step in range(1, blend + 1):
            alpha = float(ease(step / (blend + 1)))
            if method in GROWN_METHODS:
                mixed = stage_rgb(scene, between(stage, following_stage, alpha), phase, calib)
            else:
                mixed = current * (1 - alpha) + following * alpha
            yield quantize(mixed).cpu().numpy(), (stage if alpha < 0.5 else following_stage).label
        current = following


def growth_frame_count(scene: Scene, mode: GrowthMode, hold: int, blend: int) -> int:
    stages = len(growth_stages(scene, mode))
    return stages * hold + (stages - 1) * blend
