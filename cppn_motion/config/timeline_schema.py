"""The preset's timeline section: how latents, weights, the camera and keyframes move across the loop.
(Part of the schema: config/schema.py assembles the whole preset.)"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer

from cppn_motion.config.section import EasingName
from cppn_motion.config.section import Section as _Section

INTERPOLATIONS = ("linear", "slerp", "spline")


LATENT_PATHS = ("static", "circle", "ellipse", "lissajous", "noise", "keyframes")


class LatentMotion(_Section):
    path: Literal["static", "circle", "ellipse", "lissajous", "noise", "keyframes"] = Field(
        "circle",
        description="static: one latent for the clip; circle / ellipse: a closed loop in a random plane of latent "
        "space; lissajous: a Lissajous figure over random axes; noise: smooth periodic noise (sums of sinusoids "
        "with whole frequencies); keyframes: seeded latents visited in turn.",
    )
    radius: float = Field(1.0, ge=0, le=1e4, description="Size of the path (circle radius, ellipse semi-major axis, "
                          "lissajous amplitude, noise RMS length), in units of latent.scale.")
    ellipse_ratio: float = Field(0.5, gt=0, le=1, description="Ellipse semi-minor / semi-major axis (path 'ellipse').")
    lissajous: list[int] = Field(
        default_factory=lambda: [1, 2], min_length=1, max_length=16,
        description="Whole frequencies of the Lissajous axes (path 'lissajous'): [1, 2] is a figure eight.",
    )
    harmonics: int = Field(3, ge=1, le=64, description="Highest frequency of the periodic noise (path 'noise'): "
                           "more is busier.")
    keyframes: int = Field(4, ge=2, le=1000, description="Number of seeded latent keyframes.")
    interpolation: Literal["linear", "slerp", "spline"] = Field("slerp", description="How to move between keyframes.")
    easing: EasingName = Field("linear", description="Easing applied within each keyframe segment.")
    constant_speed: bool = Field(
        False,
        description="Re-time the path so the latent moves equal distances every frame (arc-length "
        "parametrisation): no surging and stalling between keyframes. Keys are still visited in order, but no "
        "longer at their own times.",
    )


    @field_validator("lissajous")
    @classmethod
    def _whole_frequencies(cls, value: list[int]) -> list[int]:
        if any(f < 1 for f in value):
            raise ValueError(f"frequencies are whole numbers >= 1 (so the path loops); got {value}")
        return value


class WeightMotion(_Section):
    mode: Literal["none", "keyframes", "perturb", "noise"] = Field(
        "none",
        description="none: fixed weights; keyframes: morph through seeded weight sets and back to the first; "
        "perturb: a circle in weight space, W0 + amplitude*(cos(2 pi t) A + sin(2 pi t) B); "
        "noise: W0 + amplitude * smooth periodic noise (seeded weight sets on whole-frequency sinusoids).",
    )
    keyframes: int = Field(3, ge=2, le=100, description="Number of seeded weight sets for mode 'keyframes'.")
    interpolation: Literal["linear", "slerp", "spline"] = Field("slerp", description="How to morph between weight sets.")
    easing: EasingName = Field("linear", description="Easing applied within each weight-keyframe segment.")
    amplitude: float = Field(0.3, ge=0, le=100, description="Perturbation size relative to the weights' own scale.")
    harmonics: int = Field(3, ge=1, le=16, description="Highest frequency of the weight noise (mode 'noise').")
    constant_speed: bool = Field(
        False, description="Re-time the weight keyframes so the weights change by equal steps every frame.",
    )



def camera_moves(zoom: float, pan: tuple[float, float] | list[float], rotation: float) -> bool:
    """Whether a camera setting changes the view at all (the timeline skips the camera when not)."""
    return zoom != 1.0 or any(p != 0.0 for p in pan) or rotation != 0.0


class CameraMotion(_Section):
    path: Literal["swing", "sweep"] = Field(
        "swing",
        description="swing: from the preset's view to the full move and smoothly back within the loop (always "
        "closes); sweep: from the view to the full move at constant speed (zoom exponential), for open clips, "
        "ping-pong, or whole-turn rotations in a loop.",
    )
    zoom: float = Field(1.0, gt=0, le=1e6, description="Zoom factor at the full move (2: twice as close; 0.5: out).")
    pan: list[float] = Field(
        default_factory=lambda: [0.0, 0.0], min_length=2, max_length=2,
        description="View offset [x, y] at the full move, in field units.",
    )
    rotation: float = Field(0.0, ge=-1e3, le=1e3, description="Rotation at the full move, in turns (positive: "
                            "the picture turns anticlockwise).")
    center: list[float] = Field(
        default_factory=lambda: [0.0, 0.0], min_length=2, max_length=2,
        description="Field point [x, y] that zoom and rotation keep fixed on screen.",
    )

    @property
    def moves(self) -> bool:
        return camera_moves(self.zoom, self.pan, self.rotation)


class _Sparse(_Section):
    """A keyframe part: only the values it sets are written out (None means 'not keyframed here')."""

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}


class SeededSet(_Section):
    seed: int = Field(..., ge=0, le=2**31, description="Which seeded draw: 0 is the preset's own (weights), "
                      "any other number a fresh one from the preset seed.")


class CameraKey(_Sparse):
    zoom: float | None = Field(None, gt=0, le=1e6, description="Zoom factor (1: the preset's view); "
                               "interpolated exponentially.")
    pan: list[float] | None = Field(None, min_length=2, max_length=2, description="View offset [x, y] in field units.")
    rotation: float | None = Field(None, ge=-1e3, le=1e3, description="Rotation in turns.")


class ColourKey(_Sparse):
    hue_shift: float | None = Field(None, ge=-1e3, le=1e3, description="Hue rotation in turns.")
    contrast: float | None = Field(None, gt=0, le=100, description="Gain before the output squashing.")
    saturation: float | None = Field(None, ge=0, le=10, description="Colour saturation multiplier.")
    palette_shift: float | None = Field(None, ge=-1e3, le=1e3, description="Position shift along the palette.")


class InputsKey(_Sparse):
    feature_scale: float | None = Field(None, gt=0, le=1e4, description="Multiplier on every coordinate feature.")
    time_scale: float | None = Field(None, ge=0, le=1e4, description="Radius of the time circle.")


class Keyframe(_Sparse):
    time: int | float | str = Field(
        ..., description="When: a frame number (30), a fraction of the clip (0.25, a number with a point) or "
        "seconds ('2.5s'); also '30f'.",
    )
    easing: EasingName = Field("linear", description="Easing from this keyframe towards the next one.")
    latent: list[float] | SeededSet | None = Field(
        None, description="The latent vector: latent.dim numbers, or {seed: N} for a seeded one.")
    weights: SeededSet | None = Field(None, description="A whole weight set: {seed: N} (0: the preset's own).")
    camera: CameraKey | None = Field(None, description="Camera zoom, pan and rotation.")
    colour: ColourKey | None = Field(None, description="Colour parameters.")
    inputs: InputsKey | None = Field(None, description="Input scales.")



class Timeline(_Section):
    frames: int = Field(120, ge=1, le=1_000_000, description="Number of frames in the clip.")
    # At least 0.01: slower rates do not fit a GIF frame delay or ffmpeg's frame-rate fraction.
    fps: float = Field(30.0, ge=0.01, le=240, description="Frames per second (0.01 to 240).")
    loop: bool = Field(
        True,
        description="true: frame i shows phase i/frames, so the last frame leads seamlessly into the first; "
        "false: phases run from 0 to 1 inclusive and keyframe paths do not return.",
    )
    pingpong: bool = Field(
        False,
        description="Play the motion forward then backward (end frames not repeated): the paths run open, from "
        "their start to their end and back, and the clip still loops.",
    )
    latent: LatentMotion = Field(default_factory=LatentMotion)
    weights: WeightMotion = Field(default_factory=WeightMotion)
    camera: CameraMotion = Field(default_factory=CameraMotion)
    keyframes: list[Keyframe] = Field(
        default_factory=list,
        description="Keyframes for any animatable value (latent, weights, camera, colour, inputs); each value "
        "moves through the keyframes that set it and overrides the path or mode above.",
    )
    keyframe_interpolation: Literal["linear", "spline"] = Field(
        "linear", description="Between camera, colour and input keyframes: linear, or a C1 spline through them "
        "(latents and weights use latent.interpolation and weights.interpolation).",
    )
