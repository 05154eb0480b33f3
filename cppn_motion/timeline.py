"""The timeline: frame index -> loop phase -> that frame's inputs (time channels, latent
vector) and network weights. Pure computation; every random draw is seeded."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .config import Preset
from .coords import time_features
from .interpolate import circle_path, cycle_keyframes, keyframe_track
from .nets import FieldNet
from .seeding import generator_for


def frame_phases(indices: Tensor | list[int] | range, frames: int, loop: bool) -> Tensor:
    """Phase in [0, 1] of each frame index.

    Looping clips use i / frames (never i / (frames - 1)): the frame after the last
    would be phase 1 == phase 0, so the loop closes with an ordinary step.
    """
    index = torch.as_tensor(list(indices) if not isinstance(indices, Tensor) else indices, dtype=torch.float64)
    if loop or frames == 1:
        return index / frames
    return index / (frames - 1)


@dataclass
class FrameInputs:
    """What the net needs for a batch of B frames."""

    phase: Tensor            # (B,) float64
    frame_features: Tensor   # (B, K) float32: [sin, cos of phase] + latent vector
    weights: list[Tensor]    # each (1|B, *shape)


class Timeline:
    """Evaluates latent and weight motion at any phase, batched over frames."""

    def __init__(self, preset: Preset, net: FieldNet, device: torch.device | str = "cpu") -> None:
        self.preset = preset
        self.net = net
        self.device = torch.device(device)
        seed = preset.seed
        motion = preset.timeline
        dim, scale = preset.latent.dim, preset.latent.scale
        self._latent_keys: Tensor | None = None
        self._latent_static: Tensor | None = None
        if dim and motion.latent.path == "static":
            self._latent_static = torch.randn(dim, generator=generator_for(seed, "latent", "static")) * scale
        elif dim and motion.latent.path == "keyframes":
            self._latent_keys = torch.randn(motion.latent.keyframes, dim,
                                            generator=generator_for(seed, "latent", "keyframes")) * scale

        self._weight_keys: list[Tensor] | None = None
        self._weight_perturb: tuple[list[Tensor], list[Tensor]] | None = None
        # Extra weight sets are drawn on the CPU (device-independent), then moved once.
        base = [w.cpu() for w in net.base_weights]
        if motion.weights.mode == "keyframes":
            sets = [base] + [net.sample_weights(generator_for(seed, "weights", k))
                             for k in range(1, motion.weights.keyframes)]
            self._weight_keys = [torch.stack(group).to(self.device) for group in zip(*sets)]
        elif motion.weights.mode == "perturb":
            a = net.sample_weights(generator_for(seed, "weights", "perturb", "cos"))
            b = net.sample_weights(generator_for(seed, "weights", "perturb", "sin"))
            self._weight_perturb = ([w.to(self.device) for w in a], [w.to(self.device) for w in b])
        self._base = [w.to(self.device).unsqueeze(0) for w in base]

    @property
    def frame_feature_count(self) -> int:
        return (2 if self.preset.inputs.time else 0) + self.preset.latent.dim

    def phases(self, indices: Tensor | list[int] | range) -> Tensor:
        return frame_phases(indices, self.preset.timeline.frames, self.preset.timeline.loop)

    def latents(self, phase: Tensor) -> Tensor:
        """(B, latent.dim) latent vectors at these phases."""
        preset = self.preset
        dim, scale = preset.latent.dim, preset.latent.scale
        motion = preset.timeline.latent
        batch = phase.shape[0]
        if dim == 0:
            return torch.zeros(batch, 0)
        if self._latent_static is not None:
            return self._latent_static.expand(batch, dim)
        if self._latent_keys is not None:
            return _keyframed(self._latent_keys, phase, motion.interpolation, motion.easing, preset.timeline.loop)
        # circle: regenerate the plane from the same seed each call (cheap, stateless).
        path = circle_path(phase.to(torch.float64), generator_for(preset.seed, "latent", "circle"), dim,
                           radius=motion.radius * scale)
        return path.to(torch.float32)

    def weights(self, phase: Tensor) -> list[Tensor]:
        """Per-frame weights (B, *shape), or the shared base set (1, *shape) when weights do not move."""
        motion = self.preset.timeline.weights
        if self._weight_keys is not None:
            on_device = phase.to(self.device, torch.float32)
            return [_keyframed(keys, on_device, motion.interpolation, motion.easing, self.preset.timeline.loop)
                    for keys in self._weight_keys]
        if self._weight_perturb is not None:
            angle = phase.to(torch.float64) * (2 * torch.pi)
            c = torch.cos(angle).to(self.device, torch.float32)
            s = torch.sin(angle).to(self.device, torch.float32)
            cos_set, sin_set = self._weight_perturb
            out = []
            for w0, a, b in zip(self._base, cos_set, sin_set):
                shape = (-1,) + (1,) * a.dim()
                out.append(w0 + motion.amplitude * (c.view(shape) * a + s.view(shape) * b))
            return out
        return self._base

    def inputs_at(self, phase: Tensor) -> FrameInputs:
        parts = []
        if self.preset.inputs.time:
            parts.append(time_features(phase, self.preset.inputs.time_scale))
        parts.append(self.latents(phase))
        features = torch.cat(parts, dim=-1) if parts else torch.zeros(phase.shape[0], 0)
        return FrameInputs(phase=phase, frame_features=features.to(self.device), weights=self.weights(phase))


def _keyframed(keys: Tensor, phase: Tensor, mode: str, easing: str, loop: bool) -> Tensor:
    """Interpolate seeded keyframes: around a closed cycle for loops, start to end otherwise."""
    if loop:
        return cycle_keyframes(keys, phase, mode=mode, easing=easing)
    count = keys.shape[0]
    times = torch.linspace(0.0, 1.0, count, dtype=torch.float64)
    return keyframe_track(times, keys, phase.to(torch.float64), mode, [easing] * (count - 1), False)
