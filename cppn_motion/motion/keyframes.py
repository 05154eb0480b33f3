"""Keyframes for any animatable value: times (frames, seconds or fractions) -> path phases,
and one interpolated track per value (latent, weight set, camera, colour, input scales).

Pure computation. A value moves through the keyframes that set it, with each keyframe's
easing on the way to the next; in a loop the last keyframe leads back to the first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import Tensor

from cppn_motion.config.schema import Preset
from cppn_motion.config.timeline_schema import Keyframe
from cppn_motion.config.timespec import keyframe_phases
from cppn_motion.motion.interpolate import keyframe_track
from cppn_motion.seeding import generator_for

CAMERA_KEYS = ("log_zoom", "pan", "rotation")
COLOUR_KEYS = ("hue_shift", "contrast", "saturation", "palette_shift")
INPUT_KEYS = ("feature_scale", "time_scale")


@dataclass
class Track:
    """One value through its keyframes: times (K,) float64, values (K, *S)."""

    times: Tensor
    values: Tensor
    easings: list[str]
    mode: str
    loop: bool

    def __call__(self, phase: Tensor) -> Tensor:
        """(B, *S) at phases (B,)."""
        phase = phase.to(self.values.device, self.values.dtype)
        if self.values.shape[0] == 1:
            return self.values[0].expand(phase.shape[0], *self.values.shape[1:])
        easings = self.easings if self.loop else self.easings[:-1]
        return keyframe_track(self.times.to(self.values), self.values, phase, self.mode, easings, self.loop)


def _track(preset: Preset, phases: list[float], pick: Callable[[Keyframe], Any],
           value_of: Callable[[Any], Tensor], mode: str) -> Track | None:
    rows = [(phase, pick(key), key.easing) for phase, key in zip(phases, preset.timeline.keyframes)
            if pick(key) is not None]
    if not rows:
        return None
    times = torch.tensor([row[0] for row in rows], dtype=torch.float64)
    values = torch.stack([value_of(row[1]) for row in rows])
    loop = preset.timeline.loop and not preset.timeline.pingpong
    return Track(times, values, [row[2] for row in rows], mode, loop)


def _attr(section: str, name: str) -> Callable[[Keyframe], Any]:
    def pick(key: Keyframe) -> Any:
        part = getattr(key, section)
        return None if part is None else getattr(part, name)

    return pick


class KeyframeTracks:
    """Every keyframed value of a preset as a track; values nobody keyframes are absent."""

    def __init__(self, preset: Preset, sample_weights: Callable[[torch.Generator], list[Tensor]],
                 base_weights: list[Tensor], device: torch.device) -> None:
        phases = keyframe_phases(preset)
        seed, dim, scale = preset.seed, preset.latent.dim, preset.latent.scale
        scalar_mode = preset.timeline.keyframe_interpolation

        def latent_value(value: Any) -> Tensor:
            if isinstance(value, list):
                return torch.tensor(value, dtype=torch.float32)
            return torch.randn(dim, generator=generator_for(seed, "latent", "keyframe", value.seed)) * scale

        self.latent = _track(preset, phases, lambda k: k.latent, latent_value, preset.timeline.latent.interpolation)

        # Each weight tensor is its own track over the same keyframes; set 0 is the preset's own weights.
        self.weights: list[Track] | None = None
        weight_track = _track(preset, phases, lambda k: k.weights,
                              lambda v: torch.tensor(float(v.seed)), "linear")
        if weight_track is not None:
            sets = [base_weights if int(s) == 0 else sample_weights(generator_for(seed, "weights", int(s)))
                    for s in weight_track.values.tolist()]
            self.weights = [Track(weight_track.times, torch.stack(group).to(device), weight_track.easings,
                                  preset.timeline.weights.interpolation, weight_track.loop)
                            for group in zip(*[[w.cpu() for w in set_] for set_ in sets])]

        def scalar(value: Any) -> Tensor:
            return torch.tensor(value, dtype=torch.float64)

        self.camera = {
            "log_zoom": _track(preset, phases, _attr("camera", "zoom"), lambda v: scalar(math.log(v)), scalar_mode),
            "pan": _track(preset, phases, _attr("camera", "pan"), scalar, scalar_mode),
            "rotation": _track(preset, phases, _attr("camera", "rotation"), scalar, scalar_mode),
        }
        self.colour = {name: _track(preset, phases, _attr("colour", name), scalar, scalar_mode)
                       for name in COLOUR_KEYS}
        self.inputs = {name: _track(preset, phases, _attr("inputs", name), scalar, scalar_mode)
                       for name in INPUT_KEYS}

    @property
    def moves_camera(self) -> bool:
        return any(track is not None for track in self.camera.values())

    @property
    def moves_colour(self) -> bool:
        return any(track is not None for track in self.colour.values())
