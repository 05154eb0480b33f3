"""Colour-space conversions on torch tensors with the channel last (..., 3), to sRGB in [0, 1].

Elementwise and differentiable (no loops over pixels, no NaN gradients at 0 or black).
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = [
    "srgb_to_linear",
    "linear_to_srgb",
    "hsv_to_rgb",
    "lab_to_rgb",
    "rgb_to_lab",
    "oklab_to_rgb",
    "rgb_to_oklab",
    "oklch_to_rgb",
    "rgb_to_oklch",
    "max_chroma",
    "oklch_to_rgb_in_gamut",
]

Matrix = tuple[tuple[float, float, float], ...]

# sRGB transfer curve, IEC 61966-2-1:1999 section 5.2: linear toe below the
# thresholds, 2.4 power with offset 0.055 above.
_SRGB_ENCODED_KNEE = 0.04045
_SRGB_LINEAR_KNEE = 0.0031308
_SRGB_SLOPE = 12.92
_SRGB_OFFSET = 0.055
_SRGB_GAMMA = 2.4

# CIE 15:2004 (section 8.2.1) L*a*b*: f(t) = t^(1/3) above (6/29)^3, a line below.
_LAB_DELTA = 6.0 / 29.0

# Björn Ottosson, "A perceptual color space for image processing" (2020),
# https://bottosson.github.io/posts/oklab/ : linear sRGB -> LMS -> cube root -> Lab,
# and the published inverses (they invert each other to about 4e-8).
_LINEAR_SRGB_TO_LMS: Matrix = (
    (0.4122214708, 0.5363325363, 0.0514459929),
    (0.2119034982, 0.6806995451, 0.1073969566),
    (0.0883024619, 0.2817188376, 0.6299787005),
)
_LMS_CBRT_TO_OKLAB: Matrix = (
    (0.2104542553, 0.7936177850, -0.0040720468),
    (1.9779984951, -2.4285922050, 0.4505937099),
    (0.0259040371, 0.7827717662, -0.8086757660),
)
_OKLAB_TO_LMS_CBRT: Matrix = (
    (1.0, 0.3963377774, 0.2158037573),
    (1.0, -0.1055613458, -0.0638541728),
    (1.0, -0.0894841775, -1.2914855480),
)
_LMS_TO_LINEAR_SRGB: Matrix = (
    (4.0767416621, -3.3077115913, 0.2309699292),
    (-1.2684380046, 2.6097574011, -0.3413193965),
    (-0.0041960863, -0.7034186147, 1.7076147010),
)

# Below this magnitude the cube root's slope would overflow float32 (inf gradient at 0):
# values smaller than 1e-30 are treated as 0 (an error of at most 1e-10).
_CBRT_FLOOR = 1e-30


def _srgb_to_xyz_matrix() -> tuple[Matrix, Matrix, tuple[float, float, float]]:
    """Linear sRGB <-> XYZ matrices and the white point, derived from the sRGB chromaticities.

    IEC 61966-2-1 / ITU-R BT.709 primaries R (0.64, 0.33), G (0.30, 0.60),
    B (0.15, 0.06) and white D65 (0.3127, 0.3290). Deriving them (instead of the
    standard's 4-decimal tables) makes RGB (1, 1, 1) map to Lab (100, 0, 0) exactly.
    """
    xy = np.array([[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]])
    white_xy = np.array([0.3127, 0.3290])

    def to_xyz(x: float, y: float) -> np.ndarray:
        return np.array([x / y, 1.0, (1.0 - x - y) / y])

    primaries = np.stack([to_xyz(*p) for p in xy], axis=1)  # columns: XYZ of R, G, B at Y = 1
    white = to_xyz(*white_xy)
    forward = primaries * np.linalg.solve(primaries, white)  # scale so R + G + B = white
    inverse = np.linalg.inv(forward)

    def as_matrix(m: np.ndarray) -> Matrix:
        return tuple(tuple(float(v) for v in row) for row in m)

    return as_matrix(forward), as_matrix(inverse), (float(white[0]), float(white[1]), float(white[2]))


_LINEAR_SRGB_TO_XYZ, _XYZ_TO_LINEAR_SRGB, _D65_WHITE = _srgb_to_xyz_matrix()


# --------------------------------------------------------------------------- helpers


def _as_float(x: torch.Tensor, *, channels_last: bool = True) -> torch.Tensor:
    """Check the input; half and bfloat16 are computed in float32 (see FIELD_NOTES section 6)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"expected a floating-point tensor, got dtype {x.dtype}")
    if channels_last and (x.ndim == 0 or x.shape[-1] != 3):
        raise ValueError(f"expected the 3 colour channels in the last dimension, got shape {tuple(x.shape)}")
    if x.dtype in (torch.float16, torch.bfloat16):
        return x.float()
    return x


