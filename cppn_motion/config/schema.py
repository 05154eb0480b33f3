"""The preset schema: typed, documented fields with ranges, validated at load time.

A preset is plain data (YAML -> dict -> `Preset`). Every field has a default, so a
preset file only names what it changes. Validation errors become one `ConfigError`
line naming the key path, what is allowed and what was given.
"""
from __future__ import annotations

import reprlib
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from cppn_motion.config import vocab
from cppn_motion.config.timespec import check_keyframes
from cppn_motion.encoders.gif_methods import GIF_METHODS
from cppn_motion.errors import ConfigError
from cppn_motion.registry import did_you_mean

from pydantic import SerializerFunctionWrapHandler, model_serializer, model_validator  # isort: skip


class _Section(BaseModel):
    # strict: a string "8" is not silently taken as the number 8, a float is not an int.
    # Unknown keys are errors (a misspelt key must never be ignored).
    # allow_inf_nan=False: YAML's .nan/.inf are refused as "not a finite number" instead of
    # slipping through (NaN fails no range check) or being reported as out of range.
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, allow_inf_nan=False)


class Canvas(_Section):
    width: int = Field(640, ge=2, le=16384, description="Frame width in pixels.")
    height: int = Field(360, ge=2, le=16384, description="Frame height in pixels.")
    scale: float = Field(
        1.0, gt=0, le=1e4,
        description="Half the extent of the shorter side in field units: larger shows more of the pattern.",
    )
    center: list[float] = Field(
        default_factory=lambda: [0.0, 0.0], min_length=2, max_length=2,
        description="Field point [x, y] shown at the centre of the frame.",
    )
    supersample: int = Field(
        1, ge=1, le=4,
        description="Anti-aliasing: render k x k samples per pixel and average them in linear light "
        "(1: off). Sharp activations (relu, abs, high-frequency sin) need 2-3 to avoid jagged edges.",
    )


class Inputs(_Section):
    features: list[str] = Field(
        default_factory=lambda: ["x", "y", "r"], min_length=1,
        description="Coordinate features fed to the net, from the feature registry (x, y, r, ...).",
    )
    feature_scale: float = Field(1.0, gt=0, le=1e4, description="Multiplier on every coordinate feature.")
    time: bool = Field(True, description="Feed sin and cos of the loop phase, so the picture moves and loops close.")
    time_scale: float = Field(1.0, ge=0, le=1e4, description="Radius of the time circle (sin, cos) fed to the net.")

    @field_validator("features")
    @classmethod
    def _known_features(cls, value: list[str]) -> list[str]:
        vocab.known_names("feature", value)
        if len(set(value)) != len(value):
            raise ValueError(f"each feature at most once; got {value}")
        return value


class Latent(_Section):
    dim: int = Field(8, ge=0, le=4096, description="Size of the latent vector fed to the net (0: none).")
    # 0.5 keeps the latent from outweighing x, y, r in the first layer, so motion
    # morphs the picture instead of just recolouring it.
    scale: float = Field(0.5, ge=0, le=1e4, description="Typical size of the latent vector's entries.")


class Init(_Section):
    # He normal at gain 2 puts tanh nets in the busy-but-smooth regime that makes good
    # pictures: Xavier's textbook scale gives a few soft blobs, std 1 (the classic
    # CPPN scripts) turns deep nets into confetti. Judged on contact sheets.
    scheme: str = Field("he_normal", description="Weight initialisation, from the init registry.")
    gain: float = Field(2.0, gt=0, le=1e3, description="Multiplier on the scheme's standard deviation.")
    std: float = Field(1.0, gt=0, le=1e3, description="Standard deviation for the 'normal' and 'uniform' schemes.")
    bias_std: float = Field(0.5, ge=0, le=1e3, description="Standard deviation of the normal bias.")

    @field_validator("scheme")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        return vocab.known("init", value)


# An easing name, checked against the easing registry (motion.easing) when a preset is validated.
EasingName = Annotated[str, AfterValidator(lambda name: vocab.known("easing", name))]

LAYER_TYPES = ("conv", "pool", "upsample", "inception", "residual")


