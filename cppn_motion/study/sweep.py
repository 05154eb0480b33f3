"""The complexity study: render a still per configuration and seed and measure it (gradient,
PNG size, spectral energy, and for piecewise-linear nets the linear regions). Pure compute."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from cppn_motion.config.schema import Preset
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study.complexity import (
    count_connected_regions,
    count_linear_regions,
    measure,
)

# Activations whose on/off pattern fixes a linear piece of the net (its linear regions).
PIECEWISE_LINEAR = ("relu", "leaky_relu", "abs")
METRICS = ("mean_gradient", "png_bpp", "high_freq_energy", "linear_regions", "connected_regions")


@dataclass
class Measurement:
    row: dict[str, Any]    # configuration label, seed, parameter count and every metric
    frame: np.ndarray      # the still that was measured, (H, W, 3) uint8


def measure_still(preset: Preset, device: str | torch.device = "cpu", time: float = 0.0) -> Measurement:
    """Render the still at loop phase `time` and measure it."""
    scene = build_scene(preset, device)
    phase = torch.tensor([float(time)], dtype=torch.float64)
    frame = scene.render_phases(phase)[0].cpu().numpy()
    row: dict[str, Any] = {"params": scene.net.parameter_count, **measure(frame)}
    row["linear_regions"] = row["connected_regions"] = math.nan
    if preset.net.activation in PIECEWISE_LINEAR:
        try:
            inputs = scene.timeline.inputs_at(phase)
            codes = scene.net.activation_codes(scene.coords, inputs.frame_features, inputs.weights,
                                               (preset.canvas.height, preset.canvas.width))[0].cpu().numpy()
        except NotImplementedError:  # nets without exposed codes (the MLP) get no region counts
            codes = None
        if codes is not None:
            row["linear_regions"] = count_linear_regions(codes)
            row["connected_regions"] = count_connected_regions(codes)
    return Measurement(row, frame)


def run_study(presets: list[tuple[str, Preset]], seeds: list[int], device: str | torch.device = "cpu",
              progress: Callable[[int], None] | None = None,
              on_still: Callable[[str, int, np.ndarray], None] | None = None) -> list[dict[str, Any]]:
    """One row per (labelled configuration, seed). `on_still(label, seed, frame)` sees each still."""
    rows = []
    for label, preset in presets:
        for seed in seeds:
            result = measure_still(preset.with_overrides({"seed": seed}), device)
            rows.append({"config": label, "seed": seed, **result.row})
            if on_still is not None:
                on_still(label, seed, result.frame)
            if progress is not None:
                progress(1)
    return rows


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per configuration: parameter count, and mean and standard deviation of every metric."""
    out = []
    for label in dict.fromkeys(row["config"] for row in rows):
        group = [row for row in rows if row["config"] == label]
        summary: dict[str, Any] = {"config": label, "seeds": len(group), "params": group[0]["params"]}
        for metric in METRICS:
            values = np.array([row[metric] for row in group], dtype=np.float64)
            finite = values[np.isfinite(values)]
            summary[f"{metric}_mean"] = float(finite.mean()) if finite.size else math.nan
            summary[f"{metric}_std"] = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
        out.append(summary)
    return out