def _mix(x: torch.Tensor, matrix: Matrix) -> torch.Tensor:
    """matrix @ x over the last dimension, written out with Python floats.

    Three fused multiply-adds per channel: any device and dtype, nothing to
    cache or move, and torch.compile sees plain elementwise ops.
    """
    c0, c1, c2 = x.unbind(-1)
    return torch.stack([row[0] * c0 + row[1] * c1 + row[2] * c2 for row in matrix], dim=-1)


def _scale(x: torch.Tensor, factors: tuple[float, float, float]) -> torch.Tensor:
    """Multiply each channel by its own Python-float factor."""
    return torch.stack([channel * factor for channel, factor in zip(x.unbind(-1), factors)], dim=-1)


def _cbrt(x: torch.Tensor) -> torch.Tensor:
    """Real cube root with finite gradients (torch has no cbrt; pow(1/3) is NaN for x < 0)."""
    return torch.sign(x) * x.abs().clamp_min(_CBRT_FLOOR).pow(1.0 / 3.0)


def _finish(linear: torch.Tensor, clip: bool) -> torch.Tensor:
    # Clip in linear light, where the gamut is a cube, then encode.
    if clip:
        linear = linear.clamp(0.0, 1.0)
    return linear_to_srgb(linear)


# --------------------------------------------------------------------------- sRGB curve


def srgb_to_linear(srgb: torch.Tensor) -> torch.Tensor:
    """sRGB-encoded values -> linear light (IEC 61966-2-1); 0 -> 0, 1 -> 1, any shape."""
    srgb = _as_float(srgb, channels_last=False)
    # The power branch gets a clamped input so the unused side of torch.where
    # never sees a negative base (its NaN gradient would leak through).
    power = ((srgb.clamp_min(_SRGB_ENCODED_KNEE) + _SRGB_OFFSET) / (1.0 + _SRGB_OFFSET)).pow(_SRGB_GAMMA)
    return torch.where(srgb <= _SRGB_ENCODED_KNEE, srgb / _SRGB_SLOPE, power)


def linear_to_srgb(linear: torch.Tensor) -> torch.Tensor:
    """Linear light -> sRGB-encoded values (IEC 61966-2-1); 0 -> 0, 1 -> 1, any shape."""
    linear = _as_float(linear, channels_last=False)
    power = (1.0 + _SRGB_OFFSET) * linear.clamp_min(_SRGB_LINEAR_KNEE).pow(1.0 / _SRGB_GAMMA) - _SRGB_OFFSET
    return torch.where(linear <= _SRGB_LINEAR_KNEE, linear * _SRGB_SLOPE, power)


# --------------------------------------------------------------------------- HSV


def hsv_to_rgb(hsv: torch.Tensor) -> torch.Tensor:
    """HSV -> RGB in [0, 1]: hue in turns (wraps, so -0.25 == 0.75), s and v clamped to [0, 1].

    The branch-free form: channel n (5 for R, 3 for G, 1 for B) is
    v - v*s*clamp(min(k, 4 - k), 0, 1) with k = (n + 6h) mod 6.
    RGB is returned as is, without any linear/sRGB conversion.
    """
    hsv = _as_float(hsv)
    hue, saturation, value = hsv.unbind(-1)
    saturation = saturation.clamp(0.0, 1.0)
    value = value.clamp(0.0, 1.0)
    channels = []
    for offset in (5.0, 3.0, 1.0):
        k = torch.remainder(offset + 6.0 * hue, 6.0)
        ramp = torch.minimum(k, 4.0 - k).clamp(0.0, 1.0)
        channels.append(value - value * saturation * ramp)
    return torch.stack(channels, dim=-1)


# --------------------------------------------------------------------------- CIE Lab


def _lab_f(t: torch.Tensor) -> torch.Tensor:
    cube_root = t.clamp_min(_LAB_DELTA**3).pow(1.0 / 3.0)
    return torch.where(t > _LAB_DELTA**3, cube_root, t / (3.0 * _LAB_DELTA**2) + 4.0 / 29.0)


def _lab_f_inverse(f: torch.Tensor) -> torch.Tensor:
    return torch.where(f > _LAB_DELTA, f**3, 3.0 * _LAB_DELTA**2 * (f - 4.0 / 29.0))