class LayerSpec(_Section):
    """One entry of an explicit conv layer list (`net.layers`), as the seed's prototxt layer list."""

    type: Literal["conv", "pool", "upsample", "inception", "residual"] = Field(
        "conv", description="conv: k x k convolution; pool: max/avg pooling (stride 2 on the design grid); "
        "upsample: undo one pool; inception: the seed's 4-branch block; residual: x + two k x k convs.",
    )
    k: int = Field(3, ge=1, le=31, description="Kernel size (odd, so the field stays centred).")
    channels: int | None = Field(None, ge=1, le=4096, description="Output channels; default net.width.")
    pool: Literal["max", "avg"] = Field("max", description="Pooling kind for type 'pool'.")
    activation: str | None = Field(None, description="Activation for this layer; default net.activation.")

    @field_validator("k")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"kernel size must be odd (1, 3, 5, ...) so the field stays centred; got {value}")
        return value

    @field_validator("activation")
    @classmethod
    def _known_layer_activation(cls, value: str | None) -> str | None:
        return vocab.known_activation(value)


class SpatialNorm(_Section):
    """The seed's "spatial normalization" after every conv: per-channel standardisation over the
    image, then `scale` and a per-channel shift drawn from N(0, shift_std)."""

    enabled: bool = Field(True, description="Normalise after every conv layer (conv architectures only).")
    # clip by default: frozen statistics never flicker, give the same pixels whole or in
    # tiles (so big frames can be evaluated in bands), and cost nothing per frame.
    stats: Literal["frame", "clip", "fixed"] = Field(
        "clip", description="frame: recomputed per frame (the seed); clip: measured once over 8 phases of the "
        "clip on the design grid and frozen; fixed: measured on the frame at reference_phase and frozen.",
    )
    scale: float = Field(3.0, ge=0, le=1e3, description="Multiplier after standardisation (the seed used 3).")
    shift_std: float = Field(2.0, ge=0, le=1e3, description="Std of the seeded per-channel shift (the seed: N(0, 2)).")
    reference_phase: float = Field(0.0, ge=0, le=1, description="Loop phase whose frame gives the 'fixed' statistics.")


class Net(_Section):
    arch: str = Field("mlp", description="Architecture, from the architecture registry.")
    depth: int = Field(8, ge=1, le=256, description="Number of hidden layers.")
    width: int = Field(32, ge=1, le=4096, description="Units per hidden layer.")
    activation: str = Field("tanh", description="Hidden activation from the registry, or 'mixed'.")
    mixed: list[str] = Field(
        default_factory=lambda: ["tanh", "sin", "gaussian", "sigmoid", "abs"], min_length=1,
        description="Activations drawn per neuron when activation is 'mixed'.",
    )
    init: Init = Field(default_factory=Init)
    precision: Literal["auto", "fp32", "bf16", "fast"] = Field(
        "auto", description="MLP arithmetic. auto: float32 for renders to files (a GPU render matches a CPU one "
        "within a code; on a GPU files are bound by the video encoder anyway), the fused GPU kernel's fp16 dot "
        "products (fp32 sums) for in-memory rendering on CUDA (render_array, render_frames, render_still); "
        "fp32: float32 everywhere; fast: the fastest arithmetic the device has (bf16 hidden layers on a CPU, "
        "the fused fp16 kernel on CUDA), a preview; bf16: bf16 hidden layers on a CPU (~1.6x faster with "
        "AVX512-BF16), on CUDA as fast. Conv nets always compute in float32.",
    )
    # The keys below are read by the conv architectures (conv, nin, vgg, inception, residual) only.
    kernel: int = Field(3, ge=1, le=31, description="Conv kernel size k (odd) for the conv architectures.")
    maxout: bool = Field(False, description="Conv layers make 2x channels and keep the max of the two halves.")
    pool: Literal["none", "max", "avg"] = Field("none", description="vgg: pooling after each stage of 3x3 convs.")
    block_convs: int = Field(2, ge=1, le=16, description="vgg: 3x3 convs per stage; nin: 1x1 convs after each k x k.")
    design_size: int = Field(
        180, ge=8, le=4096,
        description="Conv nets are defined on a design grid with this many pixels on the shorter side; bigger "
        "frames evaluate the same net with kernels dilated by an integer factor, so every size shows one picture.",
    )
    layers: list[LayerSpec] | None = Field(
        None, description="Explicit conv layer list (overrides arch's own layout and depth), e.g. "
        "[{type: conv, k: 3, channels: 10}, {type: pool}, ...].",
    )
    norm: SpatialNorm = Field(default_factory=SpatialNorm)

    @model_validator(mode="after")
    def _layers_need_a_conv_arch(self) -> "Net":
        if self.layers and self.arch == "mlp":
            raise ValueError("layers need a conv architecture in net.arch "
                             "(conv, nin, vgg, inception, residual); got 'mlp'")
        return self

    @field_validator("kernel")
    @classmethod
    def _odd_kernel(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"kernel size must be odd (1, 3, 5, ...) so the field stays centred; got {value}")
        return value

    @field_validator("arch")
    @classmethod
    def _known_arch(cls, value: str) -> str:
        return vocab.known("architecture", value)

    @field_validator("activation")
    @classmethod
    def _known_activation(cls, value: str) -> str:
        return vocab.known_activation(value)

    @field_validator("mixed")
    @classmethod
    def _known_mixed(cls, value: list[str]) -> list[str]:
        return vocab.known_names("activation", value)


