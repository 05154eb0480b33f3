"""The timeline: frame index -> loop phase -> that frame's inputs (time channels, latent
vector) and network weights. Pure computation; every random draw is seeded."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from cppn_motion.config.schema import Colour, Preset
from cppn_motion.motion.camera import CameraState, camera_path, swing
from cppn_motion.motion.interpolate import cycle_keyframes, keyframe_track
from cppn_motion.motion.keyframes import KeyframeTracks
from cppn_motion.motion.paths import ellipse_path, lissajous_path, noise_path
from cppn_motion.motion.timing import arc_length_phase, arc_length_table
from cppn_motion.nets import FieldNet
from cppn_motion.nets.coords import time_features
from cppn_motion.seeding import generator_for

# Samples of a path used to tabulate its arc length for constant-speed timing: at 1024 the
# piecewise-linear re-timing is within ~1e-6 of exact for the smooth paths used here.
ARC_LENGTH_SAMPLES = 1024


def frame_phases(indices: Tensor | list[int] | range, frames: int, loop: bool, pingpong: bool = False) -> Tensor:
    """Phase in [0, 1] of each frame index.

    Looping clips use i / frames (never i / (frames - 1)): the frame after the last
    would be phase 1 == phase 0, so the loop closes with an ordinary step.
    Ping-pong clips run a triangle wave 0 -> 1 -> 0 over the clip: for an even frame
    count that shows the forward frames 0, 2/N, ..., 1 and then the same frames
    backwards without repeating either end (timing.pingpong_order).
    """
    index = torch.as_tensor(list(indices) if not isinstance(indices, Tensor) else indices, dtype=torch.float64)
    if pingpong and frames > 1:
        return 1 - (1 - 2 * index / frames).abs()
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
        self._weight_noise: list[tuple[Tensor, Tensor]] | None = None
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
        elif motion.weights.mode == "noise":
            self._weight_noise = self._noise_weight_sets(net, motion.weights.harmonics)
        self._base = [w.to(self.device).unsqueeze(0) for w in base]
        self.keys: KeyframeTracks | None = None
        if motion.keyframes:
            self.keys = KeyframeTracks(preset, net.sample_weights, base, self.device)

        # Constant speed: tabulate the path's arc length once; each batch then only re-times phases.
        self._latent_arc: Tensor | None = None
        self._weight_arc: Tensor | None = None
        keyed_latent = self.keys is not None and self.keys.latent is not None
        keyed_weights = self.keys is not None and self.keys.weights is not None
        if motion.latent.constant_speed and dim and (motion.latent.path != "static" or keyed_latent):
            self._latent_arc = arc_length_table(lambda p: self._latent_path(p).to(torch.float64), ARC_LENGTH_SAMPLES)
        if motion.weights.constant_speed and (motion.weights.mode != "none" or keyed_weights):
            self._weight_arc = arc_length_table(
                lambda p: torch.cat([w.reshape(p.shape[0], -1).cpu().to(torch.float64)
                                     for w in self._weights_path(p)], dim=1), ARC_LENGTH_SAMPLES)

    @property
    def loops(self) -> bool:
        """Whether the paths are closed cycles (a loop that is not ping-pong) or run open, start to end."""
        return self.preset.timeline.loop and not self.preset.timeline.pingpong

    def _noise_weight_sets(self, net: FieldNet, harmonics: int) -> list[tuple[Tensor, Tensor]]:
        """Per frequency f = 1..harmonics, a (cos, sin) pair of seeded weight sets scaled by 1/f.

        Weights drawn from the init scheme already have the weights' own scale; the 1/f
        falloff keeps the motion smooth, and the factors are normalised so the RMS offset
        over a period equals mode 'perturb' at the same amplitude.
        """
        falloff = [1.0 / f for f in range(1, harmonics + 1)]
        norm = sum(a * a for a in falloff) ** 0.5
        out = []
        for f, a in zip(range(1, harmonics + 1), falloff):
            cos_set = net.sample_weights(generator_for(self.preset.seed, "weights", "noise", f, "cos"))
            sin_set = net.sample_weights(generator_for(self.preset.seed, "weights", "noise", f, "sin"))
            out.append((torch.stack([torch.cat([w.reshape(-1) for w in cos_set])]).to(self.device) * (a / norm),
                        torch.stack([torch.cat([w.reshape(-1) for w in sin_set])]).to(self.device) * (a / norm)))
        return out

    @property
    def frame_feature_count(self) -> int:
        return (2 if self.preset.inputs.time else 0) + self.preset.latent.dim

    def phases(self, indices: Tensor | list[int] | range) -> Tensor:
        motion = self.preset.timeline
        return frame_phases(indices, motion.frames, motion.loop, motion.pingpong)

    def latents(self, phase: Tensor) -> Tensor:
        """(B, latent.dim) latent vectors at these phases."""
        if self._latent_arc is not None:
            phase = arc_length_phase(self._latent_arc, phase.to(torch.float64), closed=self.loops)
        return self._latent_path(phase)

    def _latent_path(self, phase: Tensor) -> Tensor:
        preset = self.preset
        dim, scale = preset.latent.dim, preset.latent.scale
        motion = preset.timeline.latent
        batch = phase.shape[0]
        if dim == 0:
            return torch.zeros(batch, 0)
        if self.keys is not None and self.keys.latent is not None:
            return self.keys.latent(phase).to(torch.float32)
        if self._latent_static is not None:
            return self._latent_static.expand(batch, dim)
        if self._latent_keys is not None:
            return _keyframed(self._latent_keys, phase, motion.interpolation, motion.easing, self.loops)
        # Periodic paths regenerate their plane/axes from the same seed each call (cheap, stateless).
        # The circle keeps its original purpose name, so existing presets draw the same plane.
        radius = motion.radius * scale
        gen = generator_for(preset.seed, "latent", motion.path)
        phase = phase.to(torch.float64)
        if motion.path == "circle":
            path = ellipse_path(phase, gen, dim, radii=(radius, radius))
        elif motion.path == "ellipse":
            path = ellipse_path(phase, gen, dim, radii=(radius, radius * motion.ellipse_ratio))
        elif motion.path == "lissajous":
            path = lissajous_path(phase, gen, dim, motion.lissajous, radius=radius)
        else:  # noise: unit RMS per entry, scaled so the RMS length of the latent offset is `radius`
            path = noise_path(phase, gen, dim, harmonics=motion.harmonics) * (radius / dim**0.5)
        return path.to(torch.float32)

    def weights(self, phase: Tensor) -> list[Tensor]:
        """Per-frame weights (B, *shape), or the shared base set (1, *shape) when weights do not move."""
        if self._weight_arc is not None:
            phase = arc_length_phase(self._weight_arc, phase.to(torch.float64), closed=self.loops)
        return self._weights_path(phase)

    def _weights_path(self, phase: Tensor) -> list[Tensor]:
        motion = self.preset.timeline.weights
        if self.keys is not None and self.keys.weights is not None:
            return [track(phase) for track in self.keys.weights]
        if self._weight_keys is not None:
            on_device = phase.to(self.device, torch.float32)
            return [_keyframed(keys, on_device, motion.interpolation, motion.easing, self.loops)
                    for keys in self._weight_keys]
        if self._weight_noise is not None:
            angle = phase.to(torch.float64) * (2 * torch.pi)
            offset = 0
            for f, (cos_set, sin_set) in enumerate(self._weight_noise, start=1):
                c = torch.cos(f * angle).to(self.device, torch.float32)[:, None]
                s = torch.sin(f * angle).to(self.device, torch.float32)[:, None]
                offset = offset + c * cos_set + s * sin_set
            out, start = [], 0
            for w0 in self._base:
                size = w0[0].numel()
                chunk = offset[:, start:start + size].reshape(-1, *w0.shape[1:])
                out.append(w0 + motion.amplitude * chunk)
                start += size
            return out
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

    def camera_at(self, phase: Tensor) -> CameraState | None:
        """The camera for these phases, or None when it does not move (the shared-coordinates fast path)."""
        camera = self.preset.timeline.camera
        keyed = self.keys is not None and self.keys.moves_camera
        if not camera.moves and not keyed:
            return None
        amount = swing(phase) if camera.path == "swing" else phase.to(torch.float64)
        state = camera_path(amount, camera.zoom, camera.pan, camera.rotation, camera.center)
        if not keyed:
            return state
        # Keyframed parts replace the path's; the others keep it.
        parts = {name: (track(phase) if track is not None else getattr(state, name))
                 for name, track in self.keys.camera.items()}
        return CameraState(parts["log_zoom"], parts["pan"], parts["rotation"], state.center)

    def colours_at(self, phase: Tensor) -> list[Colour] | None:
        """One colour section per frame when colour parameters are keyframed or cycle, else None (the preset's)."""
        colour = self.preset.colour
        keyed = self.keys is not None and self.keys.moves_colour
        if not keyed and not colour.cycle:
            return None
        values = {} if not keyed else {name: track(phase).tolist() for name, track in self.keys.colour.items()
                                       if track is not None}
        if colour.cycle:
            # A palette comes back after a shift of 2 (there and back, or once round a cyclic one); a hue after 1.
            name, period = ("palette_shift", 2.0) if colour.mode == "palette" else ("hue_shift", 1.0)
            base = values.get(name, [getattr(colour, name)] * phase.shape[0])
            turns = (phase.to(torch.float64) * colour.cycle * period).tolist()
            values[name] = [start + turn for start, turn in zip(base, turns)]
        return [colour.model_copy(update={name: column[i] for name, column in values.items()})
                for i in range(phase.shape[0])]

    def feature_scales(self, phase: Tensor) -> Tensor | None:
        """(B,) keyframed coordinate-feature scales, or None when inputs.feature_scale holds."""
        track = None if self.keys is None else self.keys.inputs["feature_scale"]
        return None if track is None else track(phase)

    def inputs_at(self, phase: Tensor) -> FrameInputs:
        parts = []
        if self.preset.inputs.time:
            track = None if self.keys is None else self.keys.inputs["time_scale"]
            if track is None:
                parts.append(time_features(phase, self.preset.inputs.time_scale))
            else:
                parts.append(time_features(phase, 1.0) * track(phase).to(torch.float32)[:, None])
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
