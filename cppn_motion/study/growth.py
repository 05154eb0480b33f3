"""Growth animations: the picture of a net truncated after 1, 2, ..., L layers (depth growth)
or narrowed to its first w units per layer (width growth), with optional cross-fades.

Pure computation: yields uint8 frames and a label per frame; drawing the label and
writing files belong to the command.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal

import numpy as np
import torch
from torch import Tensor

from cppn_motion.colour.mapping import Calibration, quantize, to_rgb
from cppn_motion.errors import UserError
from cppn_motion.motion.easing import EASINGS
from cppn_motion.nets.mlp import MLP
from cppn_motion.rendering.scene import Scene, measure_calibration
from cppn_motion.rendering.supersample import downsample_linear

GrowthMode = Literal["depth", "width"]
# Width stages when the net is wider than this: evenly spaced from 1 to the full width,
# so a 256-wide net does not make a 256-stage animation.
MAX_WIDTH_STAGES = 16


@dataclass(frozen=True)
class Stage:
    depth: int | None   # hidden layers used (None: all)
    width: int | None   # units used per hidden layer (None: all)
    label: str


def growth_stages(scene: Scene, mode: GrowthMode) -> list[Stage]:
    spec = scene.net.spec
    if mode == "depth":
        return [Stage(d, None, f"depth {d}/{spec.depth}") for d in range(1, spec.depth + 1)]
    if mode == "width":
        if not isinstance(scene.net, MLP):
            raise UserError(f"--mode width: width growth is implemented for net.arch 'mlp'; got '{spec.arch}'")
        count = min(spec.width, MAX_WIDTH_STAGES)
        widths = sorted({max(1, round(spec.width * k / count)) for k in range(1, count + 1)})
        return [Stage(None, w, f"width {w}/{spec.width}") for w in widths]
    raise UserError(f"--mode: expected 'depth' or 'width'; got {mode!r}")


def narrow_weights(weights: list[Tensor], width: int) -> list[Tensor]:
    """MLP weights that use only the first `width` units of every hidden layer.

    Zeroing the rows that read units >= width (in every later layer and the head) removes those
    units' influence whatever their activation is at zero (sigmoid, cos and gaussian are not 0 there).
    """
    out = list(weights)
    for index in range(2, len(weights), 2):  # weight matrices after the first: (1|B, fan_in, fan_out)
        masked = weights[index].clone()
        masked[:, width:, :] = 0
        out[index] = masked
    return out


def _stage_options(stage: Stage) -> dict:
    """Scene.raw_at options that evaluate this stage's truncated or narrowed net."""
    options: dict = {"depth": stage.depth}
    if stage.width is not None:
        options["adjust_weights"] = lambda weights: narrow_weights(weights, stage.width)
    return options


def stage_calibration(scene: Scene, stage: Stage) -> Calibration:
    """The colour statistics of this stage's own net, on the same proxy render as a clip's."""
    if not scene.preset.colour.normalize:
        return scene.calibration
    return measure_calibration(scene, **_stage_options(stage))


@torch.no_grad()
def stage_rgb(scene: Scene, stage: Stage, phase: float, calibration: Literal["stage", "full"] = "stage") -> Tensor:
    """Float RGB (H, W, 3) of one stage at one loop phase.

    calibration 'stage' normalises each stage by its own output statistics (a 1-layer net's
    outputs are far narrower than an 8-layer one's; frozen full-depth statistics show it nearly flat);
    'full' uses the whole net's statistics for every stage.
    """
    calib = stage_calibration(scene, stage) if calibration == "stage" else scene.calibration
    phases = torch.tensor([phase], dtype=torch.float64)
    raw = scene.raw_at(phases, **_stage_options(stage))
    colours = scene.timeline.colours_at(phases)
    colour = colours[0] if colours else scene.preset.colour
    width, height = scene.render_size
    rgb = to_rgb(raw, colour, calib).view(1, height, width, 3)
    return downsample_linear(rgb, scene.preset.canvas.supersample)[0]


def iter_growth(scene: Scene, mode: GrowthMode = "depth", *, hold: int = 12, blend: int = 0, phase: float = 0.0,
                calibration: Literal["stage", "full"] = "stage") -> Iterator[tuple[np.ndarray, str]]:
    """Yield (uint8 frame (H, W, 3), label) for every frame of the growth animation.

    Each stage is shown for `hold` frames, then `blend` frames cross-fade (smoothstep) to the
    next. Each stage is rendered once; only two stages are held in memory.
    """
    if hold < 1 or blend < 0:
        raise UserError(f"--hold must be >= 1 and --blend >= 0; got hold={hold}, blend={blend}")
    stages = growth_stages(scene, mode)
    ease = EASINGS.get("smoothstep")
    current = stage_rgb(scene, stages[0], phase, calibration)
    for index, stage in enumerate(stages):
        frame = quantize(current).cpu().numpy()
        for _ in range(hold):
            yield frame, stage.label
        if index + 1 == len(stages):
            break
        following = stage_rgb(scene, stages[index + 1], phase, calibration)
        for step in range(1, blend + 1):
            alpha = float(ease(step / (blend + 1)))
            mixed = current * (1 - alpha) + following * alpha
            yield quantize(mixed).cpu().numpy(), (stage if alpha < 0.5 else stages[index + 1]).label
        current = following


def growth_frame_count(scene: Scene, mode: GrowthMode, hold: int, blend: int) -> int:
    stages = len(growth_stages(scene, mode))
    return stages * hold + (stages - 1) * blend