HARMONIES = ("monochrome", "analogous", "complementary", "split_complementary", "triadic", "tetradic")


class Colour(_Section):
    mode: Literal["rgb", "hsv", "palette", "harmony", "seed_lab", "seed_standard", "oklab", "oklch"] = Field(
        "rgb",
        description="rgb: three outputs are red, green, blue; hsv: hue, saturation, value; "
        "palette: one output picks a colour along `palette`; harmony: OKLCh colour from hues in a `harmony` "
        "around `hue_shift`, lightness from one output, kept inside sRGB by lowering chroma; seed_lab: per-channel "
        "min-max read as CIE Lab (the seed); seed_standard: standardised value*100+128 as RGB codes (the seed's "
        "other mapping); oklab / oklch: perceptual lightness and colour.",
    )
    palette: str | list[str] = Field(
        "silk",
        description="For mode 'palette': a palette name (ours such as silk, ink, marble, topographic, or any "
        "colorcet map such as fire or CET_L3; `cppn-motion palettes` lists them) or a list of two or more "
        "'#rrggbb' stops, low to high.",
    )
    harmony: Literal["monochrome", "analogous", "complementary", "split_complementary", "triadic", "tetradic"] = (
        Field("analogous", description="For mode 'harmony': the hue families, placed around hue_shift (in turns)."))
    cycle: int = Field(
        0, ge=-64, le=64,
        description="Whole colour cycles per loop: palette mode moves every pixel along the palette (round a "
        "cyclic palette, there and back on others); hue modes turn the hue once per cycle.",
    )
    normalize: bool = Field(
        True,
        description="Standardise the net's outputs with statistics measured once per clip on a small proxy "
        "render, so pictures are neither blank nor saturated and frames never flicker.",
    )
    contrast: float = Field(1.6, gt=0, le=100, description="Gain before the output squashing (higher: bolder).")
    saturation: float = Field(1.0, ge=0, le=10, description="Colour saturation multiplier (mode harmony: on chroma, "
                              "still inside the gamut).")
    hue_shift: float = Field(0.0, ge=-1e3, le=1e3, description="Hue rotation in turns (mode harmony: the base hue).")
    palette_shift: float = Field(
        0.0, ge=-1e3, le=1e3,
        description="Moves every pixel along the palette (mode 'palette'), reflecting at its ends (wrapping on a "
        "cyclic palette): 1 turns dark into light, 2 comes back (keyframe it, or use cycle, for colour cycling).",
    )

    @field_validator("palette", mode="before")
    @classmethod
    def _palette(cls, value: Any) -> Any:
        if isinstance(value, str):
            return vocab.known("palette", value)
        if not isinstance(value, list) or len(value) < 2:
            raise ValueError(f"a palette name or a list of two or more '#rrggbb' stops; got {_show(value)}")
        for colour in value:
            text = colour.lstrip("#") if isinstance(colour, str) else ""
            if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
                raise ValueError(f"palette colours are '#rrggbb' strings; got {colour!r}")
        return value


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
    fps: float = Field(30.0, gt=0, le=240, description="Frames per second.")
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


QUALITY_LEVELS = ("custom", "draft", "standard", "high", "archival")


