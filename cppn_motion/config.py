"""The preset schema: typed, documented fields with ranges, validated at load time.

A preset is plain data (YAML -> dict -> `Preset`). Every field has a default, so a
preset file only names what it changes. Validation errors become one `ConfigError`
line naming the key path, what is allowed and what was given.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .registry import did_you_mean


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
        from .coords import FEATURES

        for name in value:
            FEATURES.get(name)
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
        from .inits import INITS

        INITS.get(value)
        return value


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

    @field_validator("arch")
    @classmethod
    def _known_arch(cls, value: str) -> str:
        from .nets import ARCHITECTURES

        ARCHITECTURES.get(value)
        return value

    @field_validator("activation")
    @classmethod
    def _known_activation(cls, value: str) -> str:
        from .activations import ACTIVATIONS

        if value != "mixed":
            ACTIVATIONS.get(value)
        return value

    @field_validator("mixed")
    @classmethod
    def _known_mixed(cls, value: list[str]) -> list[str]:
        from .activations import ACTIVATIONS

        for name in value:
            ACTIVATIONS.get(name)
        return value


class Colour(_Section):
    mode: Literal["rgb", "hsv", "palette"] = Field(
        "rgb",
        description="rgb: three outputs are red, green, blue; hsv: hue, saturation, value; "
        "palette: one output picks a colour along `palette`.",
    )
    palette: list[str] = Field(
        default_factory=lambda: ["#0b0d17", "#3a2f6b", "#c0487a", "#f6b26b", "#fdf6e3"], min_length=2,
        description="Colour stops (#rrggbb) for mode 'palette', dark to light.",
    )
    normalize: bool = Field(
        True,
        description="Standardise the net's outputs with statistics measured once per clip on a small proxy "
        "render, so pictures are neither blank nor saturated and frames never flicker.",
    )
    contrast: float = Field(1.6, gt=0, le=100, description="Gain before the output squashing (higher: bolder).")
    saturation: float = Field(1.0, ge=0, le=10, description="Colour saturation multiplier (hsv and rgb).")
    hue_shift: float = Field(0.0, ge=-1e3, le=1e3, description="Hue rotation in turns.")

    @field_validator("palette")
    @classmethod
    def _hex_colours(cls, value: list[str]) -> list[str]:
        for colour in value:
            text = colour.lstrip("#")
            if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
                raise ValueError(f"palette colours are '#rrggbb' strings; got {colour!r}")
        return value


INTERPOLATIONS = ("linear", "slerp", "spline")


class LatentMotion(_Section):
    path: Literal["static", "circle", "keyframes"] = Field(
        "circle",
        description="static: one latent for the clip; circle: a closed loop in a random plane of latent space; "
        "keyframes: seeded latents visited in turn.",
    )
    radius: float = Field(1.0, ge=0, le=1e4, description="Circle radius, in units of latent.scale.")
    keyframes: int = Field(4, ge=2, le=1000, description="Number of seeded latent keyframes.")
    interpolation: Literal["linear", "slerp", "spline"] = Field("slerp", description="How to move between keyframes.")
    easing: str = Field("linear", description="Easing applied within each keyframe segment.")

    @field_validator("easing")
    @classmethod
    def _known_easing(cls, value: str) -> str:
        from .easing import EASINGS

        EASINGS.get(value)
        return value


class WeightMotion(_Section):
    mode: Literal["none", "keyframes", "perturb"] = Field(
        "none",
        description="none: fixed weights; keyframes: morph through seeded weight sets and back to the first; "
        "perturb: W0 + amplitude*(cos(2 pi t) A + sin(2 pi t) B).",
    )
    keyframes: int = Field(3, ge=2, le=100, description="Number of seeded weight sets for mode 'keyframes'.")
    interpolation: Literal["linear", "slerp", "spline"] = Field("slerp", description="How to morph between weight sets.")
    easing: str = Field("linear", description="Easing applied within each weight-keyframe segment.")
    amplitude: float = Field(0.3, ge=0, le=100, description="Perturbation size relative to the weights' own scale.")

    @field_validator("easing")
    @classmethod
    def _known_easing(cls, value: str) -> str:
        from .easing import EASINGS

        EASINGS.get(value)
        return value


class Timeline(_Section):
    frames: int = Field(120, ge=1, le=1_000_000, description="Number of frames in the clip.")
    fps: float = Field(30.0, gt=0, le=240, description="Frames per second.")
    loop: bool = Field(
        True,
        description="true: frame i shows phase i/frames, so the last frame leads seamlessly into the first; "
        "false: phases run from 0 to 1 inclusive and keyframe paths do not return.",
    )
    latent: LatentMotion = Field(default_factory=LatentMotion)
    weights: WeightMotion = Field(default_factory=WeightMotion)


class Output(_Section):
    path: str | None = Field(None, description="Output file; default outputs/<name>.<format>.")
    format: Literal["mp4", "gif", "png"] = Field("mp4", description="Used when path is not given.")
    crf: int = Field(18, ge=0, le=51, description="H.264 quality: lower is better and larger (18 looks lossless).")
    x264_preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
    ] = Field("medium", description="libx264 speed/size trade-off.")
    pix_fmt: Literal["yuv420p", "yuv444p"] = Field("yuv420p", description="yuv420p plays everywhere.")
    gif_colors: int = Field(256, ge=2, le=256, description="Palette size per GIF frame.")


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
    def _has_some_input(self) -> "Preset":
        if self.latent.dim == 0 and not self.inputs.time and self.timeline.weights.mode == "none" and self.timeline.frames > 1:
            # Nothing would move: every frame identical. Allowed for stills, but a clip needs motion.
            raise ValueError(
                "nothing moves: enable inputs.time, set latent.dim > 0 or timeline.weights.mode; "
                "or render a still"
            )
        return self

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


def _describe(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error["loc"]]
    path = ".".join(loc) or "(top level)"
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        parent, name = loc[:-1], loc[-1]
        allowed = _allowed_keys(parent)
        where = f" in '{'.'.join(parent)}'" if parent else ""
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
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