def lab_to_rgb(lab: torch.Tensor, *, clip: bool = True) -> torch.Tensor:
    """CIE L*a*b* (D65; L in 0-100, a and b roughly -128..127) -> sRGB in [0, 1].

    (100, 0, 0) is white and (0, 0, 0) black. Out-of-gamut colours are clipped
    per channel in linear light; clip=False leaves them outside [0, 1].
    """
    lab = _as_float(lab)
    lightness, a, b = lab.unbind(-1)
    fy = (lightness + 16.0) / 116.0
    f = torch.stack([fy + a / 500.0, fy, fy - b / 200.0], dim=-1)
    xyz = _scale(_lab_f_inverse(f), _D65_WHITE)
    return _finish(_mix(xyz, _XYZ_TO_LINEAR_SRGB), clip)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1] -> CIE L*a*b* (D65): the inverse of `lab_to_rgb` inside the gamut."""
    rgb = _as_float(rgb)
    relative_xyz = _scale(_mix(srgb_to_linear(rgb), _LINEAR_SRGB_TO_XYZ), tuple(1.0 / w for w in _D65_WHITE))
    fx, fy, fz = _lab_f(relative_xyz).unbind(-1)
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=-1)


# --------------------------------------------------------------------------- OKLab / OKLCh


def oklab_to_rgb(lab: torch.Tensor, *, clip: bool = True) -> torch.Tensor:
    """OKLab (L in 0-1, a and b roughly -0.4..0.4) -> sRGB in [0, 1], clipped in linear light."""
    lms = _mix(_as_float(lab), _OKLAB_TO_LMS_CBRT) ** 3
    return _finish(_mix(lms, _LMS_TO_LINEAR_SRGB), clip)


def rgb_to_oklab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1] -> OKLab; white is (1, 0, 0). Use it to interpolate palettes evenly."""
    lms = _mix(srgb_to_linear(_as_float(rgb)), _LINEAR_SRGB_TO_LMS)
    return _mix(_cbrt(lms), _LMS_CBRT_TO_OKLAB)


def oklch_to_rgb(lch: torch.Tensor, *, clip: bool = True) -> torch.Tensor:
    """OKLCh (L in 0-1, chroma C >= 0 up to ~0.32, hue in turns [0, 1), wrapping) -> sRGB [0, 1]."""
    lightness, chroma, hue = _as_float(lch).unbind(-1)
    angle = 2.0 * math.pi * hue
    lab = torch.stack([lightness, chroma * torch.cos(angle), chroma * torch.sin(angle)], dim=-1)
    return oklab_to_rgb(lab, clip=clip)


def rgb_to_oklch(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1] -> OKLCh with hue in turns [0, 1).

    Greys have no hue: they get hue 0, and the hue's gradient there is NaN
    (atan2 at the origin). Chroma's gradient stays finite.
    """
    lightness, a, b = rgb_to_oklab(rgb).unbind(-1)
    chroma = torch.sqrt((a * a + b * b).clamp_min(_CBRT_FLOOR))
    hue = torch.remainder(torch.atan2(b, a) / (2.0 * math.pi), 1.0)
    return torch.stack([lightness, chroma, hue], dim=-1)


# --------------------------------------------------------------------------- gamut


# Halvings of the chroma interval in max_chroma: 0.4 / 2**14 is ~2.4e-5, far below a code step.
_GAMUT_STEPS = 14
# Above every sRGB colour's OKLCh chroma (the largest, blue, is ~0.313).
_CHROMA_CEILING = 0.4
# Linear-light tolerance at the gamut's faces: OKLab's gamut is not quite convex (towards blue a
# constant-hue ray dips 5e-4 below zero in red, then comes back), and that much is clipped unseen.
# At the black face it is relative to the grey of that lightness (L**3 in linear light), so dark
# colours keep their lightness.
_GAMUT_SLACK = 1e-3
_BLACK_SLACK = 1e-2


def _oklch_linear(lightness: torch.Tensor, chroma: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    lab = torch.stack([lightness, chroma * torch.cos(angle), chroma * torch.sin(angle)], dim=-1)
    return _mix(_mix(lab, _OKLAB_TO_LMS_CBRT) ** 3, _LMS_TO_LINEAR_SRGB)


def max_chroma(lightness: torch.Tensor, hue: torch.Tensor) -> torch.Tensor:
    """The largest OKLCh chroma inside the sRGB gamut at each lightness (0-1) and hue (turns), by
    bisection along the ray of constant L and h (which leaves the gamut once, within _GAMUT_SLACK)."""
    lightness = lightness.clamp(0.0, 1.0)
    angle = 2.0 * math.pi * hue
    low = torch.zeros_like(lightness)
    high = torch.full_like(lightness, _CHROMA_CEILING)
    floor = (-_BLACK_SLACK * lightness**3).unsqueeze(-1)
    for _ in range(_GAMUT_STEPS):
        mid = 0.5 * (low + high)
        linear = _oklch_linear(lightness, mid, angle)
        inside = ((linear >= floor) & (linear <= 1.0 + _GAMUT_SLACK)).all(dim=-1)
        low = torch.where(inside, mid, low)
        high = torch.where(inside, high, mid)
    return low


def oklch_to_rgb_in_gamut(lch: torch.Tensor) -> torch.Tensor:
    """OKLCh -> sRGB keeping lightness and hue: a colour outside sRGB loses chroma until it fits,
    instead of being clipped per channel (which shifts its hue and flattens it to a primary)."""
    lightness, chroma, hue = _as_float(lch).unbind(-1)
    lightness = lightness.clamp(0.0, 1.0)
    chroma = torch.minimum(chroma.clamp_min(0.0), max_chroma(lightness, hue))
    return _finish(_oklch_linear(lightness, chroma, 2.0 * math.pi * hue), clip=True)