class Output(_Section):
    path: str | None = Field(None, description="Output file; default outputs/<name>.<format>.")
    format: Literal["mp4", "webm", "gif", "png"] = Field("mp4", description="Used when path is not given.")
    quality: Literal["custom", "draft", "standard", "high", "archival"] = Field(
        "custom",
        description="Video quality level: draft, standard, high (10-bit) or archival (10-bit 4:4:4) set "
        "crf, x264_preset and pix_fmt together (see README for player support); custom uses those keys.",
    )
    crf: int = Field(18, ge=0, le=51, description="Video quality: lower is better and larger (0-51; 18 "
                     "looks lossless in H.264, about 31 in VP9).")
    x264_preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
    ] = Field("medium", description="libx264 speed/size trade-off (VP9 maps it to a -cpu-used speed).")
    pix_fmt: Literal["yuv420p", "yuv444p", "yuv420p10le", "yuv444p10le"] = Field(
        "yuv420p", description="yuv420p plays everywhere; 10-bit and 4:4:4 need a desktop player (README).")
    dither: bool = Field(
        True,
        description="Add +-1 code of seeded triangular noise before 8-bit quantisation of MP4/WebM frames: "
        "hides banding in smooth gradients; deterministic per frame. GIFs dither against their palette instead.",
    )
    bit_depth: Literal[8, 16] = Field(8, description="PNG bits per channel: 16 keeps smooth gradients exact for editing.")
    # 192, not 256: with the coverage palette 192 colours measured 40.4 dB where 256 gave 41.4, and
    # 5% fewer bytes, which brings a 5 s 320x180 sin_waves GIF under 3 MB (README, GIF table).
    gif_colors: int = Field(192, ge=2, le=256, description="Most colours in a GIF frame's palette.")
    gif_method: str = Field("adaptive_fs", description="How GIF frames get their palette and dither, from the GIF "
                            "method registry (README has the measured comparison).")
    gif_max_width: int | None = Field(None, ge=2, le=16384, description="Downscale GIF frames (area filter) to at "
                                      "most this width; null keeps the render size.")
    gif_max_fps: float | None = Field(15, ge=1, le=50, description="GIFs keep every n-th frame so they play at "
                                      "most this fps (the loop's length stays exact); null keeps every frame.")
    gif_max_bytes: int | None = Field(None, ge=1024, description="Target GIF file size: colours, then size, are "
                                      "reduced until the file fits; null: no limit.")
    # Off by default: with a dithered palette per frame nearly every pixel changes, and the
    # study (README) measured <1% saving, or larger files with a global palette.
    gif_optimize: bool = Field(False, description="Store pixels unchanged since the previous frame as "
                               "transparent (helps clips with still areas; costs one palette colour).")

    @field_validator("gif_method")
    @classmethod
    def _known_gif_method(cls, value: str) -> str:
        GIF_METHODS.get(value)
        return value


class Preset(_Section):
    """A whole render description. `Preset.model_validate(dict)` via `validate_preset` gives good errors."""

    name: str = Field("untitled", min_length=1, description="Short name; the default output is outputs/<name>.<ext>.")
    description: str = Field("", description="One line shown by `cppn-motion presets`.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed for every random draw (weights, latents, paths).")
    canvas: Canvas = Field(default_factory=Canvas)
    inputs: Inputs = Field(default_factory=Inputs)
    latent: Latent = Field(default_factory=Latent)
    net: Net = Field(default_factory=Net)
    colour: Colour = Field(default_factory=Colour)
    timeline: Timeline = Field(default_factory=Timeline)
    output: Output = Field(default_factory=Output)

    @model_validator(mode="after")
    def _circle_needs_a_plane(self) -> "Preset":
        if self.latent.dim == 1 and self.timeline.latent.path == "circle":
            # Found by fuzzing: the circle spans a random plane of latent space.
            raise ValueError(
                "timeline.latent.path 'circle' needs latent.dim >= 2 (a circle lives in a plane); "
                "got latent.dim 1: raise it, set it to 0, or use path static or keyframes"
            )
        return self

    def with_overrides(self, overrides: dict[str, Any]) -> "Preset":
        """A copy with dotted-key overrides applied, e.g. {'net.depth': 12}; validated."""
        data = self.to_dict()
        for key, value in overrides.items():
            set_dotted(data, key, value)
        return validate_preset(data)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @model_validator(mode="after")
    def _motion_checks(self) -> "Preset":
        """Checks across sections: camera loops close, keyframes are in order and fit, paths fit latent.dim."""
        camera, timeline = self.timeline.camera, self.timeline
        if (camera.path == "sweep" and timeline.loop and not timeline.pingpong
                and (camera.zoom != 1.0 or any(camera.pan) or camera.rotation % 1.0 != 0.0)):
            raise ValueError(
                "timeline.camera: a 'sweep' in a loop would jump back at the seam (only whole-turn rotations "
                "close); use camera.path 'swing', timeline.pingpong: true or timeline.loop: false"
            )
        self._check_camera_can_show()
        if timeline.keyframes:
            check_keyframes(self)
        path = timeline.latent.path
        need = {"circle": 2, "ellipse": 2, "lissajous": len(timeline.latent.lissajous)}.get(path, 0)
        if self.latent.dim and self.latent.dim < need:
            raise ValueError(f"timeline.latent.path: '{path}' needs latent.dim >= {need}; got latent.dim "
                             f"{self.latent.dim}")
        return self

    def _check_camera_can_show(self) -> None:
        """Refuse a camera zoom or pan that would render a still picture: on a conv net with
        per-frame normalization and only affine inputs (e.g. the seed's slope), each frame's
        statistics cancel exactly what zoom and pan change (rotation still shows)."""
        first_layer_standardises = vocab.fact("first_layer_standardises")
        affine_features = vocab.fact("affine_features")
        net, camera = self.net, self.timeline.camera
        if net.arch == "mlp" or not net.norm.enabled or net.norm.stats != "frame":
            return
        if not first_layer_standardises(net.arch, net):
            return
        if not set(self.inputs.features) <= affine_features:
            return
        keyed = [key.camera for key in self.timeline.keyframes if key.camera is not None]
        zooms = {key.zoom for key in keyed if key.zoom is not None}
        pans = {tuple(key.pan) for key in keyed if key.pan is not None}
        moved = [name for name, moves in (("zoom", camera.zoom != 1.0 or len(zooms) > 1),
                                          ("pan", any(camera.pan) or len(pans) > 1)) if moves]
        if moved:
            raise ValueError(
                f"timeline.camera: {' and '.join(moved)} cannot show with net.norm.stats 'frame' and only "
                f"linear inputs ({', '.join(self.inputs.features)}): each frame's normalization cancels them "
                "and the picture stays still; use net.norm.stats: clip or fixed, or only camera.rotation"
            )


