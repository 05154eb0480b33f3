"""--reroll N: render a small proxy of N seeds and keep the most varied one (dull.variety)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from cppn_motion.config.schema import Preset
from cppn_motion.rendering.dull import variety
from cppn_motion.rendering.scene import build_scene, iter_frames

# The proxy: this many pixels on the shorter side and this many frames spread over the loop.
# 96 px shows the composition (the variety score needs no fine detail); 4 frames catch a
# seed that is lively at t=0 but washes out later. Each seed costs ~1/40 of a 640x360 frame.
REROLL_SHORT_SIDE = 96
PROXY_FRAMES = 4
# A very thin canvas keeps its aspect within these bounds instead (16384x2 would give a
# 786432x96 proxy, which is neither small nor a valid canvas): every aspect up to 16:1 is unchanged.
REROLL_MAX_PIXELS = 96 * 96 * 16
REROLL_LONG_SIDE = 4096


@dataclass(frozen=True)
class RerollResult:
    seed: int
    scores: dict[int, float]  # seed -> variety

    def summary(self) -> str:
        ranked = sorted(self.scores.values())
        median = ranked[len(ranked) // 2]
        first, last = min(self.scores), max(self.scores)
        return (f"reroll: tried seeds {first}-{last}, chose seed {self.seed} "
                f"(variety {self.scores[self.seed]:.3f}; median {median:.3f})")


def proxy_preset(preset: Preset, seed: int) -> Preset:
    canvas = preset.canvas
    shrink = min(REROLL_SHORT_SIDE / min(canvas.width, canvas.height),
                 (REROLL_MAX_PIXELS / (canvas.width * canvas.height)) ** 0.5,
                 REROLL_LONG_SIDE / max(canvas.width, canvas.height))
    width = max(2, round(canvas.width * shrink))
    height = max(2, round(canvas.height * shrink))
    frames = min(PROXY_FRAMES, preset.timeline.frames)
    return preset.with_overrides({"seed": seed, "canvas.width": width, "canvas.height": height,
                                  "canvas.supersample": 1, "timeline.frames": frames})


def pick_seed(preset: Preset, tries: int, device: str | torch.device = "auto") -> RerollResult:
    """Seeds preset.seed .. preset.seed + tries - 1, scored on a proxy; the highest variety wins."""
    scores = {}
    for seed in range(preset.seed, preset.seed + tries):
        scores[seed] = variety(np.concatenate(list(iter_frames(build_scene(proxy_preset(preset, seed), device)))))
    best = max(scores, key=lambda s: scores[s])
    return RerollResult(best, scores)
