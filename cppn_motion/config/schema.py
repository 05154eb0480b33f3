"""The preset schema: typed, documented fields with ranges, validated at load time.

A preset is plain data (YAML -> dict -> `Preset`). Every field has a default, so a
preset file only names what it changes. Validation errors become one `ConfigError`
line naming the key path, what is allowed and what was given.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from cppn_motion.config import vocab
from cppn_motion.config.messages import format_validation_error, short_repr
from cppn_motion.config.output_place import check_name, check_output_path
from cppn_motion.config.section import Section as _Section
from cppn_motion.config.timeline_schema import Timeline
from cppn_motion.config.timespec import check_keyframes
from cppn_motion.encoders.gif_methods import GIF_METHODS
from cppn_motion.errors import ConfigError

from pydantic import model_validator  # isort: skip


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
            raise ValueError(f"a palette name or a list of two or more '#rrggbb' stops; got {short_repr(value)}")
        for colour in value:
            text = colour.lstrip("#") if isinstance(colour, str) else ""
            if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
                raise ValueError(f"palette colours are '#rrggbb' strings; got {colour!r}")
        return value


QUALITY_LEVELS = ("custom", "draft", "standard", "high", "archival")


class Output(_Section):
    path: Annotated[str | None, AfterValidator(check_output_path)] = Field(
        None, description="Output file, relative to the folder the render runs in and inside it (no '..'); "
        "default outputs/<name>.<format>.")
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

    name: Annotated[str, AfterValidator(check_name)] = Field(
        "untitled", min_length=1, description="Short name, a plain file name; the default output is outputs/<name>.<ext>.")
    description: str = Field("", max_length=2000, description="One line shown by `cppn-motion presets` "
                             "(at most 2000 characters: every output records it).")
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
        raise ConfigError(format_validation_error(exc, source, Preset)) from None


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