def validate_preset(data: Any, source: str = "preset") -> Preset:
    """Validate plain data (from YAML) into a Preset, or raise ConfigError with one clear line."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a preset is a mapping of keys to values; got {type(data).__name__}")
    try:
        return Preset.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from None


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set data['a']['b'] = value for key 'a.b', creating missing sections."""
    parts = key.split(".")
    if not key or any(not part for part in parts):
        raise ConfigError(f"override key {key!r}: expected a dotted key path such as net.depth")
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            here = ".".join(parts[: depth + 1])
            raise ConfigError(f"override key {key!r}: '{here}' is a value, not a section")
        node = child
    node[parts[-1]] = value


# ---------------------------------------------------------------------------
# Error formatting: pydantic's report -> one line a user can act on.


def format_validation_error(exc: ValidationError, source: str) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    message = _describe(first)
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{source}: {message}{more}"


def _dotted(loc: Any) -> str:
    """('timeline', 'keyframes', 2, 'time') -> 'timeline.keyframes[2].time'."""
    text = ""
    for part in loc:
        # A number first is a (bad) top-level key, not a list index.
        text += f"[{part}]" if isinstance(part, int) and text else (f".{part}" if text else str(part))
    return text


def _describe(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error["loc"]]
    path = _dotted(error["loc"]) or "(top level)"
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        parent, name = loc[:-1], loc[-1]
        allowed = _allowed_keys(parent)
        where = f" in '{_dotted(error['loc'][:-1])}'" if parent else ""
        return f"unknown key '{path}'{did_you_mean(name, allowed)}; allowed keys{where}: {', '.join(allowed)}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if kind in ("value_error", "assertion_error") and path == "(top level)":
        return message
    if kind == "value_error":
        return f"{path}: {message}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{path}: expected a section of keys (a mapping such as {{key: value}}); got {_show(given)}"
    if isinstance(given, bool) and kind in ("int_type", "float_type", "int_parsing", "float_parsing"):
        return f"{path}: {message[0].lower() + message[1:]}; got {str(given).lower()} (a boolean, not a number)"
    return f"{path}: {message[0].lower() + message[1:]}; got {_show(given)}"


def _allowed_keys(loc: list[str]) -> list[str]:
    model: type[BaseModel] = Preset
    for part in loc:
        if part.isdigit():  # an index into a list of sections (timeline.keyframes.2)
            continue
        field = model.model_fields.get(part)
        inner = _section_type(getattr(field, "annotation", None))
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _section_type(annotation: Any) -> type[BaseModel] | None:
    """The section model inside an annotation such as Model, Model | None or list[Model]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union) or type(annotation).__name__ == "UnionType":
        for arg in get_args(annotation):
            found = _section_type(arg)
            if found is not None:
                return found
    return None


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = _SHORT_REPR.maxlong = 60
_SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxdict = _SHORT_REPR.maxset = 8


def _show(value: Any) -> str:
    """A value quoted for an error, at most 60 characters; never builds the full repr (a
    value from a YAML alias bomb can be huge)."""
    text = _SHORT_REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
